"""What every part of the phone channel shares: which hotline a number is,
the public address Twilio uses, the webhook token, and how digits are read out."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from flask import current_app

from cases.citizens import InvalidPhone, normalise_phone

CHINESE_DIGITS = "零幺二三四五六七八九"  # 1 is read 幺 in numbers, so it is not heard as 7


def hotlines(config: Mapping[str, Any] | None = None) -> dict[str, str]:
    """TWILIO_NUMBERS as {E.164 number: hotline}, in the order configured.

    Refuses a malformed setting loudly: a hotline that silently answers as
    the wrong one is worse than an error at start-up.
    """
    config = config if config is not None else current_app.config
    numbers: dict[str, str] = {}
    for part in (config.get("TWILIO_NUMBERS") or "").split(","):
        if not part.strip():
            continue
        number, sep, hotline = part.partition("=")
        if not sep or not number.strip() or not hotline.strip():
            raise ValueError(f"TWILIO_NUMBERS: {part!r} is not NUMBER=HOTLINE")
        numbers[number.strip()] = hotline.strip()
    if not numbers:
        raise ValueError("TWILIO_NUMBERS names no number")
    return numbers


def hotline_for(to_number: str | None) -> str:
    """The hotline a call to this number belongs to (the first one when the
    number is unknown: the caller should not suffer for a configuration slip)."""
    numbers = hotlines()
    if to_number:
        phone = e164(to_number)
        if phone in numbers:
            return numbers[phone]
    return next(iter(numbers.values()))


def channel_for(hotline: str) -> str:
    return f"phone-{hotline}"


def e164(raw: str | None) -> str:
    """The number in E.164 when it can be read (default region PHONE_REGION),
    else as Twilio gave it (anonymous callers come as "+266696687" or empty)."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        return normalise_phone(raw, current_app.config.get("PHONE_REGION", "CN"))
    except InvalidPhone:
        return raw[:32]


def valid_phone(raw: str | None) -> str | None:
    """E.164 for a real number, None for an anonymous or unreadable one."""
    try:
        return normalise_phone(raw or "", current_app.config.get("PHONE_REGION", "CN"))
    except InvalidPhone:
        return None


def public_url(path: str) -> str:
    """The absolute URL Twilio uses for one of our paths (PUBLIC_BASE_URL,
    since the server may sit behind a proxy)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def auth_token(config: Mapping[str, Any] | None = None) -> str:
    """TWILIO_AUTH_TOKEN, or without an account a token derived from
    SECRET_KEY, so the simulator of the same instance can sign and nobody
    else can."""
    config = config if config is not None else current_app.config
    token = config.get("TWILIO_AUTH_TOKEN") or ""
    if token:
        return token
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"xietong-twilio-local",
                    hashlib.sha256).hexdigest()


def spoken_digits(number: str) -> str:
    """Digits one by one in Chinese (幺 for 1), separated so the voice pauses."""
    return "，".join(CHINESE_DIGITS[int(d)] for d in number if d.isdigit())


def heard_digits(text: str) -> str:
    """The digits a caller keyed or said: "幺二三", "一 2 3" and full-width
    digits all count."""
    text = unicodedata.normalize("NFKC", text or "")
    out = []
    for ch in text:
        if ch.isdigit() and ch.isascii():
            out.append(ch)
        elif ch in CHINESE_DIGITS:
            out.append(str(CHINESE_DIGITS.index(ch)))
        elif ch in "一〇":
            out.append("1" if ch == "一" else "0")
    return "".join(out)


TRACKING = re.compile(r"(?<!\d)\d{10}(?!\d)")
