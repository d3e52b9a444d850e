"""Locale and time zone: zh-CN unless the user switched to English."""

from __future__ import annotations

from flask import current_app, request, session


def select_locale() -> str:
    chosen = session.get("lang") or request.args.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]
