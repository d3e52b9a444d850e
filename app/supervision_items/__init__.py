"""The supervision items' pages (督办件): the desk by traffic light and the
registration form for the supervision office (the supervisor role), and each
item's page, where the lead unit reports progress, marks milestones done with
evidence and reports completion, and the office verifies (销号) or sends it
back. Every action runs one operation; the page flashes the outcome."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from app.auth import roles_required
from app.auth.scope import may_read, may_use_cases, reads_every_matter
from app.supervision_items import forms
from app.workbench import REFUSED, perform
from cases import supervision_items as items
from cases.errors import CaseError, InvalidRequest
from cases.events import IncomingFile
from cases.models import Case, OrgUnit
from cases.models.supervision_item import (
    INVESTMENT_MILESTONES,
    LIGHT_LABELS,
    SOURCE_LABELS,
    Light,
    Milestone,
    SupervisionItem,
)
from cases.states import CaseStatus
from core.clock import now
from core.db import db
from core.i18n import localname
from escalation.limits import current_calendar
from escalation.supervision_items import dispatch_item, report_dues, status

bp = Blueprint("supervision_items", __name__, url_prefix="/supervision/items")

OFFICE = tuple(items.OFFICE_ROLES)
PAGE_SIZE = 25
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@dataclass
class Page:
    """A page of a list computed in Python, shaped like db.paginate() for _pager.html."""

    rows: list
    page: int
    total: int = field(init=False)

    def __post_init__(self) -> None:
        self.total = len(self.rows)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    @property
    def items(self) -> list:
        start = (self.page - 1) * PAGE_SIZE
        return self.rows[start:start + PAGE_SIZE]

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


def unit_choices() -> list[SelectChoice]:
    units = db.session.scalars(select(OrgUnit).where(OrgUnit.active).order_by(OrgUnit.code))
    return [SelectChoice("", _("Choose the lead unit"))] + [
        SelectChoice(u.code, localname(u)) for u in units]


@bp.get("")
@roles_required(*OFFICE)
def desk():
    """Open items by light, red first; `?light=` keeps one colour."""
    wanted = request.args.get("light") or None
    if wanted is not None and wanted not in Light.__members__.values():
        wanted = None
        flash(_("Unknown light: showing every item."), "error")
    calendar, at = current_calendar(), now()
    open_items = db.session.scalars(
        select(SupervisionItem).join(Case, Case.id == SupervisionItem.case_id)
        .where(Case.status != CaseStatus.CLOSED).order_by(SupervisionItem.deadline)
    ).all()
    rows = [(item, status(item, at, calendar)) for item in open_items]
    counts = {light: sum(s.light is light for _i, s in rows) for light in Light}
    order = {Light.RED: 0, Light.YELLOW: 1, Light.GREEN: 2}
    rows.sort(key=lambda row: order[row[1].light])
    shown = [row for row in rows if wanted is None or row[1].light.value == wanted]
    page = Page(shown, max(1, request.args.get("page", 1, type=int)))
    return render_template("supervision_items/desk.html", page=page, counts=counts,
                           wanted=wanted, LIGHT_LABELS=LIGHT_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*OFFICE)
def register():
    form = forms.RegisterForm()
    form.unit.choices = unit_choices()
    if request.method == "GET" and not form.milestones.data:
        form.milestones.data = ""
    if not form.validate_on_submit():
        status_code = REFUSED if request.method == "POST" else 200
        return render_template("supervision_items/new.html", form=form,
                               typical=INVESTMENT_MILESTONES), status_code
    milestones, error = forms.parse_milestones(form.milestones.data)
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.unit.data))
    try:
        if error:
            raise InvalidRequest("milestones", error)
        item = items.register_item(
            {"title": form.title.data, "description": form.description.data,
             "source": form.source.data, "deadline": form.deadline.data.isoformat()},
            milestones, current_user,
            report_every_months=form.report_every_months.data,
            report_by_working_day=form.report_by_working_day.data)
        dispatch_item(item.case, current_user, unit, _("Supervision item"))
        db.session.commit()
    except CaseError as exc:
        db.session.rollback()
        message = exc.message if isinstance(exc, InvalidRequest) else str(exc)
        target = getattr(form, getattr(exc, "field", ""), None) or form.milestones
        target.errors = [*target.errors, message]
        return render_template("supervision_items/new.html", form=form,
                               typical=INVESTMENT_MILESTONES), REFUSED
    flash(_("Supervision item %(number)s registered and assigned to %(unit)s.",
            number=item.case.tracking_number, unit=localname(unit)), "success")
    return redirect(url_for("supervision_items.detail", case_id=item.case_id))


def readable_item(case_id: int, acting: bool = True) -> SupervisionItem:
    """The item, for the office or whoever may read its case (a unit assigned
    to it, its head; to read, not `acting`, the evaluator too); 403 for anyone else."""
    office = current_user.role in OFFICE or (not acting and reads_every_matter(current_user))
    if not office and not may_use_cases(current_user):  # the role, before the row
        abort(403)
    item = db.session.get(SupervisionItem, case_id)
    if item is None:
        abort(404)
    if not office and not may_read(current_user, item.case):
        abort(403)
    return item


def _is_lead(item: SupervisionItem) -> bool:
    lead = item.case.lead_assignment
    return lead is not None and lead.unit_id == current_user.unit_id


def render_item(item: SupervisionItem, status_code: int = 200, **posted: FlaskForm):
    calendar, at = current_calendar(), now()
    blank = {
        "progress_form": forms.ProgressForm(formdata=None),
        "done_form": forms.MilestoneDoneForm(formdata=None),
        "completion_form": forms.CompletionForm(formdata=None),
        "verify_form": forms.VerifyForm(formdata=None),
        "send_back_form": forms.SendBackForm(formdata=None),
        "milestone_form": forms.MilestoneForm(formdata=None),
    }
    dues = report_dues(item, at, calendar)
    return render_template(
        "supervision_items/item.html", item=item, case=item.case,
        now_status=status(item, at, calendar), LIGHT_LABELS=LIGHT_LABELS,
        SOURCE_LABELS=SOURCE_LABELS, is_lead=_is_lead(item),
        is_office=current_user.role in OFFICE, last_due=dues[-1] if dues else None,
        today=at.date(), **(blank | posted),
    ), status_code


@bp.get("/<int:case_id>")
@login_required
def detail(case_id: int):
    return render_item(readable_item(case_id, acting=False))


def act(case_id: int, form_name: str, form: FlaskForm,
        action: Callable[[SupervisionItem, FlaskForm], object], success: str):
    """Validate the posted form, run the operation, back to the item page."""
    item = readable_item(case_id)
    if not form.validate_on_submit():
        flash(_("Not done: check the form."), "error")
        return render_item(item, REFUSED, **{form_name: form})
    if not perform(item.case, lambda _case: action(item, form), success):
        return render_item(item, REFUSED, **{form_name: form})
    return redirect(url_for("supervision_items.detail", case_id=case_id))


@bp.post("/<int:case_id>/progress")
@login_required
def progress(case_id: int):
    return act(case_id, "progress_form", forms.ProgressForm(),
               lambda item, f: items.report_progress(item.case, current_user, f.text.data),
               _("Progress reported."))


def _evidence(form: forms.MilestoneDoneForm) -> list[IncomingFile]:
    files = []
    for upload in form.evidence.data or []:
        if not getattr(upload, "filename", ""):
            continue
        data = upload.read(MAX_EVIDENCE_BYTES + 1)
        if len(data) > MAX_EVIDENCE_BYTES:
            raise InvalidRequest("evidence", _("a file is larger than 10 MB"))
        files.append(IncomingFile(upload.filename[:255],
                                  upload.mimetype or "application/octet-stream", data))
    return files


@bp.post("/<int:case_id>/milestones/<int:milestone_id>/done")
@login_required
def milestone_done(case_id: int, milestone_id: int):
    readable_item(case_id)  # the role and the scope before the milestone
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.case_id != case_id:
        abort(404)
    return act(case_id, "done_form", forms.MilestoneDoneForm(),
               lambda item, f: items.complete_milestone(
                   item.case, milestone, current_user, f.note.data, _evidence(f)),
               _("Milestone %(name)s marked done.", name=milestone.name))


@bp.post("/<int:case_id>/milestones")
@roles_required(*OFFICE)
def add_milestone(case_id: int):
    return act(case_id, "milestone_form", forms.MilestoneForm(),
               lambda item, f: items.add_milestone(item, f.name.data, f.due_on.data,
                                                   current_user),
               _("Milestone added."))


@bp.post("/<int:case_id>/complete")
@login_required
def complete(case_id: int):
    return act(case_id, "completion_form", forms.CompletionForm(),
               lambda item, f: items.report_completion(item.case, current_user, f.text.data),
               _("Completion reported: the supervision office will verify it."))


@bp.post("/<int:case_id>/verify")
@roles_required(*OFFICE)
def verify(case_id: int):
    return act(case_id, "verify_form", forms.VerifyForm(),
               lambda item, f: items.verify(item.case, current_user, f.note.data),
               _("Verified and closed."))


@bp.post("/<int:case_id>/send-back")
@roles_required(*OFFICE)
def send_back(case_id: int):
    return act(case_id, "send_back_form", forms.SendBackForm(),
               lambda item, f: items.send_back(item.case, current_user, f.reason.data),
               _("Sent back to the lead unit."))
