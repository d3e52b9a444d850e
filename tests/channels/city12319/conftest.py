"""The city's 12319 platform as an Open311 client of its own."""

from __future__ import annotations

import pytest

from tests.channels.open311.conftest import CITY_KEY


@pytest.fixture
def city_key(app, monkeypatch) -> str:
    """The city's 12319 platform holds a key of its own."""
    monkeypatch.setitem(app.config, "OPEN311_API_KEYS",
                        f"test-client=test-key,city-12319={CITY_KEY}")
    return CITY_KEY
