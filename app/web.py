"""Template helpers and error pages shared by every blueprint."""

from __future__ import annotations

import contextlib

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError

from app.maps import ECHARTS_PATH
from cases.channels import channel_label
from cases.duplicates import DUPLICATE_REASON_LABELS
from cases.kinds import kind_label
from cases.models.address import PARITY_LABELS
from cases.models.assignment import (
    ASSIGNMENT_LABELS,
    ASSIGNMENT_ROLE_LABELS,
    RETURN_REASON_LABELS,
)
from cases.models.catalogue import PRIORITY_LABELS, TARGET_LABELS
from cases.models.event import ACTOR_KIND_LABELS
from cases.models.org import UNIT_KIND_LABELS, UNIT_KIND_PLURAL_LABELS
from cases.models.proposal import COMMUNICATION_LABELS, FEEDBACK_LABELS, PROPOSAL_TYPE_LABELS
from cases.models.proposal import GRADE_LABELS as PROPOSAL_GRADE_LABELS
from cases.models.users import ROLE_LABELS
from cases.next_step import NEXT_STEP_LABELS
from cases.rejection import REJECT_REASON_LABELS
from cases.states import STATUS_LABELS
from channels.outbox.models import OUTBOX_STATUS_LABELS
from channels.phone.sms import SMS_DELIVERY_LABELS
from channels.webhooks.models import WEBHOOK_DELIVERY_LABELS
from core.clock import now
from core.db import db
from core.i18n import locale_code, localname, when
from core.sqlite import reading
from escalation.deadlines import DUE_LABELS, urgency
from escalation.models import (
    DEADLINE_KIND_LABELS,
    DEADLINE_KIND_SHORT,
    LEVEL_LABELS,
    LIMIT_UNIT_LABELS,
)
from register.checklist import CHECK_ITEM_LABELS, SECTION_LABELS
from register.models import (
    ACCESS_ACTION_LABELS,
    GRADE_LABELS,
    PROPERTY_KIND_LABELS,
    PROPERTY_STATUS_LABELS,
    REGISTER_EVENT_LABELS,
)

# Every enum's labels, defined beside the enum, under one name each in every
# template.
LABELS = {
    "STATUS_LABELS": STATUS_LABELS,
    "ASSIGNMENT_LABELS": ASSIGNMENT_LABELS,
    "ASSIGNMENT_ROLE_LABELS": ASSIGNMENT_ROLE_LABELS,
    "RETURN_REASON_LABELS": RETURN_REASON_LABELS,
    "REJECT_REASON_LABELS": REJECT_REASON_LABELS,
    "DUPLICATE_REASON_LABELS": DUPLICATE_REASON_LABELS,
    "PRIORITY_LABELS": PRIORITY_LABELS,
    "TARGET_LABELS": TARGET_LABELS,
    "PARITY_LABELS": PARITY_LABELS,
    "UNIT_KIND_LABELS": UNIT_KIND_LABELS,
    "UNIT_KIND_PLURAL_LABELS": UNIT_KIND_PLURAL_LABELS,
    "ROLE_LABELS": ROLE_LABELS,
    "ACTOR_KIND_LABELS": ACTOR_KIND_LABELS,
    "DEADLINE_KIND_LABELS": DEADLINE_KIND_LABELS,
    "DEADLINE_KIND_SHORT": DEADLINE_KIND_SHORT,
    "LIMIT_UNIT_LABELS": LIMIT_UNIT_LABELS,
    "LEVEL_LABELS": LEVEL_LABELS,
    "DUE_LABELS": DUE_LABELS,
    "NEXT_STEP_LABELS": NEXT_STEP_LABELS,
    "OUTBOX_STATUS_LABELS": OUTBOX_STATUS_LABELS,
    "SMS_DELIVERY_LABELS": SMS_DELIVERY_LABELS,
    "WEBHOOK_DELIVERY_LABELS": WEBHOOK_DELIVERY_LABELS,
    "GRADE_LABELS": GRADE_LABELS,
    "PROPERTY_KIND_LABELS": PROPERTY_KIND_LABELS,
    "PROPERTY_STATUS_LABELS": PROPERTY_STATUS_LABELS,
    "REGISTER_EVENT_LABELS": REGISTER_EVENT_LABELS,
    "ACCESS_ACTION_LABELS": ACCESS_ACTION_LABELS,
    "CHECK_ITEM_LABELS": CHECK_ITEM_LABELS,
    "SECTION_LABELS": SECTION_LABELS,
    "PROPOSAL_TYPE_LABELS": PROPOSAL_TYPE_LABELS,
    "PROPOSAL_GRADE_LABELS": PROPOSAL_GRADE_LABELS,
    "COMMUNICATION_LABELS": COMMUNICATION_LABELS,
    "FEEDBACK_LABELS": FEEDBACK_LABELS,
}

def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(localname=localname, when=when)
    app.jinja_env.globals.update(
        LABELS, locale_code=locale_code, urgency=urgency, clock_now=now,
        ECHARTS_PATH=ECHARTS_PATH,
        channel_label=channel_label, kind_label=kind_label,
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
