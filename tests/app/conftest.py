"""Fixtures shared by the page tests."""

from __future__ import annotations

import pytest

from tests.support import login


@pytest.fixture
def admin(client):
    """The test client, signed in as the demo administrator."""
    login(client, "admin")
    return client
