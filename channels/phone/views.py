"""The Twilio webhooks: `/twilio/voice` (and its steps), `/twilio/sms`,
`/twilio/status`. Every request must carry a valid X-Twilio-Signature over
PUBLIC_BASE_URL + path (+ query) and the POST parameters, or gets 403.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator, get_signature_algorithm

from channels.phone.common import auth_token, public_url
from core.db import db
from core.web import csrf

log = logging.getLogger(__name__)

bp = Blueprint("phone", __name__, url_prefix="/twilio")
csrf.exempt(bp)  # Twilio signs its requests; it has no session to carry a CSRF token


def signed_url() -> str:
    """The URL Twilio requested, as the outside world names it."""
    query = request.query_string.decode("latin-1")
    return public_url(request.path + (f"?{query}" if query else ""))


@bp.before_request
def check_signature() -> None:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        log.warning("Twilio webhook %s without a signature refused", request.path)
        abort(403)
    algorithm = get_signature_algorithm(
        request.headers.get("X-Twilio-Webhooks-Signature-Settings"))
    validator = RequestValidator(auth_token(current_app.config))
    if not validator.validate(signed_url(), request.form, signature, algorithm):
        log.warning("Twilio webhook %s with a forged signature refused", request.path)
        abort(403)


@bp.errorhandler(403)
def forbidden(error) -> Response:
    return Response("Forbidden: the X-Twilio-Signature is missing or wrong.\n", 403,
                    mimetype="text/plain")


def twiml(document) -> Response:
    return Response(str(document), mimetype="text/xml")


@bp.post("/status")
def status() -> Response:
    """Call status callbacks write the call log; message status callbacks
    (MessageSid, no CallSid) record the delivery of an SMS we sent."""
    from channels.phone.calls import update_status
    from channels.phone.sms import record_delivery

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


from channels.phone import sms_views, voice  # noqa: E402,F401  (their routes join bp)
