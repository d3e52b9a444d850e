"""Fixtures shared by the page tests."""

from __future__ import annotations

import pytest

from tests.api.conftest import cli, token  # noqa: F401 - fixtures: tokens by the real CLI
from tests.support import login


@pytest.fixture
def admin(client):
    """The test client, signed in as the demo administrator."""
    login(client, "admin")
    return client
