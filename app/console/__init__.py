"""The hotline operator console (话务台): live calls on 95100 and 12319, the
caller's earlier cases, and logging the call — as a new case, as an answer
given on the spot, or as a note on an earlier case.

The page polls `calls.json` every two seconds (safe behind gunicorn's sync
workers, unlike a held-open event stream); the JSON endpoints are in
`app.console.api`. Forms post normally and come back to the console, so
everything also works without JavaScript.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from app import rejecting
from app.auth import roles_required
from app.console import lookups
from app.console.forms import CallForm, NoteForm
from cases import intake, operations
from cases.duplicates import possible_duplicates
from cases.errors import CaseError, InvalidRequest
from cases.models import Case, Category
from cases.models.users import Role
from cases.rejection import REJECTABLE, rejection
from channels.intake import Intake, accept
from channels.phone.models import Call
from core.clock import now
from core.db import db
from core.i18n import localname

bp = Blueprint("console", __name__, url_prefix="/console")

CONSOLE_ROLES = (Role.OPERATOR, Role.ADMIN)
LOGGED, DIRECT_ANSWER = "logged", "direct_answer"


def _categories() -> list[Category]:
    return list(db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    ))


def _set_choices(form: CallForm) -> None:
    form.category.choices = [("", _("Choose a category"))] + [
        (c.code, localname(c)) for c in _categories()
    ]


def _call(call_id: str | int | None) -> Call | None:
    if not call_id or not str(call_id).isdigit():
        return None
    return db.session.get(Call, int(call_id))


def _case(tracking_number: str | None) -> Case | None:
    if not tracking_number or not re.fullmatch(r"\d{10}", tracking_number.strip()):
        return None
    return db.session.scalar(
        select(Case).where(Case.tracking_number == tracking_number.strip())
    )


def _page(call_form: CallForm, note_form: NoteForm, *, call: Call | None = None,
          duplicates=None, status: int = 200):
    phone = lookups.e164(call_form.phone.data) or (lookups.e164(call.from_number) if call else None)
    return render_template(
        "console/index.html",
        form=call_form,
        note_form=note_form,
        call=call,
        history=lookups.history(phone) if phone else None,
        duplicates=duplicates,
        saved=_case(request.args.get("saved")),
        noted=_case(request.args.get("noted")),
    ), status


@bp.get("")
@roles_required(*CONSOLE_ROLES)
def index():
    """The console; `?call=<id>` opens that call's screen pop (no JavaScript)."""
    call = _call(request.args.get("call"))
    form = CallForm(formdata=None)
    _set_choices(form)
    if call is not None:
        form.call_id.data = str(call.id)
        form.phone.data = call.from_number if lookups.e164(call.from_number) else ""
    note_form = NoteForm(formdata=None, call_id=form.call_id.data)
    return _page(form, note_form, call=call)[0]


def _claim(call: Call | None, case: Case, outcome: str | None) -> bool:
    """Record on the call what the operator made of it. A call logs once: a
    second operator (or a second click) on the same call is refused."""
    if call is None:
        return True
    values = {"operator_id": current_user.id, "updated_at": now()}
    query = update(Call).where(Call.id == call.id)
    if outcome is None:  # a note: the call keeps its outcome and any case it has
        values["case_id"] = sa.func.coalesce(Call.case_id, case.id)
    else:
        values |= {"case_id": case.id, "outcome": outcome}
        query = query.where(Call.case_id.is_(None))
    return db.session.execute(query.values(**values)).rowcount == 1


def _field_error(form: CallForm, exc: InvalidRequest) -> None:
    messages = {
        "phone": (form.phone, _("This is not a valid phone number.")),
        "category": (form.category, _("Choose the category of the call.")),
        "address": (form.address, _("Give the address of the problem.")),
        "description": (form.description, _("Write down what the caller reports.")),
        "answer": (form.answer, _("Write down the answer given to the caller.")),
    }
    field, message = messages.get(exc.field, (form.description, exc.message))
    field.errors = [*field.errors, message]


