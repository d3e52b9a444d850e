"""ID numbers at rest: encrypted with Fernet (AES-128-CBC and HMAC-SHA256,
from `cryptography`), and found by an HMAC-SHA256 of the normalised number.

Both keys are derived from the one secret REGISTER_ID_KEY with HKDF under
different labels, so the search index never shares a key with the cipher: a
leaked index cannot decrypt, and the ciphertext (randomised per row) cannot
be searched. The key comes from the configuration (core.config), never from
the code; tests set their own.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.config import setting
from register.idnumbers import IdNumber

MIN_SECRET = 16
_ENCRYPT = b"xietong register: id number encryption"
_INDEX = b"xietong register: id number search index"


class RegisterKeyError(RuntimeError):
    """The configured key cannot be used (too short), named without its value."""


def _derive(secret: str, label: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
        secret.encode())


@functools.lru_cache(maxsize=4)
def _keys(secret: str) -> tuple[Fernet, bytes]:
    if len(secret) < MIN_SECRET:
        raise RegisterKeyError(f"REGISTER_ID_KEY must have at least {MIN_SECRET} characters")
    fernet = Fernet(base64.urlsafe_b64encode(_derive(secret, _ENCRYPT)))
    return fernet, _derive(secret, _INDEX)


def _current() -> tuple[Fernet, bytes]:
    return _keys(setting("REGISTER_ID_KEY"))


def encrypt(number: IdNumber) -> str:
    return _current()[0].encrypt(number.value.encode()).decode()


def decrypt(token: str) -> str:
    """The plain number: only for a logged reveal or an export with the right."""
    try:
        return _current()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        raise RegisterKeyError("an ID number could not be decrypted with REGISTER_ID_KEY") from None


def index(number: IdNumber) -> str:
    """The search index of a number: HMAC-SHA256 with the derived index key."""
    return hmac.new(_current()[1], number.value.encode(), hashlib.sha256).hexdigest()
