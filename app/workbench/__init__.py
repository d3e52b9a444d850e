"""The staff workbench: a unit's cases, the case page and its actions, and
the dispatcher queue for cases no rule could route."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.auth import roles_required, scope
from app.kind_pages import own_page
from app.register import links as register_links
from app.workbench import listing
from app.workbench.forms import DispatchForm, ResolveForm, UpdateForm, unit_forms
from cases import access, kinds, operations
from cases.errors import CaseError, InvalidRequest
from cases.kind_registry import OwnStep, deadline_kinds, kind_label
from cases.models import Assignment, Attachment, Case, OrgUnit
from cases.models.users import UNIT_ROLES, Role
from cases.next_step import next_step
from cases.states import CaseStatus
from core.db import db
from core.i18n import localname
from escalation.countdown import Clockface

bp = Blueprint("workbench", __name__)

PAGE_SIZE = 25
# The answer to a refused form: the page again, with what was typed.
REFUSED = 422


@bp.get("/workbench")
@login_required
def index():
    if current_user.role is Role.DISPATCHER:
        return redirect(url_for("workbench.dispatch_queue"))
    if current_user.role is Role.OPERATOR:  # the hotline operator works at the console
        return redirect(url_for("console.index"))
    if current_user.role is Role.EVALUATOR:  # the evaluation office reads figures
        return redirect(url_for("evaluation.index"))
    if current_user.role is Role.GRID_STAFF:  # grid staff keep the register, work no cases
        return redirect(url_for("register.home"))
    if not scope.may_use_cases(current_user):
        abort(403)
    tab, form, filters = listing.read_filters(request.args, current_user)
    page = db.paginate(listing.rows_query(current_user, filters, tab), per_page=PAGE_SIZE,
                       error_out=False)
    clockface = Clockface()
    return render_template(
        "workbench/index.html",
        page=page,
        rows=[(a, clockface.next(a)) for a in page.items],
        tab=tab,
        form=form,
        filters=filters,
        counts=listing.tab_counts(current_user, filters),
    )


def _case_or_404(tracking_number: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
    if case is None:
        abort(404)
    return case


def readable_case(tracking_number: str) -> Case:
    """The case, or 404; 403 when it is outside the signed-in user's scope.
    Actions call it before reading their form, so a refusal never depends on
    what was posted."""
    case = _case_or_404(tracking_number)
    if not scope.may_read(current_user, case):
        abort(403)
    return case


@bp.get("/cases/<tracking_number>")
@login_required
def case_detail(tracking_number: str):
    return render_case(readable_case(tracking_number))


def render_case(case: Case, status: int = 200, **posted: FlaskForm | str):
    """The case page. A form in `posted` (by its name on the page: update_form,
    contact, comment_form, ...) takes the place of the blank one, so a refused
    action shows what was typed, with the field's errors, instead of losing it."""
    try:
        mine = access.unit_assignment(case, current_user)
    except CaseError:
        mine = None
    dispatch_form = (
        dispatch_form_for() if case.status is CaseStatus.UNROUTED and current_user.district_wide
        else None
    )
    collaboration = collab.page_context(case, mine)
    if dispatch_form is not None and collaboration["suggestions"]:
        dispatch_form.unit.data = collaboration["suggestions"][0].unit.code  # the best guess
    context = {
        "case": case,
        "mine": mine,
        "update_form": UpdateForm(formdata=None),
        "resolve_form": resolve_form_for(case, posted=False),
        "forms": unit_forms(),
        "dispatch_form": dispatch_form,
        "supervision": case_panel(case, posted.get("reverse_form")),
        # What the matter's kind has: its deadlines, its own steps and page.
        "matter_kind": kinds.get(case.kind or kinds.PETITION),
        "deadline_kinds": deadline_kinds(case),
        "own_page": own_page(case),
        "refer_reason": None,  # the referral's reason as posted, when it was refused
        **collaboration,
        **merging.page_context(case),
        **rejecting.page_context(case, posted.get("reject_form")),
        **next_step_context(case, mine),
        **register_links.case_context(case, current_user),
    }
    _put_back(context, posted)
    return render_template("workbench/case.html", **context), status


def _put_back(context: dict, posted: dict) -> None:
    """Each posted form where the page shows its blank twin (not where the
    case has since moved on and the page shows no such form)."""
    panel = context["supervision"]
    for name, form in posted.items():
        if not isinstance(form, FlaskForm):  # a plain field's text (the referral's reason)
            context[name] = form
            continue
        form.posted = True  # the page unfolds the <details> that holds it
        if name in context["forms"]:
            context["forms"][name] = form
        elif panel is not None and getattr(panel, name, None) is not None:
            setattr(panel, name, form)
        elif context.get(name) is not None:
            context[name] = form


def next_step_context(case: Case, mine: Assignment | None) -> dict:
    """The line at the top of the case page: what the signed-in unit must do
    next and its deadlines with countdowns; a district-wide reader sees the
    lead unit's."""
    focus = mine
    if focus is None and current_user.district_wide:
        focus = case.lead_assignment
    if focus is None:
        return {"focus": None}
    clockface = Clockface()
    nearest = clockface.next(focus)
    return {
        "focus": focus,
        "focus_step": next_step(focus),
        "focus_due": nearest,
        "focus_deadlines": clockface.all(focus),
    }


