"""The Twilio webhooks: `/twilio/voice` (and its steps, channels/phone/voice.py),
`/twilio/sms` (channels/phone/sms_views.py), `/twilio/status` (here). The
blueprint and its signature check are in channels/phone/blueprint.py.
"""

from __future__ import annotations

import logging

from flask import Response, request

from channels.phone import sms_views, voice  # noqa: F401 - their routes join bp
from channels.phone.blueprint import bp
from channels.phone.calls import update_status
from channels.phone.sms import record_delivery
from core.db import db

__all__ = ["bp"]

log = logging.getLogger(__name__)


@bp.post("/status")
def status() -> Response:
    """Call status callbacks write the call log; message status callbacks
    (MessageSid, no CallSid) record the delivery of an SMS we sent."""
    if not request.form.get("CallSid"):
        if request.form.get("MessageSid"):
            record_delivery(request.form)
            db.session.commit()
        return Response(status=204)
    try:
        update_status(request.form)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("call status for %s not recorded", request.form.get("CallSid"))
        return Response("the call log could not be written; try again\n", 503,
                        mimetype="text/plain")
    return Response(status=204)

