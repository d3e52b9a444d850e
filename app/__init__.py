"""The Flask application factory. It wires; the domain decides.

This is the one place where the domain's signal receivers are connected and
the channels' outbound senders and Open311 client links are registered
(`_wire`), in an order that carries meaning and is written down there.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from flask import Flask

from app import api as rest_api  # /api/v1 cases, /api/openapi.json, tokens
from app import cli, security, web
from app.admin import bp as admin_bp
from app.admin.api import bp as outbox_api_bp
from app.admin.templates import bp as templates_bp
from app.auth import bp as auth_bp
from app.callbacks import bp as callbacks_bp
from app.console import bp as console_bp
from app.documents import bp as documents_bp  # incoming documents (办文)
from app.evaluation import bp as evaluation_bp
from app.evaluation.public import bp as stats_bp
from app.extensions import babel, login_manager, migrate
from app.health import bp as health_bp
from app.i18n import select_locale, select_timezone
from app.maps import bp as maps_bp
from app.proposals import bp as proposals_bp  # motions and proposals (议案、建议、提案)
from app.proposals.public import bp as proposals_public_bp
from app.public import bp as public_bp
from app.referral import bp as referral_bp  # referral up (上报) to the city
from app.register import bp as register_bp  # the register of rental housing
from app.register.admin import bp as register_admin_bp
from app.register.landlord import bp as landlord_bp  # the landlord's public form
from app.search import bp as search_bp
from app.supervision import bp as supervision_bp
from app.supervision.admin import bp as time_admin_bp
from app.supervision_items import bp as supervision_items_bp
from app.workbench import bp as workbench_bp
from cases import survey
from channels.city12319 import link as city_link
from channels.email.sender import EmailSender
from channels.notify import proposals as proposal_notifications
from channels.notify import register as register_notifications
from channels.notify import rules as notifications
from channels.open311 import bp as open311_bp
from channels.open311.models import check_configured_keys
from channels.outbox import senders
from channels.phone.cli import hotline_cli
from channels.phone.common import hotlines
from channels.phone.sms import SmsSender, opt_out_reason
from channels.phone.views import bp as phone_bp  # CSRF-exempt: Twilio signs instead
from channels.webform import bp as webform_bp
from channels.webhooks import deliver as webhooks
from channels.webhooks import register as register_webhooks
from core import queues
from core.clock import SystemClock
from core.config import load_config
from core.db import db
from core.types import UTCDateTime
from core.web import RowId, csrf, limiter
from escalation import deadlines, proposal_deadlines
from register import findings

# Every model registered before the mappers are configured.
MODEL_MODULES = (
    "cases.models",
    "cases.models.supervision_item",
    "cases.models.proposal",
    "cases.survey_models",
    "channels.open311.models",
    "channels.city12319.models",
    "channels.notify.models",
    "channels.outbox.models",
    "channels.phone.models",
    "channels.webhooks.models",
    "escalation.models",
    "evaluation.models",
    "register.models",
    "app.api.models",
    "app.admin.audit",
)

BLUEPRINTS = (
    auth_bp, health_bp, public_bp, workbench_bp, webform_bp, open311_bp, admin_bp,
    supervision_bp, time_admin_bp, phone_bp, referral_bp, outbox_api_bp, templates_bp,
    callbacks_bp, console_bp, evaluation_bp, stats_bp, maps_bp, search_bp, register_bp,
    register_admin_bp, landlord_bp, supervision_items_bp, documents_bp, proposals_bp,
    proposals_public_bp,
)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    settings = load_config()
    settings.update(config or {})
    app = Flask(__name__, instance_path=settings["INSTANCE_PATH"])
    app.url_map.converters["int"] = RowId  # before any route is added
    app.config.update(settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    check_configured_keys(app.config["OPEN311_API_KEYS"])
    hotlines(app.config)  # a malformed TWILIO_NUMBERS fails at start-up, loudly
    _init_extensions(app)
    _wire()
    for bp in BLUEPRINTS:
        app.register_blueprint(bp)
    rest_api.init_app(app)
    app.cli.add_command(hotline_cli)
    cli.init_app(app)
    web.init_app(app)
    security.init_app(app)  # headers on every answer; TRUSTED_PROXIES
    return app


def _init_extensions(app: Flask) -> None:
    for module in MODEL_MODULES:
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
    app.extensions.setdefault("clock", app.config.get("CLOCK") or SystemClock())


def _wire() -> None:
    """Connect the receivers of the case signals, in this order (a signal calls
    its receivers in the order they were connected), and register the
    outbound senders. Connecting again (a second app) changes nothing.

    1. escalation.deadlines: a new assignment gets its deadlines and timers.
    2. channels.city12319.link: then the city's deadline replaces the local
       resolve deadline of a case that came down from the city (the city's
       deadline wins); it also takes the city's posts through Open311.
    3. channels.notify.rules: then the unit's message about a new assignment
       can say when it is due, whichever deadline won.
    4. cases.survey: a resolution schedules the callback survey.
    5. channels.webhooks: every event goes out to the units' receivers.
    6. channels.notify.register: a late registration in the register tells
       the grid staff and the community; channels.webhooks.register: every
       register event goes out to the units' receivers, as case events do.
    """
    deadlines.connect()
    proposal_deadlines.connect()  # after deadlines: a proposal's own limits win
    city_link.connect()
    notifications.connect()
    proposal_notifications.connect()
    survey.connect()
    webhooks.connect()
    register_notifications.connect()
    register_webhooks.connect()
    survey.checked_elsewhere(findings.CHANNEL)  # re-inspected by grid staff, not called back
    senders.register("email", EmailSender)
    senders.register("sms", SmsSender, suppressed=opt_out_reason)


def _render_item(type_: str, obj, autogen_context):
    """Write our column types as plain SQLAlchemy ones, so a revision never
    imports application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
