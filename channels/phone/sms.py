"""The outbox's "sms" sender: Twilio's Messages API.

Configured only with TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN; without them
the outbox keeps the row LOCAL for administrators to read. A number that
opted out (STOP / 退订) is refused, never sent. Like every sender it only
decides "retry or not": a request that may have reached Twilio is never
retried, because a citizen must not get the same SMS twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import requests
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from channels.outbox.models import OutboxMessage
from channels.outbox.senders import SendFailed
from channels.phone.common import hotlines
from channels.phone.models import is_opted_out
from core.clock import now
from core.db import db

log = logging.getLogger(__name__)

TIMEOUT = 30.0
MAX_BODY = 1600  # Twilio's limit for one message (it splits into segments itself)


# Twilio's delivery reports of an SMS we sent (MessageStatus).
SMS_DELIVERY_LABELS = {
    "queued": _l("queued at the provider"),
    "sending": _l("being sent by the provider"),
    "sent": _l("passed to the carrier"),
    "delivered": _l("delivered"),
    "undelivered": _l("not delivered"),
    "failed": _l("failed at the provider"),
}


def opt_out_reason(phone: str) -> str | None:
    """Why the outbox must not send SMS to this number at all, or None."""
    return "the number opted out of SMS (退订)" if is_opted_out(phone) else None


class SmsSender:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.account_sid = config.get("TWILIO_ACCOUNT_SID") or ""
        self.auth_token = config.get("TWILIO_AUTH_TOKEN") or ""
        self.sender = config.get("TWILIO_SMS_FROM") or next(iter(hotlines(config)))
        self.api_base = (config.get("TWILIO_API_BASE") or "").rstrip("/")
        # Twilio reports delivery there (channels/phone/views.py records it).
        self.status_callback = (config.get("PUBLIC_BASE_URL") or "").rstrip("/") + "/twilio/status"

    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token)

    def client(self) -> Client:
        client = Client(self.account_sid, self.auth_token,
                        http_client=TwilioHttpClient(timeout=TIMEOUT))
        if self.api_base:
            client.api.base_url = self.api_base  # a stand-in speaking Twilio's protocol
        return client

    def send(self, row: OutboxMessage) -> str:
        if is_opted_out(row.recipient):
            raise SendFailed(f"{row.recipient} opted out of SMS (STOP/退订); not sent",
                             retry=False)
        body = (row.body or row.subject or "").strip()
        if not body:
            raise SendFailed("the message is empty", retry=False)
        if len(body) > MAX_BODY:
            raise SendFailed(f"longer than {MAX_BODY} characters", retry=False)
        try:
            message = self.client().messages.create(
                to=row.recipient, from_=self.sender, body=body,
                status_callback=self.status_callback)
        except TwilioRestException as exc:
            # 429 and 503: Twilio did not take it; other errors are final or unknown.
            raise SendFailed(f"Twilio {exc.status} (code {exc.code}): {exc.msg}",
                             retry=exc.status in (429, 503)) from exc
        except requests.ConnectionError as exc:
            refused = "NewConnectionError" in repr(exc) or "Failed to establish" in str(exc)
            raise SendFailed(
                f"cannot reach Twilio: {exc}" if refused else
                f"the connection to Twilio failed ({exc}); the message may or may not "
                "have been sent, so it is not sent again",
                retry=refused) from exc
        except requests.RequestException as exc:
            raise SendFailed(
                f"Twilio did not answer ({type(exc).__name__}); the message may or may not "
                "have been sent, so it is not sent again", retry=False) from exc
        log.info("SMS outbox %s accepted by Twilio as %s (%s)", row.id, message.sid,
                 message.status)
        return message.sid


# Twilio's final message states; "sent" only means a carrier took it.
DELIVERED, NOT_DELIVERED = "delivered", ("undelivered", "failed")


def record_delivery(form: Mapping[str, str]) -> OutboxMessage | None:
    """Write Twilio's delivery report onto the outbox row it concerns.

    Reports arrive out of order and more than once: a final state is never
    replaced by an earlier one. An unknown MessageSid is logged and ignored.
    """
    sid, state = form.get("MessageSid", ""), (form.get("MessageStatus") or "").lower()
    row = db.session.scalar(select(OutboxMessage).where(OutboxMessage.provider_id == sid))
    if row is None or not state:
        log.info("delivery report for unknown SMS %s (%s) ignored", sid, state)
        return None
    if row.delivery_status in (DELIVERED, *NOT_DELIVERED):
        return row
    row.delivery_status = state[:20]
    if state == DELIVERED:
        row.delivered_at = now()
    elif state in NOT_DELIVERED:
        code = form.get("ErrorCode") or "?"
        row.last_error = f"Twilio: {state} (error {code})"
    return row
