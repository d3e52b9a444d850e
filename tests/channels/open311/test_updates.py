"""The updates extension: a client follows what happened to its request."""

from __future__ import annotations

from sqlalchemy import select

from cases.models import Case, CaseEvent, EventKind
from cases.models.users import User
from cases.operations import acknowledge, resolve
from channels.open311.updates import EXTENDED, STATUS_OF, extended_status
from core.db import db
from tests.channels.open311.conftest import get_both, post


def handled(client, clock, work) -> str:
    response = post(client)
    number = response.get_json()[0]["service_request_id"]
    clock.advance(minutes=5)
    work()
    case = db.session.scalar(select(Case).where(Case.tracking_number == number))
    staff = db.session.scalar(select(User).where(User.username == "chengguan"))
    clock.advance(hours=1)
    acknowledge(case, staff)
    clock.advance(hours=2)
    resolve(case, staff, "已修复地砖。")
    db.session.commit()
    return number


def test_a_client_follows_its_request_from_open_to_fixed(client, clock, work):
    number = handled(client, clock, work)
    body = get_both(client, "servicerequestupdates", None,
                    start_date="2026-11-26T00:00:00+08:00",
                    end_date="2026-11-27T00:00:00+08:00")
    mine = [u for u in body if u["service_request_id"] == number]
    assert [u["status"] for u in mine] == ["open", "action_scheduled", "in_progress", "fixed"]
    assert mine[-1]["description"] == "已修复地砖。"
    assert mine[-1]["updated_datetime"] == "2026-11-26T13:05:00+08:00"
    assert all(u["status"] in EXTENDED for u in body)
    assert len({u["update_id"] for u in body}) == len(body)


def test_updates_only_in_the_range_and_for_the_ids_asked(client, clock, work):
    number = handled(client, clock, work)
    other = post(client).get_json()[0]["service_request_id"]
    late = get_both(client, "servicerequestupdates", None,
                    start_date="2026-11-26T12:00:00+08:00",
                    end_date="2026-11-26T23:00:00+08:00", service_request_id=number)
    assert [u["status"] for u in late] == ["fixed"]
    assert other not in {u["service_request_id"] for u in late}
    body = get_both(client, "servicerequestupdates", None, expect=400,
                    start_date="2026-01-01T00:00:00+08:00",
                    end_date="2026-11-26T00:00:00+08:00")
    assert "90 days" in body[0]["description"]


def test_internal_notes_never_become_updates(client, clock, work):
    number = handled(client, clock, work)
    case = db.session.scalar(select(Case).where(Case.tracking_number == number))
    kinds = {e.kind for e in case.events if not e.public}
    body = get_both(client, "servicerequestupdates", None)
    assert len(body) == sum(1 for e in case.events if e.public)
    assert kinds.isdisjoint({EventKind.RESOLVED})


def test_every_extended_status_has_its_event():
    mapped = set(STATUS_OF.values()) | {"not_councils_responsibility", "no_further_action"}
    assert mapped == set(EXTENDED)
    refused = CaseEvent(kind=EventKind.RESOLVED, data={"outcome": "not_responsible"})
    assert extended_status(refused) == "not_councils_responsibility"
    assert extended_status(CaseEvent(kind=EventKind.MERGED, data={})) == "duplicate"
