"""The city's 12319 platform: cases down through Open311 with its own key,
one case per city case number, the city's deadline, status pushed back up
signed, retried until the city accepts."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from cases.models import Case
from cases.models.users import User
from cases.operations import acknowledge, resolve
from channels.city12319.link import CITY_CHANNEL, link
from channels.city12319.models import CityCase, CityPush
from channels.city12319.push import (
    MAX_AGE_SECONDS,
    RETRY_DELAYS,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign,
    verify,
)
from core.db import db
from tests.channels.mail import run_scheduled
from tests.channels.open311.conftest import error_of, get_both, post
from tests.support import SignedReceiver

SECRET = "shared-with-the-city"
DEADLINE = "2026-11-28T18:00:00+08:00"


def city_post(client, number: str = "SH12319-2026-000123", **fields):
    return post(client, api_key="city-key", **{"attribute[city_case_id]": number}, **fields)


def cases() -> list[Case]:
    db.session.rollback()
    return list(db.session.scalars(select(Case)))


def test_a_city_case_comes_down_with_the_city_as_channel(client, city_key):
    response = city_post(client)
    assert response.status_code == 201, response.get_data(as_text=True)
    [case] = cases()
    assert case.channel == CITY_CHANNEL == "open311:city-12319"
    row = db.session.scalar(select(CityCase))
    assert row.city_case_id == "SH12319-2026-000123" and row.case_id == case.id


def test_the_same_city_case_number_never_makes_two_cases(client, city_key):
    first = city_post(client).get_json()[0]["service_request_id"]
    again = city_post(client, description="重复推送")
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == first
    assert len(cases()) == 1
    other = city_post(client, number="SH12319-2026-000124")
    assert other.status_code == 201 and len(cases()) == 2


def test_the_database_refuses_a_second_case_for_a_number(client, city_key, make_case):
    one, two = make_case(), make_case()
    link(one, "SH-1", None)
    db.session.commit()
    with pytest.raises(IntegrityError):
        link(two, "SH-1", None)
    db.session.rollback()


def test_concurrent_posts_of_one_number_make_one_case(app, client, city_key):
    barrier = threading.Barrier(4)
    answers: list[tuple[int, str]] = []

    def send() -> None:
        with app.app_context(), app.test_client() as own:
            barrier.wait()
            response = city_post(own)
            body = response.get_json()
            answers.append((response.status_code, body[0].get("service_request_id", "")))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cases()) == 1
    created = [a for a in answers if a[0] in (200, 201)]
    assert {number for _, number in created} == {cases()[0].tracking_number}
    # One makes the case; the others name it. On SQLite the writers take the
    # write lock in turn and find it made; on PostgreSQL the unique constraint
    # decides. A retry names the one case too.
    assert sorted(status for status, _ in answers) == [200, 200, 200, 201], answers
    again = city_post(client)
    assert again.status_code == 200
    assert again.get_json()[0]["service_request_id"] == cases()[0].tracking_number


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"attribute[city_case_id]": None}, "city_case_id] is required"),
        ({"attribute[city_case_id]": "x" * 65}, "longer than 64"),
        ({"attribute[city_deadline]": "Friday"}, "ISO 8601"),
        ({"attribute[city_deadline]": "2026-11-28T18:00:00"}, "time zone"),
    ],
)
def test_a_bad_city_post_is_400(client, city_key, fields, words):
    response = post(client, api_key="city-key",
                    **{"attribute[city_case_id]": "SH-9", **fields})
    assert words in error_of(response, 400)
    assert cases() == []


def test_the_city_deadline_overrides_the_local_limit(client, city_key, work, clock):
    number = city_post(client, **{"attribute[city_deadline]": DEADLINE}).get_json()[0][
        "service_request_id"]
    local = post(client).get_json()[0]["service_request_id"]
    work()
    [city] = get_both(client, f"requests/{number}", "requests.json")
    [mine] = get_both(client, f"requests/{local}", "requests.json")
    assert city["expected_datetime"] == DEADLINE
    assert mine["expected_datetime"] != DEADLINE  # the local time limit
    case = next(c for c in cases() if c.tracking_number == number)
    assert case.lead_assignment.resolve_due == datetime.fromisoformat(DEADLINE)


# --- status up --------------------------------------------------------------


class CityReceiver(SignedReceiver):
    """The city's push endpoint on loopback: refuses the first `failures`
    pushes with 503, checks the signature (against the injected clock) and
    keeps what it accepts."""

    def __init__(self, clock, failures: int = 2) -> None:
        super().__init__(clock, self._signed, failures)

    def _signed(self, headers, body: bytes, now: float) -> bool:
        return verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], now)


@pytest.fixture
def city(app, clock, city_key, monkeypatch):
    receiver = CityReceiver(clock)
    monkeypatch.setitem(app.config, "CITY_PUSH_URL", receiver.url)
    monkeypatch.setitem(app.config, "CITY_PUSH_SECRET", SECRET)
    yield receiver
    receiver.close()


def test_every_public_change_goes_up_signed_until_the_city_accepts(client, city, work,
                                                                   clock, redis):
    number = city_post(client).get_json()[0]["service_request_id"]
    work()  # dispatch, and the first push attempts
    assert city.accepted == [] and city.refused == 2  # "received" and "dispatched" refused
    pushes = list(db.session.scalars(select(CityPush).order_by(CityPush.id)))
    assert [p.attempts for p in pushes] == [1, 1]
    assert pushes[0].last_error == "HTTP 503"
    assert pushes[0].next_attempt_at == clock.now() + timedelta(seconds=RETRY_DELAYS[0])
    clock.advance(seconds=RETRY_DELAYS[0])
    run_scheduled(redis, "sync")
    work()
    got = [(u["status"], u["city_case_id"], u["service_request_id"]) for u in city.accepted]
    assert got == [("open", "SH12319-2026-000123", number),
                   ("action_scheduled", "SH12319-2026-000123", number)]

    case = next(c for c in cases() if c.tracking_number == number)
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    acknowledge(case, staff)
    resolve(case, staff, "已修复地砖。")
    db.session.commit()
    work()
    assert [u["status"] for u in city.accepted][2:] == ["in_progress", "fixed"]
    assert city.accepted[-1]["description"] == "已修复地砖。"
    db.session.rollback()
    assert db.session.scalar(
        select(func.count()).select_from(CityPush).where(CityPush.delivered_at.is_(None))) == 0


def test_other_cases_are_not_pushed(client, city, work):
    post(client)
    work()
    assert city.accepted == [] and city.refused == 0


def test_a_replay_or_a_forgery_is_refused_by_the_receiver():
    body, at = b'{"x": 1}', 1_800_000_000
    good = sign(SECRET, str(at), body)
    assert verify(SECRET, str(at), body, good, at + MAX_AGE_SECONDS)
    assert not verify(SECRET, str(at), body, good, at + MAX_AGE_SECONDS + 1)
    assert not verify(SECRET, str(at), b'{"x": 2}', good, at)
    assert not verify("another", str(at), body, good, at)
    assert not verify(SECRET, "soon", body, good, at)


def test_a_push_lost_from_redis_is_sent_by_the_reconciler(client, city, work, redis):
    from channels.city12319.push import reconcile

    city.failures = 0
    number = city_post(client).get_json()[0]["service_request_id"]
    redis.flushdb()  # Redis restarted empty: the push job is gone
    assert work() == 0 and city.accepted == []
    assert reconcile() == 1
    work()
    assert [(u["status"], u["service_request_id"]) for u in city.accepted] == [("open", number)]
    assert reconcile() == 0  # delivered: nothing owed
