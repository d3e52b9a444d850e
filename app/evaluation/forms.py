"""Forms of the evaluation office (qualitative scores) and the administrator (weights)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Regexp


class QualitativeForm(FlaskForm):
    unit = SelectField(_l("Unit"), validators=[DataRequired()])
    month = StringField(_l("Month (YYYY-MM)"), validators=[
        DataRequired(),
        Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message=_l("Write the month as YYYY-MM."))])
    score = DecimalField(_l("Score (0-100)"), places=1, validators=[
        DataRequired(message=_l("Give a score from 0 to 100.")),
        NumberRange(min=0, max=100, message=_l("A score is between 0 and 100."))])
    comment = TextAreaField(_l("Comment"), validators=[Length(max=2000)])


def weights_form(codes: list[str], labels: dict[str, str], current: dict[str, float]):
    """A form with one number field per weighted measure."""

    class WeightsForm(FlaskForm):
        pass

    for code in codes:
        setattr(WeightsForm, code, DecimalField(
            labels[code], places=1, default=current.get(code, 0.0),
            validators=[NumberRange(min=0, max=100,
                                    message=_l("A weight is between 0 and 100."))]))
    return WeightsForm()
