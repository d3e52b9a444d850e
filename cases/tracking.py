"""Tracking numbers: ten digits, easy to read out over the phone.

Nine random digits (so numbers cannot be guessed in sequence) and a Luhn
check digit, so a mistyped digit is caught before any lookup.
"""

from __future__ import annotations

import secrets

LENGTH = 10


def _luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def new_tracking_number() -> str:
    payload = str(secrets.randbelow(9 * 10**8) + 10**8)  # 9 digits, no leading zero
    return with_check_digit(payload)


def with_check_digit(payload: str) -> str:
    """Nine digits and their check digit: a valid number (the bench seeds them)."""
    return payload + _luhn_digit(payload)


def normalise(text: str | None) -> str:
    """Keep the digits a person typed, allowing spaces, dashes and full-width digits."""
    import unicodedata

    if not text:
        return ""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def is_valid(number: str) -> bool:
    return (
        len(number) == LENGTH
        and number.isascii()
        and number.isdigit()
        and _luhn_digit(number[:-1]) == number[-1]
    )
