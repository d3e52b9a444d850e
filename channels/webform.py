"""The web form channel: `/submit`, for citizens, with up to three photos."""

from __future__ import annotations

import io
import re

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from PIL import Image, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from wtforms import EmailField, Field, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from cases.actors import CITIZEN
from cases.citizens import InvalidPhone, normalise_phone
from cases.errors import InvalidRequest
from cases.events import IncomingFile
from cases.models import Category
from channels.encoding import answers_undecodable, undecodable
from channels.intake import MAX_ADDRESS, MAX_DESCRIPTION, Intake, accept
from core.db import db
from core.i18n import localname

bp = Blueprint("webform", __name__)

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}

# One @, no spaces, a dot in the domain: enough to catch a typo, without
# depending on the email_validator package that wtforms' Email() needs.
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def _phone(form: FlaskForm, field: Field) -> None:
    try:
        normalise_phone(field.data, current_app.config["PHONE_REGION"])
    except InvalidPhone as exc:
        raise ValidationError(_("This is not a valid phone number.")) from exc


def _email(form: FlaskForm, field: Field) -> None:
    if field.data and not EMAIL.fullmatch(field.data):
        raise ValidationError(_("This is not a valid email address."))


class SubmitForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    description = TextAreaField(
        _l("What is the problem?"), validators=[DataRequired(), Length(max=MAX_DESCRIPTION)]
    )
    address = StringField(_l("Address"), validators=[DataRequired(), Length(max=MAX_ADDRESS)])
    phone = StringField(
        _l("Phone number"), validators=[DataRequired(), Length(max=32), _phone]
    )
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=100)])
    email = EmailField(
        _l("Email (optional)"), validators=[Optional(), Length(max=254), _email]
    )
    photos = MultipleFileField(_l("Photos (optional, up to 3 images)"))


def _category_choices() -> list[tuple[str, str]]:
    categories = db.session.scalars(
        select(Category).where(Category.active.is_(True)).order_by(Category.sort_order)
    )
    return [("", _("Choose a category"))] + [(c.code, localname(c)) for c in categories]


def _read_photos(form: SubmitForm) -> list[IncomingFile] | None:
    """The uploaded photos, or None after putting the reason on the field.

    The sizes and kinds are checked here because the request limit
    (MAX_CONTENT_LENGTH, 413) only bounds all files together.
    """
    uploads = [f for f in form.photos.data or [] if f and f.filename]
    limit = current_app.config["MAX_PHOTOS"]
    max_bytes = current_app.config["MAX_PHOTO_BYTES"]
    if len(uploads) > limit:
        form.photos.errors.append(_("At most %(n)s photos.", n=limit))
        return None
    photos = []
    for upload in uploads:
        data = upload.read(max_bytes + 1)
        if len(data) > max_bytes:
            form.photos.errors.append(
                _("%(name)s is larger than 10 MB.", name=upload.filename)
            )
            return None
        kind = image_kind(data)
        if kind is None:
            form.photos.errors.append(
                _("%(name)s is not a photo (JPEG, PNG, GIF or WebP).", name=upload.filename)
            )
            return None
        photos.append(IncomingFile(upload.filename[:255], IMAGE_TYPES[kind], data))
    return photos


def image_kind(data: bytes) -> str | None:
    """Trust the bytes, not the file name or the browser's content type."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return image.format if image.format in IMAGE_TYPES else None
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


FIELD_FOR = {"description": "description", "address": "address", "lat": "address",
             "phone": "phone", "category": "category"}


def _undecodable_fields(form: SubmitForm) -> bool:
    """Put a clear error on each field whose bytes were not valid UTF-8 (a
    client other than a browser sent them): the text would not be what the
    citizen wrote. True when there was one."""
    names = [name for name in undecodable(request.form) if name in form._fields]
    for name in names:
        field = form[name]
        field.errors = [*field.errors, _("This text is not valid UTF-8; please type it again.")]
    return bool(names)


@bp.route("/submit", methods=["GET", "POST"])
@answers_undecodable
def submit():
    form = SubmitForm()
    form.category.choices = _category_choices()
    if not form.is_submitted():
        return render_template("public/submit.html", form=form)
    valid = form.validate()
    photos = _read_photos(form)  # checked even when another field is wrong: all errors at once
    if _undecodable_fields(form):
        return render_template("public/submit.html", form=form), 400
    if not valid or photos is None:
        return render_template("public/submit.html", form=form)
    intake = Intake(
        channel="web",
        category_code=form.category.data,
        description=form.description.data,
        address_text=form.address.data,
        phone=form.phone.data,
        name=form.name.data,
        email=form.email.data,
        files=tuple(photos),
    )
    try:
        case = accept(intake, CITIZEN)
        db.session.commit()
    except InvalidRequest as exc:
        db.session.rollback()
        field = getattr(form, FIELD_FOR.get(exc.field, "description"))
        field.errors.append(_field_message(exc))
        return render_template("public/submit.html", form=form)
    except OperationalError:
        # Commit, then answer: the database is away, so nothing is kept and
        # the citizen is told so plainly (DESIGN principle 2).
        db.session.rollback()
        current_app.logger.warning("web form: request not saved", exc_info=True)
        return _not_saved()
    session["submitted"] = case.tracking_number
    return redirect(url_for("webform.submitted"))


def _not_saved() -> tuple[str, int, dict[str, str]]:
    page = render_template(
        "error.html",
        code=503,
        title=_("Your request was not saved"),
        message=_(
            "We could not store your request just now, so nothing was kept. "
            "Please send the form again in a few minutes."
        ),
    )
    return page, 503, {"Retry-After": "120"}


def _field_message(exc: InvalidRequest) -> str:
    messages = {
        "phone": _("This is not a valid phone number."),
        "category": _("Please choose a category from the list."),
        "address": _("Please give the address of the problem."),
        "description": _("Please describe the problem."),
    }
    return messages.get(exc.field, exc.message)


@bp.get("/submit/done")
def submitted():
    number = session.get("submitted")
    if not number:
        return redirect(url_for("webform.submit"))
    return render_template("public/submitted.html", tracking_number=number)
