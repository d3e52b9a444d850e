"""Forms of the supervision items (督办件): registration by the supervision
office, the lead unit's progress, milestones and completion, and the
office's verification."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from cases.kinds.supervision import SOURCES
from cases.models.supervision_item import SOURCE_LABELS
from cases.supervision_items import MAX_CYCLE_MONTHS, MAX_REPORT_DAY


def parse_milestones(text: str) -> tuple[list[tuple[str, date | None]], str | None]:
    """One milestone a line, "name YYYY-MM-DD"; the list, or the line's error."""
    milestones: list[tuple[str, date | None]] = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, _sep, when = line.strip().rpartition(" ")
        try:
            due = date.fromisoformat(when.strip())
        except ValueError:
            return [], _("Write each milestone as its name, a space and its date "
                         "(YYYY-MM-DD): %(line)s", line=line.strip())
        milestones.append((name.strip(), due))
    return milestones, None


class RegisterForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Content"), validators=[DataRequired()])
    source = SelectField(_l("Source"), choices=[SelectChoice(s, SOURCE_LABELS[s]) for s in SOURCES])
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    unit = SelectField(_l("Lead unit"), validators=[DataRequired()])
    milestones = TextAreaField(
        _l("Milestones"), validators=[Optional()],
        description=_l("One a line: the name, a space, the due date (YYYY-MM-DD). "
                       "None may fall after the deadline."))
    report_every_months = IntegerField(
        _l("Progress report every (months)"), default=1,
        validators=[InputRequired(), NumberRange(1, MAX_CYCLE_MONTHS)])
    report_by_working_day = IntegerField(
        _l("Report due by working day of the month"), default=5,
        validators=[InputRequired(), NumberRange(1, MAX_REPORT_DAY)])


class ProgressForm(FlaskForm):
    text = TextAreaField(_l("Progress"), validators=[DataRequired(), Length(max=4000)])


class MilestoneDoneForm(FlaskForm):
    note = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=2000)])
    evidence = MultipleFileField(_l("Evidence (files)"))


class CompletionForm(FlaskForm):
    text = TextAreaField(_l("Completion report"), validators=[DataRequired(), Length(max=4000)])


class VerifyForm(FlaskForm):
    note = TextAreaField(_l("Verification note"), validators=[Optional(), Length(max=2000)])


class SendBackForm(FlaskForm):
    reason = TextAreaField(_l("Why it is sent back"),
                           validators=[DataRequired(), Length(max=2000)])


class MilestoneForm(FlaskForm):
    name = StringField(_l("Milestone"), validators=[DataRequired(), Length(max=100)])
    due_on = DateField(_l("Due date"), validators=[InputRequired()])
