"""The Twilio webhooks' blueprint: every request must carry a valid X-Twilio-Signature over
PUBLIC_BASE_URL + path (+ query) and the POST parameters, or gets 403.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, current_app, request
from twilio.request_validator import RequestValidator, get_signature_algorithm

from channels.phone.common import auth_token, public_url
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
