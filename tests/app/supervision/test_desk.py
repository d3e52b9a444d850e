"""The supervisor desk: escalated and soon-due cases by level and age, the
pending extension requests, the filters, the roles."""

from __future__ import annotations

import re

import pytest

import app.supervision
from cases import operations
from core.db import db
from escalation import operations as supervision
from escalation.jobs import sweep
from tests.app.supervision.helpers import at, user
from tests.support import login


def desk(client, **params) -> str:
    response = client.get("/supervision", query_string=params)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def row(page: str, tracking_number: str) -> str:
    """The desk's table row of this case ('' when it is not listed)."""
    match = re.search(
        rf'<tr class="level-\d"[^>]*data-tracking-number="{tracking_number}">.*?</tr>',
        page, re.S,
    )
    return match.group(0) if match else ""


def listed(page: str) -> list[str]:
    """Tracking numbers of the escalated / soon-due table, in order."""
    return re.findall(r'data-tracking-number="(\d+)"', page)


def settle(case) -> None:
    """The unit signs for the case and contacts the citizen: nothing is due soon."""
    staff = user("chengguan") if case.lead_assignment.unit.code == "city-management" else None
    staff = staff or user("huanbao")
    operations.acknowledge(case, staff)
    operations.record_contact(case, staff)
    db.session.commit()


def test_the_desk_lists_an_escalated_case_at_its_level(client, road_case, clock):
    tn = road_case.tracking_number
    login(client, "supervisor")
    page = desk(client)
    assert 'class="level-0"' in row(page, tn)  # due at 16:00 today: soon
    assert "2026-11-26 16:00" in row(page, tn)

    clock.at = at(11, 26, 16, 1)  # the deadline to sign for it has passed
    sweep()
    page = desk(client)
    assert 'class="level-1"' in row(page, tn)
    assert "2026-11-26 16:00" in row(page, tn)  # the deadline, in Shanghai time

    clock.at = at(11, 27, 16, 1)  # one working day later: the supervision office
    sweep()
    page = desk(client)
    assert 'class="level-2"' in row(page, tn)

    clock.at = at(12, 4, 16, 1)  # five working days late: formal notice
    sweep()
    assert 'class="level-3"' in row(desk(client), tn)


def test_deadlines_show_the_time_left_and_the_time_overdue(client, road_case, clock):
    clock.at = at(11, 26, 17, 0)  # an hour after the deadline to sign for it
    client.get("/lang/en")
    login(client, "supervisor")
    html = row(desk(client), road_case.tracking_number)
    assert re.search(r'class="due overdue">2026-11-26 16:00</span>\s*'
                     r'<span class="left">overdue by 1 hour</span>', html)
    # to contact the citizen: by the end of the next working day
    assert re.search(r'class="due soon">2026-11-27 17:30</span>\s*'
                     r'<span class="left">1 day left</span>', html)
    client.get("/lang/zh_CN")
    html = row(desk(client), road_case.tracking_number)
    assert "逾期 1小时" in html or "逾期1小时" in html


def test_highest_level_first_then_the_oldest(client, clock, make_case, work):
    clock.at = at(11, 26, 9, 0)
    first = make_case()
    clock.at = at(11, 26, 9, 30)
    second = make_case()
    clock.at = at(11, 26, 10, 0)
    third = make_case()
    work()
    clock.at = at(11, 27, 16, 0)  # all three overdue to sign for
    sweep()
    third.lead_assignment.escalation_level = 3  # as if it had waited longer
    db.session.commit()
    login(client, "supervisor")
    assert listed(desk(client)) == [
        third.tracking_number, first.tracking_number, second.tracking_number
    ]


def test_a_case_in_time_is_not_listed_and_the_empty_state_says_so(client, road_case):
    settle(road_case)  # resolve is due in 13 working days
    login(client, "supervisor")
    page = desk(client)
    assert listed(page) == []
    assert 'id="desk-empty"' in page
    assert 'id="extensions"' in page


def test_a_resolved_case_leaves_the_desk_even_when_it_was_escalated(
    client, road_case, clock
):
    clock.at = at(11, 27, 9, 0)
    sweep()
    staff = user("chengguan")
    operations.acknowledge(road_case, staff)
    operations.resolve(road_case, staff, "已修复")
    db.session.commit()
    login(client, "supervisor")
    assert road_case.tracking_number not in listed(desk(client))


