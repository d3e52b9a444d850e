"""GET requests: the standard's filters and the date-range rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases.models import Case
from cases.models.users import User
from cases.operations import acknowledge, resolve
from core.db import db
from tests.channels.open311.conftest import V2, error_of, get_both, post

NOW = "2026-11-26T10:00:00+08:00"  # the frozen clock


def make(client, clock, days_ago: float = 0, **fields) -> str:
    clock.advance(days=-days_ago)
    response = post(client, **fields)
    clock.advance(days=days_ago)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()[0]["service_request_id"]


def ids(body) -> list[str]:
    return [r["service_request_id"] for r in body]


def test_by_default_the_last_90_days_newest_first(client, clock):
    old = make(client, clock, days_ago=91)
    middle = make(client, clock, days_ago=30)
    new = make(client, clock, days_ago=1)
    body = get_both(client, "requests", "requests.json")
    assert ids(body) == [new, middle]
    assert old not in ids(body)


def test_a_date_range_in_any_zone(client, clock):
    make(client, clock, days_ago=10)
    inside = make(client, clock, days_ago=5)
    make(client, clock, days_ago=1)
    body = get_both(client, "requests", "requests.json",
                    start_date="2026-11-20T00:00:00Z", end_date="2026-11-22T00:00:00+08:00")
    assert ids(body) == [inside]


def test_a_start_date_alone_covers_the_90_days_after_it(client, clock):
    first = make(client, clock, days_ago=100)
    make(client, clock, days_ago=1)
    body = get_both(client, "requests", "requests.json", start_date="2026-08-17T00:00:00+08:00")
    assert ids(body) == [first]


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-11-26T00:00:00+08:00"},
         "at most 90 days"),
        ({"start_date": "2026-11-26T00:00:00+08:00", "end_date": "2026-11-20T00:00:00+08:00"},
         "not be after"),
        ({"start_date": "2026-11-20T00:00:00"}, "time zone"),
        ({"end_date": "last week"}, "ISO 8601"),
        ({"start_date": "2026-01-01T00:00:00+08:00"}, None),  # fine: 90 days from then
        ({"status": "pending"}, "open or closed"),
    ],
)
def test_the_date_and_status_rules(client, clock, query, words):
    if words is None:
        get_both(client, "requests", "requests.json", **query)
        return
    body = get_both(client, "requests", None, expect=400, **query)
    assert words in body[0]["description"]


def test_service_request_ids_override_every_other_filter(client, clock):
    old = make(client, clock, days_ago=200)
    new = make(client, clock, service_code="garbage", address_string="港湾路15号")
    body = get_both(client, "requests", "requests.json",
                    service_request_id=f"{old}, {new},9999", service_code="road-damage",
                    status="closed", start_date="2026-11-25T00:00:00+08:00")
    assert ids(body) == [new, old]


def test_service_codes_and_status_filter(client, clock, work):
    road = make(client, clock)
    garbage = make(client, clock, service_code="garbage")
    work()
    case = db.session.scalar(select(Case).where(Case.tracking_number == road))
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    acknowledge(case, staff)
    resolve(case, staff, "已修复。")
    db.session.commit()
    both = get_both(client, "requests", "requests.json", service_code="road-damage,garbage")
    assert sorted(ids(both)) == sorted([road, garbage])
    assert ids(get_both(client, "requests", "requests.json", service_code="garbage")) == [garbage]
    assert ids(get_both(client, "requests", "requests.json", status="closed")) == [road]
    assert ids(get_both(client, "requests", "requests.json", status="open")) == [garbage]
    [closed] = get_both(client, "requests", "requests.json", service_request_id=road)
    assert closed["status_notes"] == "已修复。"
    assert closed["agency_responsible"] and closed["expected_datetime"]


def test_at_most_1000_requests(client, clock, monkeypatch):
    from channels.open311 import query

    monkeypatch.setattr(query, "MAX_RESULTS", 2)
    for _ in range(3):
        make(client, clock)
    assert len(get_both(client, "requests", "requests.json")) == 2


def test_an_empty_result_is_an_empty_list(client):
    assert client.get(f"{V2}/requests.json").get_json() == []
    assert error_of(client.get(f"{V2}/requests.json", query_string={"status": "x"}), 400)
