"""The Flask application factory. It wires; the domain decides."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.config import load_config
from core import sqlite

MODEL_MODULES = (
    "app.auth.models",
    "cases.models",
    "cases.survey_models",
    "channels.open311.models",
    "channels.city12319.models",
    "channels.notify.models",
    "channels.outbox.models",
    "channels.phone.models",
    "escalation.models",
    "evaluation.models",
    "app.api.models",
    "app.admin.audit",
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    from channels.open311.models import check_configured_keys

    settings = load_config()
    settings.update(config or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    check_configured_keys(app.config["OPEN311_API_KEYS"])
    _init_extensions(app)
    _register_blueprints(app)

    from app import cli, web

    cli.init_app(app)
    web.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    from app import queues
    from app.extensions import babel, csrf, db, limiter, login_manager, migrate
    from app.i18n import select_locale, select_timezone
    from channels.city12319 import link as city_link
    from escalation import deadlines

    for module in MODEL_MODULES:  # every model registered before mapping
        importlib.import_module(module)

    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(Path(__file__).parent.parent / "migrations"),
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        render_item=_render_item,
    )
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    queues.init_app(app)
    deadlines.connect()
    city_link.connect()  # after deadlines: the city's deadline wins
    _connect_notifications()
    app.extensions.setdefault("clock", app.config.get("CLOCK") or _system_clock())


def _connect_notifications() -> None:
    """After the deadlines, so a new assignment's staff message knows its due time."""
    from cases import survey
    from channels.notify import rules

    rules.connect()
    survey.connect()


def _render_item(type_: str, obj, autogen_context):
    """Write our column types as plain SQLAlchemy ones, so a revision never
    imports application code."""
    from cases.models.types import UTCDateTime

    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _system_clock():
    from app.clock import SystemClock

    return SystemClock()


def _register_blueprints(app: Flask) -> None:
    from app import api as rest_api  # /api/v1 cases, /api/openapi.json, tokens, webhooks
    from app.admin import bp as admin_bp
    from app.admin.api import bp as outbox_api_bp
    from app.admin.templates import bp as templates_bp
    from app.auth import bp as auth_bp
    from app.callbacks import bp as callbacks_bp
    from app.console import bp as console_bp
    from app.evaluation import bp as evaluation_bp
    from app.evaluation.public import bp as stats_bp
    from app.health import bp as health_bp
    from app.public import bp as public_bp
    from app.supervision import bp as supervision_bp
    from app.supervision.admin import bp as time_admin_bp
    from app.workbench import bp as workbench_bp
    from channels.city12319.views import bp as city12319_bp  # referral up (上报)
    from channels.open311 import bp as open311_bp
    from channels.phone.cli import hotline_cli
    from channels.phone.common import hotlines
    from channels.phone.views import bp as phone_bp  # CSRF-exempt: Twilio signs instead
    from channels.webform import bp as webform_bp

    hotlines(app.config)  # a malformed TWILIO_NUMBERS fails at start-up, loudly
    for bp in (
        auth_bp, health_bp, public_bp, workbench_bp, webform_bp, open311_bp, admin_bp,
        supervision_bp, time_admin_bp, phone_bp, city12319_bp, outbox_api_bp, templates_bp,
        callbacks_bp, console_bp, evaluation_bp, stats_bp,
    ):
        app.register_blueprint(bp)
    rest_api.init_app(app)
    app.cli.add_command(hotline_cli)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL and a busy timeout let the web, worker and cron share one SQLite file.

    pysqlite's own transaction handling breaks SAVEPOINT (releasing one commits
    at once); SQLAlchemy's documented recipe hands BEGIN back to us.
    """
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """BEGIN IMMEDIATE: a writer takes the write lock first, waiting for it up
    to the busy timeout, instead of being refused at once ("database is
    locked") when it writes after reading. Issue 16's burst (40 mails, 84
    Open311 posts at once, on `make run`): 451 for 33-40 of the mails, 503
    for 62-64 of the posts, most accepted cases undispatched 30 s later, about
    100 lock errors in the log; now every mail 250, every post 201, all
    dispatched, none.

    A deferred BEGIN for what only reads (GET, HEAD, OPTIONS unless the view
    is marked `core.sqlite.writes`; `core.sqlite.reading()`): with WAL it
    never waits and never holds a writer up. With IMMEDIATE for all, lookups
    during that burst had p95 1.9-2.6 s instead of 38-57 ms. The guard below
    catches a write in such a transaction. Details: core/sqlite.py."""
    if conn.dialect.name == "sqlite":
        sqlite.begin(conn)


@event.listens_for(Engine, "before_cursor_execute")
def _sqlite_check(conn, cursor, statement, parameters, context, executemany) -> None:
    """A write in a transaction that began deferred is a bug: core/sqlite.py."""
    if conn.dialect.name == "sqlite":
        sqlite.check_statement(conn, statement)