def test_pending_extensions_have_their_own_section(client, road_case, clock):
    settle(road_case)
    supervision.request_extension(
        road_case, user("chengguan"), at(12, 31, 17, 30), "需要协调燃气公司迁改管线"
    )
    db.session.commit()
    login(client, "supervisor")
    page = desk(client)
    section = page.split('id="extensions"')[1].split('id="escalated"')[0]
    assert road_case.tracking_number in section
    assert "需要协调燃气公司迁改管线" in section and "2026-12-31 17:30" in section
    assert listed(page) == []  # not due soon, not escalated


@pytest.fixture
def three_cases(clock, make_case, work):
    """Road damage in Huangpu street by the web form; noise in Hongshan street
    by the 95100 hotline; garbage (the street's own case) in Hongshan by 12319."""
    clock.at = at(11, 26, 10, 0)
    road = make_case(category_code="road-damage", address_text="港湾路15号")
    noise = make_case(category_code="noise", address_text="石化路20号", channel="phone-95100")
    garbage = make_case(category_code="garbage", address_text="石化路30号",
                        channel="phone-12319")
    work()
    return road, noise, garbage


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"road", "noise", "garbage"}),
        ({"unit": "environment"}, {"noise"}),
        ({"unit": "hongshan-street"}, {"garbage"}),
        ({"street": "hongshan-street"}, {"noise", "garbage"}),
        ({"street": "huangpu-street"}, {"road"}),
        ({"category": "road-damage"}, {"road"}),
        ({"channel": "phone-95100"}, {"noise"}),
        ({"channel": "web"}, {"road"}),
        ({"street": "hongshan-street", "channel": "phone-12319"}, {"garbage"}),
        ({"unit": "water"}, set()),
    ],
)
def test_filters(client, three_cases, params, expected):
    road, noise, garbage = three_cases
    names = {road.tracking_number: "road", noise.tracking_number: "noise",
             garbage.tracking_number: "garbage"}
    login(client, "supervisor")
    page = desk(client, **params)
    assert {names[tn] for tn in listed(page)} == expected
    assert ('id="desk-empty"' in page) is not expected


def test_filters_narrow_the_extension_requests_too(client, three_cases):
    road, noise, _ = three_cases
    settle(road)
    supervision.request_extension(road, user("chengguan"), at(12, 31, 17, 30), "等待材料")
    db.session.commit()
    login(client, "supervisor")
    section = lambda page: page.split('id="extensions"')[1].split('id="escalated"')[0]  # noqa: E731
    assert road.tracking_number in section(desk(client, unit="city-management"))
    assert road.tracking_number not in section(desk(client, unit="environment"))


def test_an_unknown_filter_value_is_a_field_error_not_a_500(client, three_cases):
    login(client, "supervisor")
    page = desk(client, unit="no-such-unit", category="road-damage")
    assert 'class="field has-error"' in page
    assert len(listed(page)) == 1  # the valid filter still applies
    assert client.get("/supervision?page=999").status_code == 200
    assert client.get("/supervision?page=abc&ext_page=-1").status_code == 200


def test_pages(client, three_cases, monkeypatch):
    monkeypatch.setattr(app.supervision, "PAGE_SIZE", 2)
    login(client, "supervisor")
    first = desk(client)
    assert len(listed(first)) == 2 and 'href="/supervision?page=2"' in first
    second = desk(client, page=2)
    assert len(listed(second)) == 1
    assert set(listed(first)) | set(listed(second)) == {c.tracking_number for c in three_cases}


def test_the_pager_keeps_the_filters(client, three_cases, monkeypatch):
    monkeypatch.setattr(app.supervision, "PAGE_SIZE", 1)
    login(client, "supervisor")
    page = desk(client, street="hongshan-street")
    assert re.search(r'href="/supervision\?[^"]*street=hongshan-street[^"]*page=2|'
                     r'href="/supervision\?[^"]*page=2[^"]*street=hongshan-street', page)


@pytest.mark.parametrize("username", ["chengguan", "huangpu-head", "dispatcher", "operator"])
def test_only_supervisors_and_administrators_see_the_desk(client, username):
    login(client, username)
    assert client.get("/supervision").status_code == 403


def test_the_administrator_sees_the_desk_and_strangers_sign_in(client):
    assert client.get("/supervision").status_code == 302
    login(client, "admin")
    assert client.get("/supervision").status_code == 200
