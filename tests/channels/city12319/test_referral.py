"""Referral up (上报): the district, as an Open311 client, sends a case to the
city; here the city is a second Xietong app with its own database and Redis
database, served on loopback."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask_migrate import upgrade
from redis import Redis
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.demo.loader import load_demo
from cases.models import Case, EventKind
from cases.models.users import User
from cases.operations import acknowledge, resolve
from channels.city12319.models import CityReferral
from channels.city12319.referral import poll
from core.db import db
from tests.conftest import _test_config
from tests.support import login, run_jobs

DISTRICT_KEY = "huangpu-district-key"


class City:
    def __init__(self, app: Flask, url: str, redis: Redis) -> None:
        self.app, self.url, self.redis = app, url, redis

    def case(self, number: str) -> Case:
        case = db.session.scalar(select(Case).where(Case.tracking_number == number))
        assert case is not None
        return case


@pytest.fixture(scope="module")
def city_app(app, redis_url, tmp_path_factory) -> Iterator[City]:
    folder = tmp_path_factory.mktemp("city")
    redis = redis_url + ("&" if "?" in redis_url else "?") + "db=1"
    config = _test_config(f"sqlite:///{folder / 'city.db'}", redis, str(folder))
    config["OPEN311_API_KEYS"] = f"huangpu-district={DISTRICT_KEY}"
    city = create_app(config)
    with city.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        connection = Redis.from_url(redis)
    server = make_server("127.0.0.1", 0, city, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield City(city, f"http://127.0.0.1:{server.server_port}/open311/v2", connection)
    server.shutdown()
    server.server_close()
    thread.join(5)


@pytest.fixture
def city(app, city_app, monkeypatch) -> City:
    monkeypatch.setitem(app.config, "CITY_OPEN311_URL", city_app.url)
    monkeypatch.setitem(app.config, "CITY_OPEN311_KEY", DISTRICT_KEY)
    return city_app


def referred(client, make_case, work, reason: str = "跨区道路，需市级协调") -> Case:
    case = make_case()
    work()
    login(client, "supervisor")
    response = client.post(f"/city12319/cases/{case.tracking_number}/refer",
                           data={"reason": reason})
    assert response.status_code == 302
    return case


def public_messages(case: Case) -> list[str]:
    db.session.expire_all()
    return [e.message for e in case.events if e.public and e.message]


def test_a_referred_case_is_made_at_the_city_and_its_status_comes_back(
        client, make_case, work, city):
    case = referred(client, make_case, work)
    work()  # the send job posts to the city
    referral = db.session.scalar(select(CityReferral))
    assert referral.city_request_id and referral.attempts == 1
    assert public_messages(case)[-1] == f"市12319平台：已受理（编号 {referral.city_request_id}）"
    note = [e for e in case.events if e.kind is EventKind.NOTE][-1]
    assert note.message == "上报市12319平台：跨区道路，需市级协调" and not note.public

    number = referral.city_request_id
    assert poll() == 0  # the city's request is open, nothing new
    with city.app.app_context():
        run_jobs(city.redis)  # the city dispatches its case
        at_city = city.case(number)
        assert at_city.channel == "open311:huangpu-district"
        staff = db.session.scalar(
            select(User).where(User.unit_id == at_city.lead_assignment.unit_id))
        acknowledge(at_city, staff)
        resolve(at_city, staff, "市级已协调修复。")
        db.session.commit()
    assert poll() == 1
    assert public_messages(case)[-1] == "市12319平台：市级已协调修复。"
    db.session.refresh(referral)
    assert referral.city_status == "closed" and referral.closed_at is not None
    assert poll() == 0  # closed: no longer polled
    status = client.get(f"/open311/v2/requests/{case.tracking_number}.json").get_json()[0]
    assert status["status_notes"] == "市12319平台：市级已协调修复。"


def test_a_refusal_by_the_city_is_final_and_noted_for_staff(client, make_case, work, city,
                                                           app, monkeypatch):
    monkeypatch.setitem(app.config, "CITY_OPEN311_KEY", "wrong")
    case = referred(client, make_case, work)
    work()
    referral = db.session.scalar(select(CityReferral))
    assert referral.failed and referral.last_error.startswith("HTTP 403")
    notes = [e.message for e in case.events if e.kind is EventKind.NOTE]
    assert notes[-1].startswith("市12319平台拒绝上报：HTTP 403")


def test_the_city_unreachable_is_retried_with_backoff(client, make_case, work, app, clock,
                                                      monkeypatch, redis):
    monkeypatch.setitem(app.config, "CITY_OPEN311_URL", "http://127.0.0.1:9/open311/v2")
    referred(client, make_case, work)
    work()
    referral = db.session.scalar(select(CityReferral))
    assert referral.city_request_id is None and referral.attempts == 1
    assert referral.last_error.startswith("ConnectionError")
    assert referral.next_attempt_at > clock.now()


def test_only_supervisors_refer_and_a_reason_is_required(client, make_case, work, city):
    case = make_case()
    login(client, "chengguan")
    assert client.post(f"/city12319/cases/{case.tracking_number}/refer",
                       data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login(client, "supervisor")
    client.post(f"/city12319/cases/{case.tracking_number}/refer", data={"reason": " "})
    assert db.session.scalar(select(CityReferral)) is None
    client.post(f"/city12319/cases/{case.tracking_number}/refer", data={"reason": "需市级处理"})
    client.post(f"/city12319/cases/{case.tracking_number}/refer", data={"reason": "again"})
    assert len(list(db.session.scalars(select(CityReferral)))) == 1


def test_the_case_page_offers_the_referral_to_supervisors_only(client, make_case, work):
    case = make_case()
    work()
    page_url = f"/cases/{case.tracking_number}"
    login(client, "supervisor")
    page = client.get(page_url).get_data(as_text=True)
    assert f'action="/city12319/cases/{case.tracking_number}/refer"' in page
    client.post("/logout")
    login(client, "chengguan")
    page = client.get(page_url).get_data(as_text=True)
    assert "/refer" not in page


def test_a_poll_that_cannot_reach_the_city_notes_it_and_the_next_one_catches_up(
        client, make_case, work, city, app, monkeypatch):
    case = referred(client, make_case, work)
    work()
    referral = db.session.scalar(select(CityReferral))
    with city.app.app_context():
        run_jobs(city.redis)
        at_city = city.case(referral.city_request_id)
        staff = db.session.scalar(
            select(User).where(User.unit_id == at_city.lead_assignment.unit_id))
        acknowledge(at_city, staff)
        resolve(at_city, staff, "市级已协调修复。")
        db.session.commit()
    monkeypatch.setitem(app.config, "CITY_OPEN311_URL", "http://127.0.0.1:9/open311/v2")
    assert poll() == 0
    db.session.refresh(referral)
    assert referral.last_error == "poll: ConnectionError" and referral.city_status == "open"
    monkeypatch.setitem(app.config, "CITY_OPEN311_URL", city.url)
    assert poll() == 1
    assert public_messages(case)[-1] == "市12319平台：市级已协调修复。"
    db.session.refresh(referral)
    assert referral.city_status == "closed" and referral.closed_at is not None