@bp.get("/cases/<tracking_number>/attachments/<int:attachment_id>")
@login_required
def attachment(tracking_number: str, attachment_id: int):
    case = readable_case(tracking_number)
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.case_id != case.id:
        abort(404)
    # Only photos are shown in the page; anything else (a mail's HTML part, a
    # document) is a download, and nothing served here may run or post.
    disposition = "inline" if item.content_type.startswith("image/") else "attachment"
    return item.data, 200, {
        "Content-Type": item.content_type,
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(item.filename)}",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }


def perform(case: Case, action: Callable[[Case], object], success: str) -> bool:
    """Run one operation on the case and commit; flash the outcome or the refusal."""
    try:
        action(case)
        db.session.commit()
    except OwnStep as exc:
        db.session.rollback()
        flash(_("Not done: a %(kind)s does this by its own step (%(step)s), on its own "
                "page: %(page)s", kind=kind_label(case.kind), step=exc.step,
                page=own_page(case)), "error")
    except InvalidRequest as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=exc.message), "error")
    except CaseError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
    except StaleDataError:
        db.session.rollback()
        flash(_("Not done: someone changed this case at the same moment. "
                "Look at it again and retry."), "error")
    else:
        flash(success, "success")
        return True
    return False


def _act(tracking_number: str, action: Callable[[Case], object], success: str,
         **posted: FlaskForm):
    """Run one operation on the case for the signed-in user. Done: back to the
    case page. Refused: the case page again, with the posted forms as typed."""
    case = readable_case(tracking_number)
    if perform(case, action, success) or not posted:
        return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
    return render_case(case, REFUSED, **posted)


def invalid(tracking_number: str, message: str | None = None, **posted: FlaskForm):
    """A form that did not validate: say why, and show the page with what was typed."""
    if message is not None:
        flash(message, "error")
    else:
        for form in posted.values():
            for field in form:
                for error in field.errors:
                    flash(_("%(field)s: %(error)s", field=field.label.text, error=error), "error")
    return render_case(readable_case(tracking_number), REFUSED, **posted)


@bp.post("/cases/<tracking_number>/acknowledge")
@roles_required(*UNIT_ROLES)
def acknowledge(tracking_number: str):
    return _act(
        tracking_number,
        lambda case: operations.acknowledge(case, current_user),
        _("Signed for."),
    )


@bp.post("/cases/<tracking_number>/update")
@roles_required(*UNIT_ROLES)
def update(tracking_number: str):
    readable_case(tracking_number)
    form = UpdateForm()
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Write the update before sending it."),
                       update_form=form)
    return _act(
        tracking_number,
        lambda case: operations.add_update(
            case, current_user, form.text.data, public=form.public.data
        ),
        _("Update added."),
        update_form=form,
    )


def resolve_form_for(case: Case, posted: bool = True) -> ResolveForm:
    """The resolve form, its text named as the matter's kind names it (a
    document's 办理结果, not a reply to a citizen it does not have)."""
    form = ResolveForm() if posted else ResolveForm(formdata=None)
    label = kinds.get(case.kind or kinds.PETITION).reply_label
    if label is not None:
        form.reply.label.text = str(label)
    return form


@bp.post("/cases/<tracking_number>/resolve")
@roles_required(*UNIT_ROLES)
def resolve(tracking_number: str):
    case = readable_case(tracking_number)
    form = resolve_form_for(case)
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Write the %(what)s before resolving.",
                                          what=form.reply.label.text), resolve_form=form)
    done = (_("Resolved. The citizen can now read your reply.") if case.is_citizen_facing
            else _("Resolved: %(what)s sent.", what=form.reply.label.text))
    return _act(
        tracking_number,
        lambda case: operations.resolve(case, current_user, form.reply.data),
        done,
        resolve_form=form,
    )


def dispatch_form_for(posted: bool = False) -> DispatchForm:
    """The dispatch form with every active unit to choose from: blank, or as posted."""
    form = DispatchForm() if posted else DispatchForm(formdata=None)
    units = db.session.scalars(
        select(OrgUnit).where(OrgUnit.active.is_(True)).order_by(OrgUnit.kind, OrgUnit.code)
    )
    form.unit.choices = [("", _("Choose a unit"))] + [
        (u.code, localname(u)) for u in units
    ]
    return form


@bp.post("/cases/<tracking_number>/dispatch")
@roles_required(Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)
def dispatch(tracking_number: str):
    case = readable_case(tracking_number)
    form = dispatch_form_for(posted=True)
    if not form.validate_on_submit():
        return invalid(tracking_number, _("Choose the unit to dispatch to."), dispatch_form=form)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.unit.data))
    done = perform(
        case,
        lambda case: operations.dispatch_case(
            case, current_user, unit, form.reason.data or "dispatched by hand"
        ),
        _("Dispatched to %(unit)s.", unit=localname(unit)),
    )
    if not done:
        return render_case(case, REFUSED, dispatch_form=form)
    # A one-click dispatch from the queue goes back to the queue.
    if request.form.get("back"):
        return redirect(url_for("workbench.dispatch_queue"))
    return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))

# Routes about deadlines and collaboration live beside the others, on the same blueprint.
# Imported last: they and the supervisor's panel import the names above (the
# supervision blueprint answers a refused action with render_case).
from app.supervision.panel import case_panel  # noqa: E402
from app.workbench import collab, merging, rejecting, timing  # noqa: E402,F401
