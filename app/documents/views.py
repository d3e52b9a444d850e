"""The routes of the documents' pages."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from app.documents import bp, document_or_404, may_read, require, sees_all, visible
from app.documents.forms import (
    URGENCY_LABELS,
    CirculateForm,
    CloseForm,
    ConfirmForm,
    DecideForm,
    DistributeForm,
    ProposeForm,
    RegisterForm,
    RemindForm,
)
from cases import documents
from cases.errors import CaseError, InvalidRequest
from cases.events import IncomingFile
from cases.models import Case, OrgUnit, UnitKind, User
from cases.states import CaseStatus
from core.db import db
from core.i18n import localname

PAGE_SIZE = 25
REFUSED = 422
MAX_SCAN = 10 * 1024 * 1024


@bp.get("/")
def index():
    status = request.args.get("status") or ""
    query = visible(select(Case)).order_by(Case.created_at.desc(), Case.id.desc())
    if status in {s.value for s in CaseStatus}:
        query = query.where(Case.status == CaseStatus(status))
    page = db.paginate(query, per_page=PAGE_SIZE, error_out=False)
    return render_template("documents/index.html", page=page, status=status,
                           urgencies=URGENCY_LABELS, may_register=current_user.district_wide)


def _scan(form: RegisterForm) -> list[IncomingFile]:
    data = form.scan.data
    if not data or not data.filename:
        return []
    content = data.read()
    if len(content) > MAX_SCAN:
        raise InvalidRequest("scan", _("is larger than 10 MB"))
    return [IncomingFile(data.filename, data.mimetype or "application/octet-stream", content)]


def _field_error(form: FlaskForm, exc: InvalidRequest) -> None:
    field = getattr(form, exc.field, None)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, str(exc.message)]
    else:
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")


@bp.route("/new", methods=["GET", "POST"])
def register():
    require(current_user.district_wide)
    form = RegisterForm()
    if not form.validate_on_submit():
        status = REFUSED if request.method == "POST" else 200
        return render_template("documents/new.html", form=form), status
    if form.security_level.data:
        form.security_level.errors = [_(
            "Only non-classified documents are registered here: a classified "
            "document goes through the confidential documents office.")]
        return render_template("documents/new.html", form=form), REFUSED
    fields = {"title": form.title.data, "document_number": form.document_number.data,
              "issuing_body": form.issuing_body.data,
              "received_on": form.received_on.data.isoformat(),
              "urgency": form.urgency.data, "description": form.description.data or "",
              "copies": form.copies.data}
    try:
        case = documents.register_document({k: v for k, v in fields.items() if v is not None},
                                           current_user, _scan(form))
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        _field_error(form, exc)
        return render_template("documents/new.html", form=form), REFUSED
    flash(_("Document %(number)s registered.", number=case.tracking_number), "success")
    return redirect(url_for("documents.detail", number=case.tracking_number))


def _units() -> list[SelectChoice]:
    units = db.session.scalars(select(OrgUnit).where(
        OrgUnit.active.is_(True),
        OrgUnit.kind.in_([UnitKind.DEPARTMENT, UnitKind.STREET, UnitKind.COMMUNITY]),
    ).order_by(OrgUnit.kind, OrgUnit.code)).all()
    return [SelectChoice(u.code, localname(u)) for u in units]


def _staff() -> list[SelectChoice]:
    users = db.session.scalars(select(User).where(User.active.is_(True))
                               .order_by(User.username)).all()
    return [SelectChoice(u.username, u.display_name) for u in users]


def forms(**posted: FlaskForm) -> dict[str, FlaskForm]:
    """The step forms, blank or as posted."""
    distribute = posted.get("distribute") or DistributeForm(formdata=None)
    distribute.lead.choices = [SelectChoice("", "—"), *_units()]
    distribute.assisting.choices = _units()
    circulate = posted.get("circulate") or CirculateForm(formdata=None)
    circulate.readers.choices = _staff()
    blank = {"propose": ProposeForm, "decide": DecideForm, "remind": RemindForm,
             "close": CloseForm, "confirm": ConfirmForm}
    made = {name: posted.get(name) or cls(formdata=None) for name, cls in blank.items()}
    return {**made, "distribute": distribute, "circulate": circulate}


@bp.get("/<number>")
def detail(number: str):
    return render_detail(document_or_404(number))


def render_detail(case: Case, status: int = 200, **posted: FlaskForm):
    return render_template(
        "documents/detail.html", case=case, row=documents.handling(case),
        readers=documents.readers_of(case), mine=documents.reader_row(case, current_user),
        office=current_user.district_wide, leader=documents.is_leader(current_user),
        urgencies=URGENCY_LABELS, forms=forms(**posted),
    ), status


def step(number: str, allowed: Callable[[], bool], name: str, form: FlaskForm,
         action: Callable[[Case, FlaskForm], object], success: str):
    """One step: the role first, then the form, then the operation; the page
    again with the form as typed when it is refused."""
    require(allowed())  # the role before the row, so a refusal never depends on it
    case = document_or_404(number)
    if name == "distribute":
        form.lead.choices = [SelectChoice("", "—"), *_units()]
        form.assisting.choices = _units()
    if name == "circulate":
        form.readers.choices = _staff()
    if not form.validate_on_submit():
        return render_detail(case, REFUSED, **{name: form})
    try:
        action(case, form)
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        _field_error(form, exc)
        return render_detail(case, REFUSED, **{name: form})
    except CaseError as exc:
        db.session.rollback()
        flash(_("Not done: %(reason)s", reason=str(exc)), "error")
        return render_detail(case, REFUSED, **{name: form})
    flash(success, "success")
    return redirect(url_for("documents.detail", number=number))


def _office() -> bool:
    return current_user.district_wide


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _users(names: list[str]) -> list[User]:
    return list(db.session.scalars(select(User).where(User.username.in_(names))))


@bp.post("/<number>/propose")
def propose(number: str):
    return step(number, _office, "propose", ProposeForm(),
                lambda c, f: documents.propose(c, current_user, f.proposal.data),
                _("Proposed handling recorded; the document waits for a leader's decision."))


@bp.post("/<number>/decide")
def decide(number: str):
    return step(number, lambda: documents.is_leader(current_user), "decide", DecideForm(),
                lambda c, f: documents.decide(c, current_user, f.instruction.data),
                _("Decided; the office distributes the document."))


@bp.post("/<number>/distribute")
def distribute(number: str):
    return step(number, _office, "distribute", DistributeForm(),
                lambda c, f: documents.distribute(
                    c, current_user, _unit(f.lead.data),
                    [_unit(code) for code in f.assisting.data or []], f.note.data or ""),
                _("Distributed to the units."))


@bp.post("/<number>/remind")
def remind(number: str):
    return step(number, _office, "remind", RemindForm(),
                lambda c, f: documents.remind(c, current_user, f.note.data or ""),
                _("Reminder sent to the lead unit."))


@bp.post("/<number>/close")
def close(number: str):
    return step(number, _office, "close", CloseForm(),
                lambda c, f: documents.close_document(c, current_user, f.result.data),
                _("Document closed."))


@bp.post("/<number>/circulate")
def circulate(number: str):
    return step(number, _office, "circulate", CirculateForm(),
                lambda c, f: documents.circulate(c, current_user, _users(f.readers.data)),
                _("Readers named."))


@bp.post("/<number>/read")
def confirm_read(number: str):
    return step(number, lambda: True, "confirm", ConfirmForm(),
                lambda c, f: documents.confirm_read(c, current_user),
                _("Thank you: your reading is recorded."))


__all__ = ["may_read", "sees_all"]
