"""The REST API for department systems, under /api/v1: cases in the token
holder's scope and every workbench action, through the same operations as
the web pages. Token authentication (`Authorization: Bearer <token>`), JSON
in and out, errors as {"error": code, "message": ...}.

Out of scope reads as absent: a case the user may not see is a 404, never a
403, so a token cannot probe which tracking numbers exist. A 403 means the
user sees the case but may not do that to it (a head acting on a sub-unit's
case, a supervisor signing for a unit)."""

from __future__ import annotations

import hmac
from datetime import timedelta

from flask import Blueprint, Flask, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from app.api.cli import api_token_cli, webhook_cli
from app.api.models import ApiToken, hash_token
from core.clock import now
from core.db import db
from core.sqlite import writing
from core.web import csrf

LAST_USED_EVERY = timedelta(minutes=5)

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies: the bearer token is the credential


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def error(status: int, code: str, message: str, **extra):
    response = jsonify({"error": code, "message": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="xietong"'
    return response


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error(exc.status, exc.code, exc.message, **exc.extra)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return error(exc.code or 500, exc.name.lower().replace(" ", "_"), exc.description or "")


@bp.errorhandler(OperationalError)
def _database_unavailable(exc: OperationalError):
    """The database is away or stayed locked past the busy timeout: nothing changed."""
    db.session.rollback()
    response = error(503, "unavailable", "the database is busy; nothing was changed, try again")
    response.headers["Retry-After"] = "60"
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@bp.before_request
def _authenticate():
    """Every endpoint needs a live token of an active user."""
    return authenticate()


def authenticate():
    """The one bearer-token check of /api/v1 (the outbox API uses it too):
    None when the token is live and its user active (g.api_user is set),
    else the 401 answer."""
    given = _bearer()
    if given is None:
        return error(401, "unauthorized", "send Authorization: Bearer <token>")
    digest = hash_token(given)
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if (token is None or not hmac.compare_digest(token.token_hash, digest)
            or token.revoked or not token.user.active):
        return error(401, "invalid_token", "the token is unknown, revoked or its user inactive")
    _note_use(token)
    g.api_user = token.user
    # Flask-Login's current_user is the token's user for this request, so the
    # shared helpers (the workbench's access check) judge the same person.
    g._login_user = token.user


def _note_use(token) -> None:
    """Best-effort bookkeeping, at most every few minutes: a write per request
    would make concurrent readers fight for SQLite's lock. A GET's transaction
    only reads (core.sqlite), so the write takes a short one of its own."""
    at = now()
    if token.last_used_at is not None and at - token.last_used_at < LAST_USED_EVERY:
        return
    db.session.rollback()  # end the reading transaction; the token reloads after
    with writing():
        token.last_used_at = at
        try:
            db.session.commit()
        except OperationalError:  # the lock stayed taken past the busy timeout: skip it
            db.session.rollback()


def init_app(app: Flask) -> None:
    """The blueprint, the OpenAPI document and the CLI."""
    app.register_blueprint(bp)
    app.register_blueprint(openapi.doc_bp)
    app.cli.add_command(api_token_cli)
    app.cli.add_command(webhook_cli)


# The routes join bp (the blueprint-as-package pattern: they import bp from here).
from app.api import (  # noqa: E402, F401
    cases,
    documents,
    openapi,
    proposals,
    register,
    supervision_items,
)
