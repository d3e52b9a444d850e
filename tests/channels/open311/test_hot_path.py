"""The bench's hot path (POST requests.json, GET requests/<id>.json) makes no
query for what this API added: attribute definitions are cached, extras
are joined into the one select, city links are looked up for the city only."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from core.db import db
from tests.channels.open311.conftest import V2, post


@contextmanager
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def added_tables(sql: list[str]) -> list[str]:
    return [s for s in sql if "open311_attributes" in s or "city_" in s
            or ("open311_requests" in s and "JOIN" not in s)]


def test_a_plain_post_and_read_touch_none_of_the_new_tables(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OPEN311_ATTRIBUTE_CACHE_SECONDS", 30)
    post(client)  # warms the attribute cache for the category
    with statements(app) as sql:
        number = post(client).get_json()[0]["service_request_id"]
    assert added_tables(sql) == []
    with statements(app) as sql:
        assert client.get(f"{V2}/requests/{number}.json").status_code == 200
    assert added_tables(sql) == []
    assert sum("FROM cases" in s for s in sql) == 1
