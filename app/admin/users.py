"""/admin/users: staff accounts, their roles and units.

A user's role and unit decide which pages and which cases they reach, so
the rules are checked here: a unit role needs an (active) unit, and an
administrator cannot lock themselves out by deactivating or demoting their
own account. Passwords are set, never shown; the audit row of a change never
holds a password or its hash.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from sqlalchemy import func, or_, select
from wtforms import SelectChoice

from app.admin import bp
from app.admin.audit import AuditAction, record, record_change, snapshot
from app.admin.org import tree_choices
from app.admin.users_forms import (
    EditUserForm,
    NewUserForm,
    PasswordForm,
    UserFilterForm,
)
from app.auth import roles_required
from cases.models import OrgUnit, UnitKind
from cases.models.users import NEEDS_UNIT, ROLE_UNIT_KIND, UNIT_ROLES, Role, User
from core.db import db

PAGE_SIZE = 50
# What the audit keeps of a user: never password_hash.
USER_FIELDS = ("username", "display_name", "role", "unit", "active")


class UserError(ValueError):
    """A change the rules do not allow; `field` is the form field to show it on."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_unit(user: User | None, role: Role, unit: OrgUnit | None) -> None:
    if role in UNIT_ROLES and unit is None:
        raise UserError("unit", _("Unit staff and unit heads need a unit."))
    if role in NEEDS_UNIT and unit is None:
        raise UserError("unit", _("Grid staff need their grid as unit."))
    if role in ROLE_UNIT_KIND and unit.kind is not ROLE_UNIT_KIND[role]:
        raise UserError("unit", _("Grid staff need their grid as unit."))
    if unit is not None and unit.kind is UnitKind.GRID and role not in ROLE_UNIT_KIND:
        raise UserError("unit", _("A grid has grid staff only: no case is routed to a grid."))
    if unit is not None and not unit.active and (user is None or user.unit_id != unit.id):
        raise UserError("unit", _("This unit is inactive: choose an active unit."))


def create_user(actor: User, *, username: str, display_name: str, password: str, role: Role,
                unit: OrgUnit | None) -> User:
    """A new, active account (not committed); UserError if it breaks a rule."""
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise UserError("username", _("This user name is taken."))
    _check_unit(None, role, unit)
    user = User(username=username, display_name=display_name, role=role, unit=unit, active=True)
    try:
        user.set_password(password)
    except ValueError as exc:
        raise UserError("password", _("A password needs at least 8 characters.")) from exc
    db.session.add(user)
    record(actor, AuditAction.CREATE, "user", username, summary=display_name,
           after=snapshot(user, USER_FIELDS))
    return user


def update_user(actor: User, user: User, *, display_name: str, role: Role,
                unit: OrgUnit | None, active: bool) -> User:
    """Change a user's name, role, unit or state (not committed)."""
    if user.id == actor.id and not active:
        raise UserError("active", _("You cannot deactivate your own account."))
    if user.id == actor.id and role is not Role.ADMIN:
        raise UserError("role", _("You cannot take the administrator role from yourself."))
    _check_unit(user, role, unit)
    before = snapshot(user, USER_FIELDS)
    user.display_name, user.role, user.unit, user.active = display_name, role, unit, active
    record_change(actor, "user", user.username, before, snapshot(user, USER_FIELDS),
                  summary=display_name)
    return user


def reset_password(actor: User, user: User, password: str) -> None:
    """Set a new password (not committed); the audit row says only that it changed."""
    try:
        user.set_password(password)
    except ValueError as exc:
        raise UserError("password", _("A password needs at least 8 characters.")) from exc
    record(actor, AuditAction.UPDATE, "user", user.username,
           summary=_("Password reset for %(name)s", name=user.display_name))


# -- pages --------------------------------------------------------------------

def _actor() -> User:
    """The signed-in administrator itself, not the proxy (it goes into the audit row)."""
    return current_user._get_current_object()


def _unit_choices(current: OrgUnit | None = None) -> list[SelectChoice]:
    current_id = current.id if current else None
    return [SelectChoice("", _("(no unit)"))] + tree_choices(
        lambda u: u.active or u.id == current_id)


def _unit_from(code: str | None) -> OrgUnit | None:
    if not code:
        return None
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _user_or_404(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    return user


def _filtered(form: UserFilterForm):
    query = select(User).order_by(User.username)
    if form.q.data:
        pattern = f"%{form.q.data.strip()}%"
        query = query.where(or_(User.username.ilike(pattern), User.display_name.ilike(pattern)))
    if form.role.data in {r.value for r in Role}:
        query = query.where(User.role == Role(form.role.data))
    if form.unit.data:
        unit = _unit_from(form.unit.data)
        query = query.where(User.unit_id == (unit.id if unit else -1))
    if form.state.data in ("active", "inactive"):
        query = query.where(User.active.is_(form.state.data == "active"))
    return query


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    form = UserFilterForm(request.args)
    form.unit.choices = [SelectChoice("", _("Every unit"))] + _unit_choices()[1:]
    form.validate()
    page = db.paginate(_filtered(form), per_page=PAGE_SIZE)
    filters = {k: v for k, v in request.args.items() if k in ("q", "role", "unit", "state") and v}
    return render_template("admin/users.html", form=form, page=page, filters=filters)


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_user():
    form = NewUserForm()
    form.unit.choices = _unit_choices()
    if request.method == "GET" and request.args.get("unit"):
        form.unit.data = request.args["unit"]
        form.role.data = Role.UNIT_STAFF.value
    if form.validate_on_submit():
        try:
            user = create_user(
                _actor(), username=form.username.data.strip(),
                display_name=form.display_name.data.strip(), password=form.password.data,
                role=Role(form.role.data), unit=_unit_from(form.unit.data))
        except UserError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("User %(name)s created.", name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/users_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_user(user_id: int):
    user = _user_or_404(user_id)
    posted = request.method == "POST"
    form = EditUserForm() if posted else EditUserForm(obj=user, formdata=None)
    form.unit.choices = _unit_choices(user.unit)
    if not posted:
        form.role.data, form.unit.data = user.role.value, user.unit.code if user.unit else ""
    if form.validate_on_submit():
        try:
            update_user(_actor(), user, display_name=form.display_name.data.strip(),
                        role=Role(form.role.data), unit=_unit_from(form.unit.data),
                        active=form.active.data)
        except UserError as error:
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            flash(_("User %(name)s saved.", name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/users_form.html", form=form, user=user,
                           password_form=PasswordForm(formdata=None))


@bp.post("/users/<int:user_id>/password")
@roles_required(Role.ADMIN)
def user_password(user_id: int):
    user = _user_or_404(user_id)
    password_form = PasswordForm()
    if password_form.validate_on_submit():
        try:
            reset_password(_actor(), user, password_form.password.data)
        except UserError as error:
            password_form.password.errors.append(str(error))
        else:
            db.session.commit()
            if user.id == _actor().id:  # every other session ends; this browser stays in
                login_user(user)
            flash(_("The password of %(name)s was changed. Tell them in person, not by mail.",
                    name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    form = EditUserForm(obj=user, formdata=None)
    form.unit.choices = _unit_choices(user.unit)
    form.role.data, form.unit.data = user.role.value, user.unit.code if user.unit else ""
    return render_template("admin/users_form.html", form=form, user=user,
                           password_form=password_form)
