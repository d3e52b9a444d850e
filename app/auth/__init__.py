"""Sign-in for staff (Flask-Login) and the role checks every page uses."""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from app.extensions import login_manager
from cases.models.users import Role, User
from core.db import db
from core.web import limiter

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to see this page.")


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The session's user, while the session belongs to the user's current
    generation (User.get_id) and the user is active; else signed out."""
    user_id, _, version = session_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None  # a session from before generations: sign in again
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: a sign-in link must not send anyone elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.username == form.username.data))
        if user is None or not user.active or not user.check_password(form.password.data):
            form.password.errors.append(_("Wrong user name or password."))
        else:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("workbench.index"))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    current_user.end_sessions()  # every device's session, not only this browser's
    db.session.commit()
    logout_user()
    flash(_("You have signed out."))
    return redirect(url_for("public.index"))


def roles_required(*roles: Role):
    """Allow only signed-in users with one of these roles (403 otherwise)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