@bp.post("/calls")
@roles_required(*CONSOLE_ROLES)
def log_call():
    """Log the call as a case (action=log) or answer it on the spot (action=answer)."""
    form = CallForm()
    _set_choices(form)
    answering = request.form.get("action") == "answer"
    call = _call(form.call_id.data)
    note_form = NoteForm(formdata=None, call_id=form.call_id.data)
    valid = form.validate()
    if form.call_id.data and call is None:
        form.description.errors = [*form.description.errors,
                                   _("This call is not on the board any more.")]
        valid = False
    if answering and not (form.answer.data or "").strip():
        form.answer.errors = [*form.answer.errors, _("Write down the answer given to the caller.")]
        valid = False
    if not answering and not (form.address.data or "").strip():
        form.address.errors = [*form.address.errors, _("Give the address of the problem.")]
        valid = False
    if not valid:
        return _page(form, note_form, call=call, status=422)
    phone = lookups.e164(form.phone.data)
    category = db.session.scalar(select(Category).where(Category.code == form.category.data))
    if not answering and not form.ignore_duplicates.data:
        duplicates = possible_duplicates(
            phone=phone, address_text=form.address.data, category=category
        )
        if duplicates:
            note_form.text.data = form.description.data
            return _page(form, note_form, call=call, duplicates=duplicates)
    try:
        if answering:
            case = intake.answer_at_intake(
                actor=current_user,
                channel=lookups.channel_of(call),
                category=category,
                description=form.description.data.strip(),
                answer=form.answer.data,
                address_text=(form.address.data or "").strip() or None,
                phone=phone,
                name=(form.name.data or "").strip() or None,
            )
        else:
            case = accept(
                Intake(
                    channel=lookups.channel_of(call),
                    category_code=form.category.data,
                    description=form.description.data,
                    address_text=form.address.data,
                    phone=phone,
                    name=form.name.data,
                ),
                current_user,
            )
        if not _claim(call, case, DIRECT_ANSWER if answering else LOGGED):
            db.session.rollback()
            db.session.refresh(call)
            form.description.errors = [*form.description.errors, _(
                "This call has already been logged as case %(number)s.",
                number=call.case.tracking_number if call.case else "",
            )]
            return _page(form, note_form, call=call, status=409)
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        _field_error(form, exc)
        return _page(form, note_form, call=call, status=422)
    except (OperationalError, StaleDataError):
        db.session.rollback()
        flash(_("The call was not saved: the database did not answer. Please send it again."),
              "error")
        return _page(form, note_form, call=call, status=503)
    if answering:
        flash(_("Answered on the spot and saved as case %(number)s.",
                number=case.tracking_number), "success")
    else:
        flash(_("Saved as case %(number)s.", number=case.tracking_number), "success")
    return redirect(url_for("console.index", saved=case.tracking_number))


@bp.post("/notes")
@roles_required(*CONSOLE_ROLES)
def add_note():
    """Add the call to an earlier case, as the citizen's message on it."""
    note_form = NoteForm()
    call = _call(note_form.call_id.data)
    form = CallForm(formdata=None)
    _set_choices(form)
    form.call_id.data = note_form.call_id.data
    if call is not None:
        form.phone.data = call.from_number if lookups.e164(call.from_number) else ""
    if not note_form.validate():
        return _page(form, note_form, call=call, status=422)
    case = _case(note_form.tracking_number.data)
    if case is None:
        note_form.tracking_number.errors = [_("No case has this tracking number.")]
        return _page(form, note_form, call=call, status=422)
    try:
        operations.add_citizen_message(case, current_user, note_form.text.data)
        _claim(call, case, None)
        db.session.commit()
    except CaseError as exc:
        db.session.rollback()
        note_form.text.errors = [str(exc)]
        return _page(form, note_form, call=call, status=422)
    except OperationalError:
        db.session.rollback()
        flash(_("The call was not saved: the database did not answer. Please send it again."),
              "error")
        return _page(form, note_form, call=call, status=503)
    flash(_("Added to case %(number)s.", number=case.tracking_number), "success")
    return redirect(url_for("console.index", noted=case.tracking_number))


@bp.get("/cases/<tracking_number>")
@roles_required(*CONSOLE_ROLES)
def case_detail(tracking_number: str):
    """A case as the operator reads it to a caller: facts and timeline, and
    the form to reject it (不予受理) while no unit has signed for it."""
    case = _case(tracking_number)
    if case is None:
        abort(404)
    return _case_page(case)


def _case_page(case: Case, form: rejecting.RejectForm | None = None, status: int = 200):
    reject_form = form  # sent back with its error, whatever the state
    if reject_form is None and case.status in REJECTABLE:
        reject_form = rejecting.new_form()
    return render_template("console/case.html", case=case, reject_form=reject_form,
                           rejection=rejection(case)), status


@bp.post("/cases/<tracking_number>/reject")
@roles_required(*CONSOLE_ROLES)
def reject_case(tracking_number: str):
    """不予受理 with the caller on the line: the same operation and form as the
    workbench's; an error shows the form again with what was typed."""
    case = _case(tracking_number)
    if case is None:
        abort(404)
    form = rejecting.posted_form()
    if not form.validate_on_submit():
        return _case_page(case, form, 422)
    if not rejecting.submit(case, form):
        return _case_page(case, form, 409)
    flash(rejecting.done_message(case), "success")
    return redirect(url_for("console.case_detail", tracking_number=tracking_number))


from app.console import api  # noqa: E402,F401  (routes on the same blueprint)
