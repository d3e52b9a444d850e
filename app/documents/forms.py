"""The forms of the incoming documents' pages (办文)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

URGENCY_LABELS = {
    "express": _l("Most urgent (特急, 3 working days)"),
    "urgent": _l("Urgent (加急, 5 working days)"),
    "ordinary": _l("Ordinary (平急, 10 working days)"),
}
# Offered so that the refusal is seen: a classified document is not registered here.
SECURITY_LEVELS = (
    SelectChoice("", _l("Non-classified")),
    SelectChoice("秘密", _l("Secret (秘密)")),
    SelectChoice("机密", _l("Confidential (机密)")),
    SelectChoice("绝密", _l("Top secret (绝密)")),
)


class RegisterForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    document_number = StringField(_l("Document number (文号)"),
                                  validators=[DataRequired(), Length(max=64)])
    issuing_body = StringField(_l("Issuing body"), validators=[DataRequired(), Length(max=200)])
    received_on = DateField(_l("Date received"), validators=[DataRequired()])
    urgency = SelectField(_l("Urgency"), default="ordinary",
                          choices=[SelectChoice(k, v) for k, v in URGENCY_LABELS.items()])
    copies = IntegerField(_l("Copies"), validators=[Optional(), NumberRange(min=1, max=9999)])
    description = TextAreaField(_l("Summary"), validators=[Optional(), Length(max=4000)])
    security_level = SelectField(_l("Security level"), choices=list(SECURITY_LEVELS), default="")
    scan = FileField(_l("Scanned document (PDF or image)"))


class ProposeForm(FlaskForm):
    proposal = TextAreaField(_l("Proposed handling (拟办意见)"),
                             validators=[DataRequired(), Length(max=4000)])


class DecideForm(FlaskForm):
    instruction = TextAreaField(_l("Leader's instruction (批办意见)"),
                                validators=[DataRequired(), Length(max=4000)])


class DistributeForm(FlaskForm):
    lead = SelectField(_l("Lead unit"), validators=[DataRequired()])
    assisting = SelectMultipleField(_l("Assisting units"), validators=[Optional()])
    note = StringField(_l("Note to the units"), validators=[Optional(), Length(max=500)])


class RemindForm(FlaskForm):
    note = StringField(_l("Reminder (催办) to the lead unit"),
                       validators=[Optional(), Length(max=500)])


class CloseForm(FlaskForm):
    result = TextAreaField(_l("Result (办结情况)"), validators=[DataRequired(), Length(max=4000)])


class CirculateForm(FlaskForm):
    readers = SelectMultipleField(_l("Readers"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: a reader confirms having read the document."""
