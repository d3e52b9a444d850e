"""Forms of the catalogue administration: categories, routing rules and the
address directory. Choices that come from the database (units, categories)
are filled in by the views; checks that need the database (a code already
taken, a duplicate rule, an overlapping address range) live in the views."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
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
    ValidationError,
)

from cases.models.address import PARITY_LABELS
from cases.models.catalogue import PRIORITY_LABELS, TARGET_LABELS, RouteTarget


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def address_text(value: str | None) -> str | None:
    """An address word as the resolver compares it (cases.routing._clean):
    NFKC (full-width to ASCII) and no spaces, or None when empty."""
    if not isinstance(value, str):
        return value
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value))
    return cleaned or None


class CategoryForm(FlaskForm):
    """A category as administrators edit it; the code is fixed once made
    because Open311 clients and time limits know the category by it."""

    name_zh = StringField(_l("Name (Chinese)"), filters=[_strip],
                          validators=[DataRequired(), Length(max=100)])
    name_en = StringField(_l("Name (English)"), filters=[_strip],
                          validators=[DataRequired(), Length(max=100)])
    group_zh = StringField(_l("Group (Chinese)"), filters=[_strip],
                           validators=[Optional(), Length(max=100)])
    group_en = StringField(_l("Group (English)"), filters=[_strip],
                           validators=[Optional(), Length(max=100)])
    description_zh = TextAreaField(_l("Description (Chinese)"), filters=[_strip],
                                   validators=[Optional(), Length(max=2000)])
    description_en = TextAreaField(_l("Description (English)"), filters=[_strip],
                                   validators=[Optional(), Length(max=2000)])
    priority = SelectField(
        _l("Priority of new cases"),
        choices=[SelectChoice(p.value, label) for p, label in PRIORITY_LABELS.items()],
        validators=[DataRequired()],
    )
    sort_order = IntegerField(
        _l("Sort order"), default=0,
        validators=[InputRequired(message=_l("Enter a whole number.")),
                    NumberRange(min=-9999, max=9999)],
    )
    active = BooleanField(_l("Offered to citizens (active)"), default=True)


class NewCategoryForm(CategoryForm):
    code = StringField(
        _l("Code"), filters=[_strip],
        validators=[
            DataRequired(), Length(max=64),
            Regexp(r"^[a-z0-9][a-z0-9-]*$",
                   message=_l("Use lower-case letters, digits and hyphens, e.g. road-damage.")),
        ],
    )


class RuleForm(FlaskForm):
    category = SelectField(_l("Category"), validators=[DataRequired()])
    area = SelectField(_l("Area"), validators=[Optional()])
    target_kind = SelectField(
        _l("Send the case to"),
        choices=[SelectChoice(t.value, label) for t, label in TARGET_LABELS.items()],
        validators=[DataRequired()],
    )
    # No Optional(): it would stop the chain before validate_target_unit.
    target_unit = SelectField(_l("Unit"))
    assist_units = SelectMultipleField(_l("Assisting units"), validators=[Optional()])
    active = BooleanField(_l("Active"), default=True)

    def validate_target_unit(self, field) -> None:
        if self.target_kind.data not in {t.value for t in RouteTarget}:
            return  # the kind is in error already
        fixed = self.target_kind.data == RouteTarget.UNIT.value
        if fixed and not field.data:
            raise ValidationError(_("Choose the unit that leads these cases."))
        if not fixed and field.data:
            raise ValidationError(
                _("Only a rule that sends cases to a fixed unit names a unit: leave it empty.")
            )

    def validate_assist_units(self, field) -> None:
        if self.target_unit.data and self.target_unit.data in (field.data or []):
            raise ValidationError(_("The leading unit cannot also assist."))


class AddressForm(FlaskForm):
    """Either a road with a range of house numbers, or a compound (小区) name;
    both lead to a community. Mirrors the table's check constraint."""

    road = StringField(_l("Road"), filters=[address_text],
                       validators=[Optional(), Length(max=100)])
    number_from = IntegerField(_l("From number"),
                               validators=[Optional(), NumberRange(min=0, max=999999)])
    number_to = IntegerField(_l("To number"),
                             validators=[Optional(), NumberRange(min=0, max=999999)])
    parity = SelectField(
        _l("Numbers"),
        choices=[SelectChoice(p.value, label) for p, label in PARITY_LABELS.items()],
        validators=[DataRequired()],
    )
    compound = StringField(_l("Compound (residential estate)"), filters=[address_text],
                           validators=[Optional(), Length(max=100)])
    community = SelectField(_l("Community"), validators=[DataRequired()])
    grid = SelectField(_l("Grid (optional)"), validators=[Optional()], validate_choice=False)

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        road = self.road.data
        low, high = self.number_from.data, self.number_to.data
        if road and self.compound.data:
            self.compound.errors.append(
                _("Enter either a road with its numbers or a compound, not both."))
            return False
        if not road and not self.compound.data:
            if low is None and high is None:
                self.road.errors.append(_("Enter a road with its numbers, or a compound."))
            else:
                self.road.errors.append(_("Enter the road these numbers are on."))
            return False
        if self.compound.data and (low is not None or high is not None):
            self.number_from.errors.append(_("A compound has no house numbers."))
            return False
        if road:
            for field, value in ((self.number_from, low), (self.number_to, high)):
                if value is None and not field.errors:
                    field.errors.append(_("Enter a house number."))
                    ok = False
            if low is not None and high is not None and low > high:
                self.number_to.errors.append(
                    _("Must not be less than the first number (%(n)s).", n=low))
                ok = False
        return ok
