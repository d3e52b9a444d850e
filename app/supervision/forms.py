"""Forms of the supervisor desk, the supervisor's case actions and the
administration of time limits and the working-day calendar."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from cases.models.catalogue import PRIORITY_LABELS
from cases.rejection import MAX_EXPLANATION
from escalation.models import DEADLINE_KIND_LABELS, LIMIT_UNIT_LABELS, LimitUnit

# The longest limit an administrator may set, per unit: a year of work.
MAX_AMOUNT = {
    LimitUnit.WORKING_HOURS: 2000,
    LimitUnit.WORKING_DAYS: 250,
    LimitUnit.CLOCK_HOURS: 8760,
}


class DeskFilterForm(FlaskForm):
    """The desk's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    unit = SelectField(_l("Unit"), validators=[Optional()])
    street = SelectField(_l("Street"), validators=[Optional()])
    community = SelectField(_l("Community"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    channel = SelectField(_l("Hotline / channel"), validators=[Optional()])


class CommentForm(FlaskForm):
    text = TextAreaField(
        _l("Supervision instruction (visible to the unit)"),
        validators=[DataRequired(), Length(max=4000)],
    )


class TransferForm(FlaskForm):
    unit = SelectField(_l("Transfer to"), validators=[DataRequired()])
    reason = StringField(_l("Reason for the transfer"),
                         validators=[DataRequired(), Length(max=500)])


class DecisionForm(FlaskForm):
    decision = SelectField(
        _l("Decision"),
        choices=[SelectChoice("approve", _l("Approve")), SelectChoice("refuse", _l("Refuse"))],
        validators=[DataRequired()],
    )
    note = TextAreaField(_l("Note on the decision"), validators=[Optional(), Length(max=2000)])


class SuperviseForm(FlaskForm):
    reason = StringField(_l("Reason for formal supervision"),
                         validators=[Optional(), Length(max=500)])


class PriorityForm(FlaskForm):
    priority = SelectField(_l("New priority"), validators=[DataRequired()])


class TimeLimitForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[Optional()])
    priority = SelectField(
        _l("Priority"),
        choices=[SelectChoice(p.value, label) for p, label in PRIORITY_LABELS.items()],
        validators=[DataRequired()],
    )
    kind = SelectField(
        _l("Deadline"),
        choices=[SelectChoice(k.value, label) for k, label in DEADLINE_KIND_LABELS.items()],
        validators=[DataRequired()],
    )
    amount = IntegerField(
        _l("Amount"),
        validators=[InputRequired(), NumberRange(min=1, message=_l("Must be at least 1."))],
    )
    unit = SelectField(
        _l("Counted in"),
        choices=[SelectChoice(u.value, label) for u, label in LIMIT_UNIT_LABELS.items()],
        validators=[DataRequired()],
    )

    def validate_amount(self, field) -> None:
        if field.data is None or self.unit.data not in {u.value for u in LimitUnit}:
            return
        limit = MAX_AMOUNT[LimitUnit(self.unit.data)]
        if field.data > limit:
            raise ValidationError(
                _("At most %(limit)s %(unit)s.", limit=limit,
                  unit=LIMIT_UNIT_LABELS[LimitUnit(self.unit.data)])
            )


class CalendarOverrideForm(FlaskForm):
    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Enter a date."))])
    is_workday = SelectField(
        _l("This day is"),
        choices=[
            SelectChoice("0", _l("a day off (holiday)")),
            SelectChoice("1", _l("a working day (swapped)")),
        ],
        validators=[DataRequired()],
    )
    note = StringField(_l("Note (e.g. the holiday's name)"),
                       validators=[Optional(), Length(max=100)])

    def validate_day(self, field) -> None:
        if field.data is not None and not 2000 <= field.data.year <= 2100:
            raise ValidationError(_("Enter a date between the years 2000 and 2100."))


class ReverseRejectionForm(FlaskForm):
    reason = TextAreaField(_l("Why the case is taken after all (the citizen reads it)"),
                           validators=[DataRequired(_l("Say why the rejection is reversed.")),
                                       Length(max=MAX_EXPLANATION)])
