"""ID numbers at rest: encrypted (a different ciphertext each time), found
by an HMAC that needs the key, both keys derived from REGISTER_ID_KEY."""

from __future__ import annotations

import pytest

from core.config import _register_key
from register import crypto
from register.idnumbers import parse
from tests.register.support import id_number


def test_a_number_is_encrypted_and_decrypted_with_the_configured_key():
    number = parse(id_number())
    token = crypto.encrypt(number)
    assert number.value not in token
    assert crypto.encrypt(number) != token  # randomised: equal numbers do not show
    assert crypto.decrypt(token) == number.value


def test_the_search_index_is_stable_and_depends_on_the_key(app):
    number = parse(id_number())
    index = crypto.index(number)
    assert index == crypto.index(parse(id_number())) and len(index) == 64
    assert index != crypto.index(parse(id_number(seq=124)))
    app.config["REGISTER_ID_KEY"] = "another-register-key-0123456789"
    try:
        assert crypto.index(number) != index
        with pytest.raises(crypto.RegisterKeyError):
            crypto.decrypt(crypto._keys("test-register-key-0123456789abcdef")[0]
                           .encrypt(b"x").decode())
    finally:
        app.config["REGISTER_ID_KEY"] = "test-register-key-0123456789abcdef"


def test_a_short_key_is_refused_by_name_without_its_value(app):
    app.config["REGISTER_ID_KEY"] = "short"
    try:
        with pytest.raises(crypto.RegisterKeyError) as refused:
            crypto.index(parse(id_number()))
        assert "REGISTER_ID_KEY" in str(refused.value) and "short" not in str(refused.value)
    finally:
        app.config["REGISTER_ID_KEY"] = "test-register-key-0123456789abcdef"


def test_the_embedded_default_key_is_generated_once_under_the_instance(tmp_path):
    first = _register_key(tmp_path)
    assert len(first) >= crypto.MIN_SECRET and _register_key(tmp_path) == first
    assert (tmp_path / "register_id_key").stat().st_mode & 0o777 == 0o600
