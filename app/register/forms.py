"""Forms of the register's pages: a property, a resident's registration
(the staff's and the landlord's), a reveal with its reason.

An ID number is typed into a SensitiveField, which never writes its value
back into the page: a form shown again after an error in another field asks
for the number again rather than printing it (an unmasked number never
appears in a page).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from register.models import PROPERTY_KIND_LABELS, PROPERTY_STATUS_LABELS

MAX_CHILDREN_ON_FORM = 3


class SensitiveField(StringField):
    """A text input that is never filled from the data (an ID number)."""

    def _value(self) -> str:
        return ""


def _kind_choices() -> list[SelectChoice]:
    return [SelectChoice(k.value, label) for k, label in PROPERTY_KIND_LABELS.items()]


class PropertyForm(FlaskForm):
    address = StringField(_l("Address (road and number, or compound, building and flat)"),
                          validators=[DataRequired(), Length(max=200)])
    grid = SelectField(_l("Grid"), validators=[Optional()], validate_choice=False)
    new_compound = StringField(
        _l("Not in the directory? The compound or lane to add"),
        validators=[Optional(), Length(max=100)])
    new_community = SelectField(_l("Its community"), validators=[Optional()],
                                validate_choice=False)
    landlord_name = StringField(_l("Landlord's name"), validators=[DataRequired(), Length(max=100)])
    landlord_phone = StringField(_l("Landlord's phone"), validators=[Optional(), Length(max=32)])
    landlord_id_number = SensitiveField(_l("Landlord's ID number"),
                                        validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Type"), choices=_kind_choices())
    rooms = IntegerField(_l("Rooms"), default=1, validators=[DataRequired(), NumberRange(1, 500)])
    beds = IntegerField(_l("Beds"), default=1, validators=[DataRequired(), NumberRange(1, 5000)])
    floor_area = FloatField(_l("Floor area (m²)"), validators=[Optional(), NumberRange(1, 100000)])
    use = StringField(_l("Use"), validators=[Optional(), Length(max=100)])
    status = SelectField(_l("Status"), choices=[
        SelectChoice(s.value, label) for s, label in PROPERTY_STATUS_LABELS.items()])


class ResidentForm(FlaskForm):
    """A resident's registration; the landlord's form adds nothing but the code."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    id_number = SensitiveField(_l("ID number"), validators=[DataRequired(), Length(max=40)])
    phone = StringField(_l("Phone number"), validators=[DataRequired(), Length(max=32)])
    origin = StringField(_l("Place of origin"), validators=[Optional(), Length(max=100)])
    arrived_on = DateField(_l("Date of arrival"), validators=[DataRequired()])
    room = StringField(_l("Room"), validators=[Optional(), Length(max=50)])
    employer = StringField(_l("Employer"), validators=[Optional(), Length(max=200)])
    child1_name = StringField(_l("Child's name"), validators=[Optional(), Length(max=100)])
    child1_birth = DateField(_l("Child's date of birth"), validators=[Optional()])
    child2_name = StringField(_l("Child's name"), validators=[Optional(), Length(max=100)])
    child2_birth = DateField(_l("Child's date of birth"), validators=[Optional()])
    child3_name = StringField(_l("Child's name"), validators=[Optional(), Length(max=100)])
    child3_birth = DateField(_l("Child's date of birth"), validators=[Optional()])

    def children(self) -> list[tuple[str, object]]:
        out = []
        for n in range(1, MAX_CHILDREN_ON_FORM + 1):
            name, born = self[f"child{n}_name"].data, self[f"child{n}_birth"].data
            if (name or "").strip() or born:
                out.append(((name or "").strip(), born))
        return out


class CodeForm(FlaskForm):
    code = StringField(_l("Property code (on the sticker at the door)"),
                       validators=[DataRequired(), Length(max=20)])


class RevealForm(FlaskForm):
    reason = TextAreaField(_l("Why is the full number needed?"),
                           validators=[DataRequired(), Length(max=300)])


class SearchForm(FlaskForm):
    """Posted, never in a URL: a full ID number must not reach an access log."""

    id_number = SensitiveField(_l("Full ID number"), validators=[DataRequired(), Length(max=40)])


class LeaveForm(FlaskForm):
    left_on = DateField(_l("Date of leaving"), validators=[DataRequired()])
