"""The proposal pages (议案、建议、提案): the office's list, sessions and
registration; one page per proposal where the office assigns it, decides
change requests and enters feedback, and the units send opinions, record
the communication and reply. Each action runs one operation of
cases/proposals/ and flashes its outcome or its refusal with the reason.
The public pages (published replies, the proposer's feedback link) are in
app/proposals/public.py."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SelectChoice

from app.auth import roles_required, scope
from app.proposals import forms
from cases.errors import CaseError, InvalidRequest
from cases.models import Assignment, Case, OrgUnit, UnitKind
from cases.models.proposal import ChangeRequest, Proposal, ProposalSession
from cases.models.users import DISTRICT_WIDE, UNIT_ROLES
from cases.proposals import handling, registration
from core.db import db
from core.i18n import localname

bp = Blueprint("proposals", __name__, url_prefix="/proposals")

OFFICE = tuple(DISTRICT_WIDE)
STAFF = (*OFFICE, *UNIT_ROLES)
PAGE_SIZE = 25
REFUSED = 422


def units() -> list[OrgUnit]:
    return list(db.session.scalars(
        select(OrgUnit).where(OrgUnit.active.is_(True),
                              OrgUnit.kind.not_in([UnitKind.DISTRICT, UnitKind.GRID]))
        .order_by(OrgUnit.kind, OrgUnit.code)))


def sessions() -> list[ProposalSession]:
    return list(db.session.scalars(select(ProposalSession).order_by(ProposalSession.id.desc())))


def visible(proposal_id: int) -> Proposal:
    """The proposal, for the office or a unit on its assignment; 404 for anyone else."""
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    if not scope.reads_every_matter(current_user) and not any(
            a.active and a.unit_id == current_user.unit_id for a in proposal.case.assignments):
        abort(404)
    return proposal


@bp.get("/")
@roles_required(*STAFF)
def index():
    query = select(Proposal).join(Case, Case.id == Proposal.case_id)
    chosen = request.args.get("session", type=int)
    if chosen:
        query = query.where(Proposal.session_id == chosen)
    if not current_user.district_wide:
        query = query.where(Case.id.in_(select(Assignment.case_id).where(
            Assignment.unit_id == current_user.unit_id, Assignment.active.is_(True))))
    page = db.paginate(query.order_by(Proposal.session_id.desc(), Proposal.number),
                       per_page=PAGE_SIZE, error_out=False)
    return render_template("proposals/list.html", page=page, sessions=sessions(),
                           chosen=chosen)


@bp.route("/sessions", methods=["GET", "POST"])
@roles_required(*OFFICE)
def session_list():
    form = forms.SessionForm()
    if form.validate_on_submit() and _run(lambda: registration.create_session(
            form.name.data, form.reply_months.data, current_user)):
        flash(_("Session added."), "success")
        return redirect(url_for(".session_list"))
    return render_template("proposals/sessions.html", form=form, sessions=sessions()), (
        REFUSED if form.errors or request.method == "POST" else 200)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def new():
    form = forms.RegisterForm()
    form.session.choices = [SelectChoice(s.name, s.name) for s in sessions()]
    if form.validate_on_submit():
        fields = {k: getattr(form, k).data for k in (
            "session", "number", "proposal_type", "title", "description", "proposer_name",
            "proposer_group", "proposer_phone", "proposer_email")}
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        made: list[Proposal] = []
        if _run(lambda: made.append(registration.register_proposal(
                fields, current_user, [e.data for e in form.signers]))):
            flash(_("Proposal %(number)s registered.", number=made[0].case.tracking_number),
                  "success")
            return redirect(url_for(".show", proposal_id=made[0].id))
    status = REFUSED if request.method == "POST" else 200
    return render_template("proposals/new.html", form=form), status


def _action_forms(proposal: Proposal) -> dict[str, object]:
    choices = [SelectChoice(u.code, localname(u)) for u in units()]
    assign_form = forms.AssignForm(prefix="assign")
    assign_form.lead.choices = [SelectChoice("", _("Choose a unit")), *choices]
    assign_form.joint.choices = choices
    decision_form = forms.DecisionForm(prefix="decide")
    decision_form.unit.choices = [SelectChoice("", _("No other unit")), *choices]
    return {"assign_form": assign_form, "decision_form": decision_form,
            "change_form": forms.ChangeRequestForm(prefix="change"),
            "opinion_form": forms.OpinionForm(prefix="opinion"),
            "communication_form": forms.CommunicationForm(prefix="talk"),
            "reply_form": forms.ReplyForm(prefix="reply"),
            "feedback_form": forms.FeedbackForm(prefix="feedback"),
            "publish_form": forms.PublishForm(prefix="publish")}


@bp.get("/<int:proposal_id>")
@roles_required(*STAFF, *scope.READ_ONLY_EVERYWHERE)  # the evaluator reads, read-only
def show(proposal_id: int):
    return _page(visible(proposal_id))


def _page(proposal: Proposal, status: int = 200):
    mine = next((a for a in proposal.case.assignments
                 if a.active and a.unit_id == current_user.unit_id), None)
    return render_template("proposals/show.html", proposal=proposal, case=proposal.case,
                           mine=mine, **_action_forms(proposal)), status


def _run(action: Callable[[], object]) -> bool:
    """Run one operation and commit; flash the refusal with its reason."""
    try:
        action()
        db.session.commit()
        return True
    except InvalidRequest as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=exc.field + ": " + str(exc.message)), "error")
    except CaseError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Not done: someone changed this case at the same moment. "
                "Look at it again and retry."), "error")
    return False


def _unit(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))
    if unit is None:
        raise InvalidRequest("unit", f"no unit {code}")
    return unit


def _act(proposal_id: int, form_name: str, action, success: str):
    proposal = visible(proposal_id)
    form = _action_forms(proposal)[form_name]
    if not form.validate_on_submit():
        for field in form:
            for error in field.errors:
                flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "error")
        return _page(proposal, REFUSED)
    if _run(lambda: action(proposal, form)):
        flash(success, "success")
        return redirect(url_for(".show", proposal_id=proposal.id))
    return _page(db.session.get(Proposal, proposal_id), REFUSED)


@bp.post("/<int:proposal_id>/assign")
@roles_required(*OFFICE)
def assign(proposal_id: int):
    return _act(proposal_id, "assign_form", lambda p, f: handling.assign(
        p, current_user, _unit(f.lead.data), [_unit(c) for c in f.joint.data or []]),
        _("Assigned."))


@bp.post("/<int:proposal_id>/change")
@roles_required(*STAFF)
def request_change(proposal_id: int):
    return _act(proposal_id, "change_form", lambda p, f: handling.request_change(
        p, current_user, f.reason.data), _("Your request went to the office."))


@bp.post("/<int:proposal_id>/changes/<int:request_id>")
@roles_required(*OFFICE)
def decide_change(proposal_id: int, request_id: int):
    change = db.session.get(ChangeRequest, request_id)
    if change is None or change.proposal_id != proposal_id:
        abort(404)
    return _act(proposal_id, "decision_form", lambda p, f: handling.decide_change(
        change, current_user, f.decision.data == "accept", _unit(f.unit.data), f.note.data or ""),
        _("Decided."))


@bp.post("/<int:proposal_id>/opinion")
@roles_required(*STAFF)
def opinion(proposal_id: int):
    return _act(proposal_id, "opinion_form", lambda p, f: handling.send_opinion(
        p, current_user, f.opinion.data), _("Your opinion went to the lead unit."))


@bp.post("/<int:proposal_id>/communication")
@roles_required(*STAFF)
def communication(proposal_id: int):
    return _act(proposal_id, "communication_form", lambda p, f: handling.record_communication(
        p, current_user, f.mode.data, f.note.data), _("Communication recorded."))


@bp.post("/<int:proposal_id>/reply")
@roles_required(*STAFF)
def reply(proposal_id: int):
    return _act(proposal_id, "reply_form", lambda p, f: handling.reply(
        p, current_user, f.reply.data, f.grade.data, f.publish.data), _("Reply sent."))


@bp.post("/<int:proposal_id>/feedback")
@roles_required(*OFFICE)
def feedback(proposal_id: int):
    return _act(proposal_id, "feedback_form", lambda p, f: handling.give_feedback(
        p, current_user, f.feedback.data), _("Feedback recorded."))


@bp.post("/<int:proposal_id>/replies/<int:round_>/publish")
@roles_required(*OFFICE)
def publish(proposal_id: int, round_: int):
    def action(p: Proposal, f) -> None:
        answer = next((r for r in p.replies if r.round == round_), None)
        if answer is None:
            raise InvalidRequest("round", "no such reply")
        handling.set_published(answer, current_user, f.published.data)

    return _act(proposal_id, "publish_form", action, _("Saved."))


from app.proposals import measures  # noqa: E402, F401  (the rows behind the figures)
