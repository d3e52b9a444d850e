"""Forms of the workbench's case actions."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
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
