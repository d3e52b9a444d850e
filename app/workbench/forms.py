"""Forms of the workbench's case actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class UpdateForm(FlaskForm):
    text = TextAreaField(_l("Update"), validators=[DataRequired(), Length(max=4000)])
    public = BooleanField(_l("Visible to the citizen"), default=True)


class ResolveForm(FlaskForm):
    reply = TextAreaField(
        _l("Reply to the citizen"), validators=[DataRequired(), Length(max=4000)]
    )


class DispatchForm(FlaskForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    reason = StringField(
        _l("Note for the unit (optional)"), validators=[Optional(), Length(max=200)]
    )


class ContactForm(FlaskForm):
    note = TextAreaField(_l("How the citizen was reached (internal)"),
                         validators=[Optional(), Length(max=2000)])


class AskInformationForm(FlaskForm):
    question = TextAreaField(_l("What the citizen should supply"),
                             validators=[DataRequired(), Length(max=2000)])


class InformationReceivedForm(FlaskForm):
    text = TextAreaField(_l("What the citizen supplied"),
                         validators=[DataRequired(), Length(max=4000)])


class ExtensionForm(FlaskForm):
    new_due = DateField(_l("New deadline (date)"), validators=[DataRequired()])
    reason = TextAreaField(_l("Why more time is needed"),
                           validators=[DataRequired(), Length(max=2000)])


def unit_forms() -> dict[str, FlaskForm]:
    """The forms of the unit's time actions, for the case page."""
    return {
        "contact": ContactForm(),
        "ask": AskInformationForm(),
        "received": InformationReceivedForm(),
        "extension": ExtensionForm(),
    }
