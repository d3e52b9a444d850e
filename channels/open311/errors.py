"""Open311 errors in the standard's own words, everywhere under `/open311/`.

The body is `[{"code": N, "description": "..."}]` (or `<errors><error>` for a
`.xml` URL), sent with HTTP status N.
Besides the errors the views return themselves, this covers:

- routing errors (an unknown path, a wrong method): Flask raises those before
  any blueprint is chosen, so only app-level handlers would see them, and the
  app's HTML error pages own those codes. A before-request hook answers them
  first for `/open311/` paths and leaves every other path to the HTML pages;
- HTTP errors raised inside the views (413 for a body too large, 429, 500...);
- the database being unreachable: 503, nothing kept, the client may retry
  (DESIGN principle 2).
"""

from __future__ import annotations

import contextlib
import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, default_exceptions

from channels.open311.formats import requested_format, respond
from core.db import db

log = logging.getLogger(__name__)

PREFIX = "/open311"
RETRY_AFTER_SECONDS = 30


def error(code: int, description: str) -> Response:
    """The standard's error body, in the format the URL asked for."""
    return respond([{"code": code, "description": description}], "errors",
                   requested_format(), code)


def under_open311(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def _describe(exc: HTTPException) -> str:
    if exc.code == 404:
        return f"{request.path} is not part of this Open311 API"
    if isinstance(exc, MethodNotAllowed):
        allowed = ", ".join(sorted(exc.valid_methods or ()))
        return f"{request.method} is not allowed on {request.path}; use {allowed}"
    if exc.code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"the request body is too large (at most {limit} bytes)"
    return f"{exc.name}: {exc.description}"


def http_error(exc: HTTPException) -> Response:
    code = exc.code or 500
    response = error(code, _describe(exc))
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return response


def _routing_error() -> Response | None:
    exc = request.routing_exception
    if isinstance(exc, HTTPException) and (exc.code or 0) >= 400 and under_open311(request.path):
        return http_error(exc)
    return None


def _database_unavailable(exc: OperationalError) -> Response:
    log.warning("open311: database unavailable: %s", exc)
    with contextlib.suppress(OperationalError):  # if it fails, teardown discards the session
        db.session.rollback()
    response = error(503, "the service is temporarily unavailable; nothing was stored, try again")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register(bp: Blueprint) -> None:
    """Install the handlers on the Open311 blueprint."""
    for code in default_exceptions:
        if code >= 400:
            bp.register_error_handler(code, http_error)
    bp.register_error_handler(OperationalError, _database_unavailable)
    bp.before_app_request(_routing_error)
