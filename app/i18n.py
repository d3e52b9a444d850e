"""Locale and time zone: zh-CN unless the user switched to English."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session


def select_locale() -> str:
    """The session's or the link's language; outside a request (a job, the
    command line) the district's default, so a lazy string renders anywhere."""
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
