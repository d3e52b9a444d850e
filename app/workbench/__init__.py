"""The staff workbench: a unit's cases, the case page and its actions, and
the dispatcher queue for cases no rule could route."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from app.auth import roles_required, scope
from app.register import links as register_links
from app.supervision.panel import case_panel
from app.workbench.forms import DispatchForm, ResolveForm, UpdateForm, unit_forms
from cases import access, operations
from cases.errors import CaseError, InvalidRequest
from cases.models import Assignment, AssignmentStatus, Attachment, Case, OrgUnit
from cases.models.users import UNIT_ROLES, Role
from cases.states import CaseStatus
from core.db import db
from core.i18n import localname

bp = Blueprint("workbench", __name__)

PAGE_SIZE = 25


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
    tab = request.args.get("tab", "open")
    # A head's list holds the sub-units' assignments too; the list shows the unit.
    query = scope.assignments_in_scope(select(Assignment).join(Assignment.case), current_user)
    if tab == "resolved":
        query = query.where(Assignment.status == AssignmentStatus.RESOLVED)
        query = query.order_by(Assignment.resolved_at.desc())
    else:
        tab = "open"
        query = query.where(Assignment.status != AssignmentStatus.RESOLVED)
        query = query.order_by(Assignment.assigned_at)  # oldest first: they wait longest
    page = db.paginate(query.where(Assignment.active.is_(True)), per_page=PAGE_SIZE)
    return render_template("workbench/index.html", page=page, tab=tab)


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
    case = readable_case(tracking_number)
    try:
        mine = access.unit_assignment(case, current_user)
    except CaseError:
        mine = None
    dispatch_form = (
        _dispatch_form()
        if case.status is CaseStatus.UNROUTED and current_user.district_wide else None
    )
    collaboration = collab.page_context(case, mine)
    if dispatch_form is not None and collaboration["suggestions"]:
        dispatch_form.unit.data = collaboration["suggestions"][0].unit.code  # the best guess
    return render_template(
        "workbench/case.html",
        case=case,
        mine=mine,
        update_form=UpdateForm(),
        resolve_form=ResolveForm(),
        forms=unit_forms(),
        dispatch_form=dispatch_form,
        supervision=case_panel(case),
        **collaboration,
        **merging.page_context(case),
        **register_links.case_context(case, current_user),
    )


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


def _act(tracking_number: str, action: Callable[[Case], object], success: str):
    """Run one operation on the case for the signed-in user, then go back."""
    case = readable_case(tracking_number)
    perform(case, action, success)
    return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))


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
        flash(_("Write the update before sending it."), "error")
        return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
    return _act(
        tracking_number,
        lambda case: operations.add_update(
            case, current_user, form.text.data, public=form.public.data
        ),
        _("Update added."),
    )


@bp.post("/cases/<tracking_number>/resolve")
@roles_required(*UNIT_ROLES)
def resolve(tracking_number: str):
    readable_case(tracking_number)
    form = ResolveForm()
    if not form.validate_on_submit():
        flash(_("Write the reply to the citizen before resolving."), "error")
        return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
    return _act(
        tracking_number,
        lambda case: operations.resolve(case, current_user, form.reply.data),
        _("Resolved. The citizen can now read your reply."),
    )


def _dispatch_form() -> DispatchForm:
    form = DispatchForm()
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
    readable_case(tracking_number)
    form = _dispatch_form()
    if not form.validate_on_submit():
        flash(_("Choose the unit to dispatch to."), "error")
        return redirect(url_for("workbench.case_detail", tracking_number=tracking_number))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == form.unit.data))
    back = _act(
        tracking_number,
        lambda case: operations.dispatch_case(
            case, current_user, unit, form.reason.data or "dispatched by hand"
        ),
        _("Dispatched to %(unit)s.", unit=localname(unit)),
    )
    # A one-click dispatch from the queue goes back to the queue.
    return redirect(url_for("workbench.dispatch_queue")) if request.form.get("back") else back

# Routes about deadlines and collaboration live beside the others, on the same blueprint.
from app.workbench import collab, merging, timing  # noqa: E402,F401
