"""The grid staff's round and visits, made to be used on a phone: the round
of the day (due, overdue, re-inspections, late registrations), the visit
with its checklist, photos and grade, the re-inspection of a finding the
department resolved, and a visit's photos."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from app.register import (
    actor,
    area_scope_or_403,
    bp,
    get_or_404,
    property_in_scope,
    scope_or_403,
)
from cases.errors import CaseError, InvalidRequest
from cases.events import IncomingFile
from channels.webform import IMAGE_TYPES, image_kind
from core.db import db
from register import findings, inspections
from register.checklist import ANSWERS, ITEMS, SECTIONS
from register.models import GRADE_LABELS, Finding, Grade, VisitPhoto
from register.properties import today


class VisitForm(FlaskForm):
    grade = SelectField(_l("Safety grade after the visit"), choices=[])
    reason = StringField(_l("Reason for a change of grade"),
                         validators=[Optional(), Length(max=300)])
    people_count = IntegerField(_l("People living there"),
                                validators=[Optional(), NumberRange(0, 5000)])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])
    photos = MultipleFileField(_l("Photos (up to 3 images)"))


def _grid_scope_or_403():
    scope = scope_or_403()
    if scope.kind != "grid":
        abort(403)
    return scope


@bp.get("/round")
def round():  # noqa: A001 - the grid staff's round (巡查)
    scope = _grid_scope_or_403()
    day = today()
    return render_template("register/round.html", scope=scope, day=day,
                           work=inspections.round_for(scope.unit_id, day))


def _photos(form: VisitForm) -> list[IncomingFile] | None:
    """The uploaded photos, checked as the web form checks a citizen's."""
    uploads = [f for f in form.photos.data or [] if f and f.filename]
    if len(uploads) > current_app.config["MAX_PHOTOS"]:
        form.photos.errors.append(_("At most %(n)s photos.", n=current_app.config["MAX_PHOTOS"]))
        return None
    photos = []
    for upload in uploads:
        data = upload.read(current_app.config["MAX_PHOTO_BYTES"] + 1)
        kind = image_kind(data) if len(data) <= current_app.config["MAX_PHOTO_BYTES"] else None
        if kind is None:
            form.photos.errors.append(_("%(name)s is not a photo (JPEG, PNG, GIF or WebP) "
                                        "of at most 10 MB.", name=upload.filename))
            return None
        photos.append(IncomingFile(upload.filename[:255], IMAGE_TYPES[kind], data))
    return photos


def _checklist(form: VisitForm) -> inspections.Checklist:
    return inspections.Checklist(
        answers={i.code: request.form.get(f"item_{i.code}", "") for i in ITEMS},
        notes={i.code: request.form.get(f"note_{i.code}", "")[:500] for i in ITEMS},
        grade=Grade(form.grade.data), reason=form.reason.data or "",
        people_count=form.people_count.data, note=form.note.data or "")


@bp.route("/properties/<int:property_id>/visit", methods=["GET", "POST"])
def visit(property_id: int):
    scope = _grid_scope_or_403()
    prop = property_in_scope(scope, property_id)
    form = VisitForm(data=None if request.method == "POST" else {"grade": prop.grade.value})
    form.grade.choices = [SelectChoice(g.value, label) for g, label in GRADE_LABELS.items()]
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        photos = _photos(form)
        if photos is not None:
            try:
                done = inspections.record_visit(actor(), prop, _checklist(form), photos)
            except InvalidRequest as exc:
                db.session.rollback()
                errors[exc.field] = str(exc.message)
            else:
                db.session.commit()
                raised = sum(1 for f in done.findings)
                flash(_("Visit recorded; %(n)s findings sent to the departments as cases.",
                        n=raised), "success")
                return redirect(url_for("register.property_page", property_id=prop.id))
    return render_template("register/visit.html", form=form, prop=prop, scope=scope,
                           items=ITEMS, sections=SECTIONS, answers=ANSWERS, errors=errors,
                           recheck=findings.awaiting_check(prop), posted=request.form)


@bp.post("/findings/<int:finding_id>/check")
def check_finding(finding_id: int):
    """Re-inspection: the department's fix is confirmed (the case closes) or
    sent back for redo, with the reason."""
    scope = _grid_scope_or_403()
    finding = get_or_404(Finding, finding_id)
    property_in_scope(scope, finding.property_id)
    fixed = request.form.get("outcome") == "fixed"
    try:
        findings.check(actor(), finding, fixed=fixed, reason=request.form.get("reason", ""))
    except CaseError as exc:
        db.session.rollback()
        flash(str(getattr(exc, "message", exc)), "error")
    else:
        db.session.commit()
        flash(_("Confirmed: the case is closed.") if fixed
              else _("Sent back to the department for redo."), "success")
    return redirect(request.form.get("next") if request.form.get("next") == url_for(
        "register.round") else url_for("register.property_page", property_id=finding.property_id))


@bp.get("/photos/<int:photo_id>")
def photo(photo_id: int):
    scope = area_scope_or_403()
    photo = get_or_404(VisitPhoto, photo_id)
    property_in_scope(scope, photo.visit.property_id)
    response = current_app.response_class(photo.data, mimetype=photo.content_type)
    response.headers["Content-Disposition"] = "inline"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response
