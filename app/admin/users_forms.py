"""Forms of the user pages: the list's filters, a new user, an edit, a new
password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp

from cases.models.users import ROLE_LABELS

USERNAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$"
MIN_PASSWORD = 8


def _role_choices() -> list[SelectChoice]:
    return [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class UserFilterForm(FlaskForm):
    """The list's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(_l("Name"), validators=[Optional(), Length(max=100)])
    role = SelectField(_l("Role"), validators=[Optional()])
    unit = SelectField(_l("Unit"), validators=[Optional()])
    state = SelectField(_l("State"), validators=[Optional()], choices=[
        SelectChoice("", _l("Active and inactive")), SelectChoice("active", _l("Active only")),
        SelectChoice("inactive", _l("Inactive only"))])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = [SelectChoice("", _l("Every role"))] + _role_choices()


class _UserFields(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=100)])
    role = SelectField(_l("Role"))
    unit = SelectField(_l("Unit"), validators=[Optional()])

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()


class NewUserForm(_UserFields):
    username = StringField(_l("User name"), validators=[
        DataRequired(), Regexp(USERNAME_PATTERN, message=_l(
            "Use 2 to 64 letters, digits, dots, hyphens or underscores."))])
    password = PasswordField(_l("Password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=_l("A password needs at least 8 characters."))])


class EditUserForm(_UserFields):
    active = BooleanField(_l("Active (may sign in)"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[
        DataRequired(), Length(min=MIN_PASSWORD, max=200,
                               message=_l("A password needs at least 8 characters."))])
    confirm = PasswordField(_l("The new password again"), validators=[
        DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])
