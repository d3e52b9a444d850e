"""Forms of the workbench's case actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from cases.models.assignment import RETURN_REASON_LABELS


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
    """The forms of the unit's time actions, blank, for the case page (a
    refused one is put back as posted: app.workbench.render_case)."""
    return {
        "contact": ContactForm(formdata=None),
        "ask": AskInformationForm(formdata=None),
        "received": InformationReceivedForm(formdata=None),
        "extension": ExtensionForm(formdata=None),
    }


# -- collaboration: return (退单), assisting units (协办), the dispatcher --------

class ReturnForm(FlaskForm):
    reason = SelectField(_l("Reason for the return"),
                         choices=[SelectChoice(reason.value, label)
                                  for reason, label in RETURN_REASON_LABELS.items()],
                         validators=[DataRequired()])
    note = TextAreaField(_l("Why the case is not ours (for the dispatcher)"),
                         validators=[DataRequired(), Length(max=2000)])


class AssistReplyForm(FlaskForm):
    text = TextAreaField(_l("Reply to the lead unit"),
                         validators=[DataRequired(), Length(max=4000)])


class AssistRequestForm(FlaskForm):
    unit = SelectField(_l("Unit asked to assist"), validators=[DataRequired()])
    note = TextAreaField(_l("What the unit should do"),
                         validators=[DataRequired(), Length(max=2000)])


class AddAssistForm(FlaskForm):
    unit = SelectField(_l("Assisting unit"), validators=[DataRequired()])
    note = StringField(_l("Note for the unit (optional)"),
                       validators=[Optional(), Length(max=500)])


class WaiveForm(FlaskForm):
    reason = TextAreaField(_l("Why the lead may resolve without these replies"),
                           validators=[DataRequired(), Length(max=2000)])
