"""The API's fixtures (tokens made by the real CLI), for the outbox API."""

from tests.api.conftest import cli, token  # noqa: F401 - fixtures
