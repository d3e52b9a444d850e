"""The form that confirms a year's State Council schedule: its swapped working
days and its days off beyond the statutory rule, as the notice lists them."""

from __future__ import annotations

import re
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from escalation.calendar import WorkingCalendar
from escalation.confirmation import swapped_workdays

_SEPARATORS = re.compile(r"[\s,，、;；]+")


class DayListField(TextAreaField):
    """Dates written YYYY-MM-DD, separated by spaces, commas or new lines."""

    def process_formdata(self, valuelist) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data, bad = [], []
        for token in _SEPARATORS.split(self.raw.strip()):
            if not token:
                continue
            try:
                self.data.append(date.fromisoformat(token))
            except ValueError:
                bad.append(token)
        if bad:
            raise ValueError(_("Not a date (write YYYY-MM-DD): %(days)s", days="、".join(bad)))

    def _value(self) -> str:
        return getattr(self, "raw", "") or ""


class ConfirmYearForm(FlaskForm):
    year = SelectField(_l("Year"), coerce=int, validate_choice=True)
    workdays = DayListField(_l("Swapped working days (调休上班)"))
    days_off = DayListField(_l("Days off beyond the statutory rule"))
    notice = StringField(
        _l("State Council notice"),
        validators=[InputRequired(message=_l("Name the notice the schedule comes from.")),
                    Length(max=100)],
    )

    def _outside_year(self, days: list[date]) -> list[str]:
        return [d.isoformat() for d in days if d.year != self.year.data]

    def validate_workdays(self, field) -> None:
        if self.year.errors or not isinstance(self.year.data, int):
            return
        if outside := self._outside_year(field.data or []):
            raise ValidationError(_("Not in %(year)s: %(days)s", year=self.year.data,
                                    days="、".join(outside)))
        plain = WorkingCalendar()  # the year's source, without the overrides
        if working := [d.isoformat() for d in field.data or [] if plain.is_workday(d)]:
            raise ValidationError(_("Already working days, not swapped ones: %(days)s",
                                    days="、".join(working)))
        if not field.data and not swapped_workdays(self.year.data):
            raise ValidationError(_("Enter the swapped working days the notice lists: a year "
                                    "is confirmed with them."))

    def validate_days_off(self, field) -> None:
        if self.year.errors or not isinstance(self.year.data, int):
            return
        if outside := self._outside_year(field.data or []):
            raise ValidationError(_("Not in %(year)s: %(days)s", year=self.year.data,
                                    days="、".join(outside)))
        if both := sorted(set(field.data or []) & set(self.workdays.data or [])):
            raise ValidationError(_("Both a working day and a day off: %(days)s",
                                    days="、".join(d.isoformat() for d in both)))
