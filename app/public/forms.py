"""The tracking form and its rate limit, shared by /track and the portal."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from cases.tracking import is_valid, normalise


def _tracking_number(form: FlaskForm, field: Field) -> None:
    # The check digit catches a typo before any lookup; it says nothing about
    # which numbers exist, so telling the citizen leaks nothing.
    if not is_valid(normalise(field.data)):
        raise ValidationError(_("A tracking number has 10 digits. Please check it."))


def _last4(form: FlaskForm, field: Field) -> None:
    if len(normalise(field.data)) != 4:
        raise ValidationError(_("Please type the last 4 digits of your phone number."))


class TrackForm(FlaskForm):
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(), Length(max=40), _tracking_number]
    )
    phone_last4 = StringField(
        _l("Last 4 digits of your phone number"),
        validators=[DataRequired(), Length(max=8), _last4],
    )


def track_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]
