"""Webhooks are added with `flask webhook add` and watched through the REST
API: the same fixtures as the API's tests."""

from __future__ import annotations

from tests.app.api.conftest import api, cli, token  # noqa: F401 - fixtures
