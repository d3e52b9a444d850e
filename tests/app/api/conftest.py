"""Fixtures for the REST API: tokens made by the real CLI, and a client that
sends them."""

from __future__ import annotations

import pytest

from core.db import db


class Api:
    """The test client with a bearer token; JSON in, JSON out."""

    def __init__(self, client, token: str | None) -> None:
        self.client, self.token = client, token

    def _headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self._headers())

    def post(self, path: str, body: dict | None = None):
        return self.client.post(f"/api/v1{path}", json=body or {}, headers=self._headers())


@pytest.fixture
def cli(app):
    def run(*args: str):
        db.session.commit()
        result = app.test_cli_runner().invoke(args=list(args))
        db.session.expire_all()
        return result

    return run


@pytest.fixture
def token(cli):
    """`token("chengguan")`: a new token from `flask api-token create`."""

    def make(username: str) -> str:
        result = cli("api-token", "create", username)
        assert result.exit_code == 0, result.output
        return result.stdout.strip().splitlines()[-1]

    return make


@pytest.fixture
def api(client, token):
    """`api("chengguan")`: a client acting with a fresh token of that user."""

    def make(username: str | None) -> Api:
        return Api(client, token(username) if username else None)

    return make
