"""The console's forms: log the call (as a case, or answered on the spot) and
add the call to an earlier case. Every error says in plain words what to fix,
because a caller is waiting on the line."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from cases.citizens import InvalidPhone, normalise_phone
from channels.intake import MAX_ADDRESS, MAX_DESCRIPTION

MAX_ANSWER = 4000


def _phone(form: FlaskForm, field: Field) -> None:
    try:
        normalise_phone(field.data, current_app.config["PHONE_REGION"])
    except InvalidPhone as exc:
        raise ValidationError(_("This is not a valid phone number.")) from exc


def _call_id(form: FlaskForm, field: Field) -> None:
    if field.data and not str(field.data).isdigit():
        raise ValidationError(_("This call is not on the board any more."))


class CallForm(FlaskForm):
    """One form, two buttons: "log as a case" (dispatched) or "answer on the
    spot" (a consultation resolved at intake). The view checks what only one
    of them needs: an address to log, an answer to answer."""

    call_id = HiddenField(validators=[Optional(), _call_id])
    category = SelectField(
        _l("Category"), validators=[DataRequired(_l("Choose the category of the call."))]
    )
    description = TextAreaField(
        _l("What the caller reports"),
        validators=[
            DataRequired(_l("Write down what the caller reports.")),
            Length(max=MAX_DESCRIPTION,
                   message=_l("At most %(max)d characters.")),
        ],
    )
    address = StringField(
        _l("Address"),
        validators=[Optional(), Length(max=MAX_ADDRESS, message=_l("At most %(max)d characters."))],
    )
    phone = StringField(
        _l("Caller's number"), validators=[Optional(), Length(max=32), _phone]
    )
    name = StringField(
        _l("Name (optional)"),
        validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters."))],
    )
    answer = TextAreaField(
        _l("Answer given on the phone (for a consultation)"),
        validators=[Optional(), Length(max=MAX_ANSWER, message=_l("At most %(max)d characters."))],
    )
    # Set by the "save as a new case anyway" button once the operator has
    # seen the possible duplicates.
    ignore_duplicates = BooleanField(default=False)


class NoteForm(FlaskForm):
    """Add the call to an earlier case: the caller's words become a citizen
    message on that case."""

    call_id = HiddenField(validators=[Optional(), _call_id])
    tracking_number = StringField(
        _l("Tracking number"),
        validators=[
            DataRequired(_l("Give the tracking number of the earlier case.")),
            Regexp(r"^\s*\d{10}\s*$", message=_l("A tracking number has ten digits.")),
        ],
    )
    text = TextAreaField(
        _l("What the caller adds"),
        validators=[
            DataRequired(_l("Write down what the caller adds.")),
            Length(max=MAX_DESCRIPTION, message=_l("At most %(max)d characters.")),
        ],
    )
