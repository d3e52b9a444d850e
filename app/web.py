"""Template helpers and error pages shared by every blueprint."""

from __future__ import annotations

import contextlib
from datetime import datetime

from flask import Flask, render_template, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from app.clock import local, now
from app.extensions import db
from cases.models import AssignmentStatus
from cases.states import CaseStatus
from core.sqlite import reading
from escalation.deadlines import urgency

STATUS_LABELS = {
    CaseStatus.RECEIVED: _l("Received"),
    CaseStatus.UNROUTED: _l("Waiting for a dispatcher"),
    CaseStatus.DISPATCHED: _l("Dispatched"),
    CaseStatus.ACKNOWLEDGED: _l("Being handled"),
    CaseStatus.AWAITING_INFO: _l("Waiting for information from the citizen"),
    CaseStatus.RESOLVED: _l("Resolved"),
    CaseStatus.CLOSED: _l("Closed"),
}

ASSIGNMENT_LABELS = {
    AssignmentStatus.ASSIGNED: _l("Waiting to be signed for"),
    AssignmentStatus.ACKNOWLEDGED: _l("Signed for"),
    AssignmentStatus.RESOLVED: _l("Resolved"),
}



DUE_LABELS = {
    "overdue": _l("Overdue"),
    "soon": _l("Due within four hours"),
    "in-time": _l("In time"),
}


def locale_code() -> str:
    return str(get_locale() or "zh_CN")


def localname(obj) -> str:
    """A category's or unit's name in the current language."""
    return obj.name(locale_code()) if obj is not None else ""


def when(dt: datetime | None) -> str:
    return format_datetime(local(dt), "yyyy-MM-dd HH:mm") if dt else ""


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localname=localname, when=when)
    app.jinja_env.globals.update(
        STATUS_LABELS=STATUS_LABELS,
        ASSIGNMENT_LABELS=ASSIGNMENT_LABELS,
        locale_code=locale_code,
        urgency=urgency,
        clock_now=now,
        DUE_LABELS=DUE_LABELS,
    )

    def error_page(code: int, title, message):
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(404)
    def not_found(e):
        return error_page(404, _l("Page not found"), _l("There is no page at this address."))

    @app.errorhandler(413)
    def too_large(e):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return error_page(
            413,
            _l("Upload too large"),
            _l(
                "The files you sent are larger than %(limit)s MB in total. "
                "Each photo may be at most 10 MB. Please go back and send smaller photos.",
                limit=limit,
            ),
        )

    @app.errorhandler(429)
    def too_many(e):
        return error_page(
            429, _l("Too many attempts"), _l("Please wait a minute before trying again.")
        )

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return error_page(
            400,
            _l("The form expired"),
            _l("Please go back, reload the page and send the form again."),
        )

    @app.errorhandler(500)
    def server_error(e):
        return error_page(
            500, _l("Something went wrong"), _l("Please try again in a moment.")
        )

    @app.errorhandler(OperationalError)
    def database_unavailable(e):
        """The database is away, or SQLite's write lock stayed taken past the
        busy timeout (core/sqlite.py): nothing was kept; 503, try again. A view
        that answers in its own words (the web form, Open311) catches it first."""
        app.logger.warning("%s %s: database unavailable: %s", request.method, request.path, e)
        with contextlib.suppress(OperationalError):
            db.session.rollback()
        with reading():  # the page's own reads must not wait for the lock again
            page, _code = error_page(
                503, _l("Something went wrong"), _l("Please try again in a moment.")
            )
        return page, 503, {"Retry-After": "60"}

    @app.context_processor
    def inject_path():
        return {"current_path": request.path}
