"""Forms of the proposal pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from cases.models.proposal import (
    COMMUNICATION_LABELS,
    FEEDBACK_LABELS,
    GRADE_LABELS,
    PROPOSAL_TYPE_LABELS,
)

# wtforms' Email() needs the email_validator package, which is not installed:
# the shape the kind's field checks, a name, an @ and a domain.
EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter an email address."))


class SignerForm(FlaskForm):
    class Meta:
        csrf = False  # a part of the registration form, which has the token

    name = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    group = StringField(_l("Delegation or sector"), validators=[Optional(), Length(max=100)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("Email"), validators=[Optional(), EMAIL, Length(max=254)])


class SessionForm(FlaskForm):
    name = StringField(_l("Session"), validators=[DataRequired(), Length(max=40)])
    reply_months = IntegerField(_l("Reply within (months)"), default=3,
                                validators=[InputRequired(), NumberRange(min=1, max=12)])


class RegisterForm(FlaskForm):
    session = SelectField(_l("Session"), validators=[DataRequired()])
    number = IntegerField(_l("Number"), validators=[InputRequired(), NumberRange(min=1)])
    proposal_type = SelectField(_l("Kind"), choices=[SelectChoice(k.value, v) for k, v in
                                                     PROPOSAL_TYPE_LABELS.items()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Content"), validators=[DataRequired()])
    proposer_name = StringField(_l("Proposer"), validators=[DataRequired(), Length(max=100)])
    proposer_group = StringField(_l("Delegation or sector"),
                                 validators=[Optional(), Length(max=100)])
    proposer_phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    proposer_email = StringField(_l("Email"), validators=[Optional(), EMAIL, Length(max=254)])
    signers = FieldList(FormField(SignerForm), min_entries=3, max_entries=20)


class AssignForm(FlaskForm):
    lead = SelectField(_l("Lead unit"), validators=[DataRequired()])
    joint = SelectMultipleField(_l("Joint units"), validators=[Optional()])


class ChangeRequestForm(FlaskForm):
    reason = TextAreaField(_l("Why the proposal is not for your unit"),
                           validators=[DataRequired()])


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        SelectChoice("accept", _l("Accept: reassign")),
        SelectChoice("refuse", _l("Refuse: the assignment stays"))],
        validators=[InputRequired()])
    unit = SelectField(_l("New unit"), validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional()])


class OpinionForm(FlaskForm):
    opinion = TextAreaField(_l("Opinion for the lead unit"), validators=[DataRequired()])


class CommunicationForm(FlaskForm):
    mode = RadioField(_l("How"), choices=[
        SelectChoice(k.value, v) for k, v in COMMUNICATION_LABELS.items()],
        validators=[InputRequired()])
    note = TextAreaField(_l("What was discussed"), validators=[DataRequired()])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Reply to the proposer"), validators=[DataRequired()])
    grade = RadioField(_l("Grade"), choices=[
        SelectChoice(k.value, v) for k, v in GRADE_LABELS.items()],
        validators=[InputRequired()])
    publish = BooleanField(_l("Publish the reply (答复公开)"))


class FeedbackForm(FlaskForm):
    feedback = RadioField(_l("Are you satisfied with the reply?"),
                          choices=[SelectChoice(k.value, v) for k, v in FEEDBACK_LABELS.items()],
                          validators=[InputRequired()])


class PublishForm(FlaskForm):
    published = BooleanField(_l("Published"))
