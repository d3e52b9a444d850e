"""/admin/keys: the keys other systems use to reach us. Open311 clients post
requests with an API key; department systems call the REST API with a
user's bearer token. Both are stored hashed, so a new key or token is shown
once, on the page that answers the form, and never again: not on a later
page, not in the audit log, not in a log line."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from app.admin import PAGE_SIZE, bp
from app.admin.audit import AuditAction, record
from app.api.models import ApiToken
from app.auth import roles_required
from cases.models.users import Role, User
from channels.open311.models import MAX_CLIENT, ApiKey
from core.clock import now
from core.db import db

OPEN311_KEY = "open311_key"
API_TOKEN = "api_token"


class Open311KeyForm(FlaskForm):
    client = StringField(
        _l("Client name"), validators=[DataRequired(), Length(max=MAX_CLIENT)],
        description=_l("The cases it files carry the channel open311: followed by this name."),
    )


class ApiTokenForm(FlaskForm):
    user = SelectField(_l("User"), coerce=int, validate_choice=True)
    name = StringField(_l("What it is for"), validators=[Optional(), Length(max=100)])


def current_admin() -> User:
    return current_user._get_current_object()


def _token_form() -> ApiTokenForm:
    """Only active users can be chosen: a token of an inactive user would be refused."""
    form = ApiTokenForm(prefix="token")
    users = db.session.scalars(select(User).where(User.active.is_(True))
                               .order_by(User.username)).all()
    form.user.choices = [(u.id, f"{u.display_name} ({u.username})") for u in users]
    return form


def configured_clients(configured: str) -> list[str]:
    """The client names of OPEN311_API_KEYS ("name=key,..."), never the keys,
    read the way channels.open311.models reads them."""
    names = []
    for entry in configured.split(","):
        name, _sep, value = entry.strip().rpartition("=")
        if value:
            names.append(name.strip() or "open311")
    return names


def _index(key_form: Open311KeyForm | None = None, token_form: ApiTokenForm | None = None,
           status: int = 200):
    keys = db.session.scalars(
        select(ApiKey).order_by(ApiKey.active.desc(), ApiKey.created_at.desc(), ApiKey.id.desc())
    ).all()
    tokens = db.paginate(
        select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(),
                                  ApiToken.id.desc()),
        per_page=PAGE_SIZE,
    )
    return render_template(
        "admin/keys.html", keys=keys, tokens=tokens,
        configured=configured_clients(current_app.config.get("OPEN311_API_KEYS", "")),
        key_form=key_form or Open311KeyForm(prefix="key"),
        token_form=token_form or _token_form(),
    ), status


def shown_once(title: str, about: str, secret: str, back: str):
    """The one page that shows a new secret; no cache may keep it."""
    response = make_response(render_template(
        "admin/keys_shown.html", title=title, about=about, secret=secret, back=back))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


@bp.get("/keys")
@roles_required(Role.ADMIN)
def keys():
    return _index()


@bp.post("/keys/open311")
@roles_required(Role.ADMIN)
def issue_open311_key():
    form = Open311KeyForm(prefix="key")
    if not form.validate_on_submit():
        return _index(key_form=form, status=400)
    try:
        row, plain = ApiKey.issue(form.client.data)
    except ValueError:
        form.client.errors.append(
            _("The client name must be 1 to %(n)s characters.", n=MAX_CLIENT))
        return _index(key_form=form, status=400)
    db.session.add(row)
    db.session.flush()
    record(current_admin(), AuditAction.ISSUE, OPEN311_KEY, row.id, summary=f"client={row.client}",
           after=_key_state(row))
    db.session.commit()
    return shown_once(
        _("New Open311 key"),
        _("The key for the client %(client)s:", client=row.client), plain,
        url_for("admin.keys"))


@bp.post("/keys/open311/<int:key_id>/deactivate")
@roles_required(Role.ADMIN)
def deactivate_open311_key(key_id: int):
    row = db.session.get(ApiKey, key_id) or abort(404)
    if row.active:
        before = _key_state(row)
        row.active = False
        record(current_admin(), AuditAction.REVOKE, OPEN311_KEY, row.id,
               summary=f"client={row.client}", before=before, after=_key_state(row))
        db.session.commit()
        flash(_("The key of %(client)s no longer works.", client=row.client), "success")
    return redirect(url_for("admin.keys"))


@bp.post("/keys/tokens")
@roles_required(Role.ADMIN)
def issue_api_token():
    form = _token_form()
    if not form.validate_on_submit():
        return _index(token_form=form, status=400)
    user = db.session.get(User, form.user.data)
    try:
        token, plain = ApiToken.issue(user, (form.name.data or "").strip())
    except ValueError:  # made inactive since the form was shown
        form.user.errors.append(_("This user is not active."))
        return _index(token_form=form, status=400)
    record(current_admin(), AuditAction.ISSUE, API_TOKEN, token.id,
           summary=f"user={user.username} name={token.name}", after=_token_state(token))
    db.session.commit()
    return shown_once(
        _("New API token"),
        _("The token acts as %(user)s (%(username)s) with that user's role and unit:",
          user=user.display_name, username=user.username),
        plain, url_for("admin.keys"))


@bp.post("/keys/tokens/<int:token_id>/revoke")
@roles_required(Role.ADMIN)
def revoke_api_token(token_id: int):
    token = db.session.get(ApiToken, token_id) or abort(404)
    if not token.revoked:
        before = _token_state(token)
        token.revoked_at = now()
        record(current_admin(), AuditAction.REVOKE, API_TOKEN, token.id,
               summary=f"user={token.user.username} name={token.name}", before=before,
               after=_token_state(token))
        db.session.commit()
        flash(_("The token has been revoked."), "success")
    return redirect(url_for("admin.keys"))


def _key_state(row: ApiKey) -> dict[str, Any]:
    """What the audit row keeps of a key: never the key, nor its hash."""
    return {"client": row.client, "active": row.active}


def _token_state(token: ApiToken) -> dict[str, Any]:
    return {"user": token.user.username, "name": token.name,
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None}
