"""Fixtures of the register's page tests: a client signed in as someone."""

from __future__ import annotations

import pytest

from tests.support import login


@pytest.fixture
def signed_in(app):
    """`signed_in("huangpu-dongyuan-g1")`: a fresh client signed in as that user."""

    def make(username: str):
        client = app.test_client()
        assert login(client, username).status_code == 302, username
        return client

    return make
