"""The one source of settings: PORT and PUBLIC_BASE_URL agree."""

from __future__ import annotations

import pytest

from core.config import load_config

pytestmark = pytest.mark.nodb


def test_public_base_url_follows_port_unless_set(monkeypatch, tmp_path):
    # Blank counts as unset, and keeps a developer's .env out.
    monkeypatch.setenv("XIETONG_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "test")
    monkeypatch.setenv("PUBLIC_BASE_URL", "")
    monkeypatch.setenv("PORT", "5090")
    assert load_config()["PUBLIC_BASE_URL"] == "http://127.0.0.1:5090"
    monkeypatch.setenv("PORT", "")
    assert load_config()["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://hotline.huangpu.example")
    monkeypatch.setenv("PORT", "5090")
    assert load_config()["PUBLIC_BASE_URL"] == "https://hotline.huangpu.example"
