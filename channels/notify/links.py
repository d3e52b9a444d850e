"""Signed links in messages: the citizen opens their case on /track without
typing the tracking number and phone digits. The signature (itsdangerous,
keyed by SECRET_KEY) is the only key; a changed link is refused."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from core.config import number

SALT = "xietong-track-link"


class LinkRefused(Exception):
    """The link was altered, or is too old; `expired` says which."""

    def __init__(self, expired: bool) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def case_token(case_id: int, tracking_number: str) -> str:
    return _serializer().dumps({"c": case_id, "t": tracking_number})


def case_link(case_id: int, tracking_number: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}/track/{case_token(case_id, tracking_number)}"


def read_token(token: str) -> tuple[int, str]:
    """(case id, tracking number) of a valid token, else LinkRefused."""
    max_age = int(number("TRACK_LINK_DAYS") * 86400)
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkRefused(expired=True) from None
    except BadSignature:
        raise LinkRefused(expired=False) from None
    if not isinstance(data, dict) or not isinstance(data.get("c"), int):
        raise LinkRefused(expired=False)
    return data["c"], str(data.get("t", ""))
