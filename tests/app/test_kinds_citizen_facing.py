"""Only petitions face citizens: a supervision item never appears on /track,
Open311, /stats, the citizen's notifications or the city push, even when it
carries what would make a petition appear there (a valid ten-digit number,
a citizen with a phone)."""

from __future__ import annotations

from sqlalchemy import select

from cases.citizens import find_or_create_citizen
from cases.matters import create_matter
from cases.models import Case
from cases.models.users import User
from cases.recipients import citizen_addresses
from cases.tracking import new_tracking_number
from core.db import db
from tests.html import parse

V2 = "/open311/v2"
ITEM = {"title": "推进某某项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30"}


def supervision_item() -> Case:
    """A supervision item disguised as a petition as far as the surfaces go."""
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    item = create_matter("supervision", ITEM, supervisor)
    item.tracking_number = new_tracking_number()
    item.citizen = find_or_create_citizen("+8613800138000", "王先生", "wang@example.com")
    db.session.commit()
    return item


def test_the_query_helper_keeps_only_petitions(make_case):
    petition = make_case()
    supervision_item()
    assert db.session.scalars(select(Case.id).where(Case.citizen_facing())).all() \
        == [petition.id]


def test_track_does_not_find_a_supervision_item(client):
    item = supervision_item()
    response = client.post("/track", data={"tracking_number": item.tracking_number,
                                           "phone_last4": "8000"})
    page = parse(response)
    assert page.find(id="case") is None and page.find(id="not-found") is not None


def test_open311_lists_and_finds_only_petitions(client, make_case):
    petition = make_case()
    item = supervision_item()
    listed = client.get(f"{V2}/requests.json").get_json()
    assert [r["service_request_id"] for r in listed] == [petition.tracking_number]
    assert client.get(f"{V2}/requests/{item.tracking_number}.json").status_code == 404
    services = client.get(f"{V2}/services.json").get_json()
    assert all(s["service_code"] != "supervision" for s in services)


def test_public_statistics_count_only_petitions(client, make_case, clock):
    make_case()
    supervision_item()
    day = clock.now().date().isoformat()
    query = {"from": day, "to": day, "unit_type": "department"}
    body = client.get("/api/v1/evaluation", query_string=query).get_json()
    assert body["by_address"]["total"]["received"] == 1
    page = client.get("/stats", query_string={"period": "day", "day": day})
    assert page.status_code == 200


def test_a_supervision_item_notifies_no_citizen():
    item = supervision_item()
    assert citizen_addresses(item) == []
    assert citizen_addresses(item, parties=True) == []
