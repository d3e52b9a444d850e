"""A street officer's workbench: the most urgent case first, with its
countdown; filters in the query string, counts per tab, pagination that
keeps the filters, and an empty state that says so.

The clock is the test's FrozenClock (Thursday 26 November 2026, 10:00 in
Shanghai); cases are filed by moving it, never by waiting.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select

from cases import collaboration, operations
from cases.models import Case, OrgUnit, Priority
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db
from escalation.jobs import sweep
from tests.html import parse
from tests.support import login


def at(m, d, hh=0, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def rows(response) -> list[str]:
    """The tracking numbers the workbench lists, in its order."""
    table = parse(response).find("table", id="workbench-cases")
    return [tr.attrs["data-tracking-number"] for tr in table.find_all("tr")
            if "data-tracking-number" in tr.attrs] if table else []


def row(response, case: Case):
    return parse(response).find("tr", **{"data-tracking-number": case.tracking_number})


def due_text(response, case: Case) -> str:
    return " ".join(row(response, case).find("td", cls="next-due").text().split())


@pytest.fixture
def file_at(clock, make_case, work):
    """Factory: a case filed (and dispatched by the worker) at a given time."""

    def make(when: datetime, priority: Priority | None = None, **fields) -> Case:
        clock.at = when
        case = make_case(**fields)
        if priority is not None:  # before dispatch, which sets the deadlines
            case.priority = priority
            db.session.commit()
        work()
        db.session.refresh(case)
        return case

    return make


@pytest.fixture
def street(clock, file_at):
    """Three cases of 黄埔街道, each in a different community and category:
    `old` was due to be signed for on Monday (overdue), `soon` is due at
    16:00 today and `later` at 17:00."""
    cases = {
        "old": file_at(at(11, 23, 10), category_code="garbage", address_text="港湾路15号"),
        "soon": file_at(at(11, 26, 10), category_code="consultation", address_text="怡港路8号"),
        "later": file_at(at(11, 26, 11), category_code="illegal-construction",
                         address_text="港湾路2号"),
    }
    clock.at = at(11, 26, 11, 30)
    for case in cases.values():
        assert case.lead_assignment.unit.code == "huangpu-street"
    return cases


def test_the_most_urgent_case_comes_first_with_its_countdown(street, client, clock):
    login(client, "huangpu-staff")
    page = client.get("/workbench")
    old, soon, later = street["old"], street["soon"], street["later"]
    assert rows(page) == [old.tracking_number, soon.tracking_number, later.tracking_number]
    # Monday 16:00 to Thursday 11:30 is two working days and four and a half hours.
    assert "逾期2个工作日" in due_text(page, old)
    assert "overdue" in row(page, old).classes
    # 11:30-12:00 and 14:00-16:00: two and a half working hours, in whole hours.
    assert "剩余2小时" in due_text(page, soon)
    assert "剩余3小时" in due_text(page, later)
    assert "overdue" not in row(page, soon).classes
    assert row(page, soon).find("span", cls="in-time") is not None

    clock.at = at(11, 26, 16, 30)  # the afternoon: `soon` is now half an hour late
    page = client.get("/workbench")
    assert rows(page) == [old.tracking_number, soon.tracking_number, later.tracking_number]
    assert "逾期30分钟" in due_text(page, soon) and "overdue" in row(page, soon).classes
    assert "剩余30分钟" in due_text(page, later)
    assert row(page, later).find("span", cls="soon") is not None  # within four hours: amber

    client.post(f"/cases/{soon.tracking_number}/acknowledge")  # signed: contact is next
    page = client.get("/workbench")
    assert rows(page) == [old.tracking_number, later.tracking_number, soon.tracking_number]
    assert "联系" in due_text(page, soon) and "剩余1个工作日" in due_text(page, soon)
    assert "overdue" not in row(page, soon).classes


def test_the_countdown_is_in_english_too(street, client):
    login(client, "huangpu-staff")
    client.get("/lang/en")
    page = client.get("/workbench")
    assert "overdue by 2 working days" in due_text(page, street["old"])
    assert "2 hours left" in due_text(page, street["soon"])


def test_an_emergency_counts_on_the_clock(street, client, clock, file_at):
    emergency = file_at(at(11, 26, 17, 0), category_code="garbage", address_text="港湾路15号",
                        priority=Priority.EMERGENCY)
    clock.at = at(11, 27, 9, 0)  # an hour to sign for: due at 18:00 the evening before
    login(client, "huangpu-staff")
    page = client.get("/workbench")
    assert rows(page)[-1] == emergency.tracking_number  # due after the other three
    assert "逾期15小时" in due_text(page, emergency)  # clock hours, not working hours


@pytest.fixture
def assisting(street, file_at, clock):
    """A road-damage case of the city-management bureau that 黄埔街道 assists on."""
    case = file_at(at(11, 26, 9, 0), category_code="road-damage", address_text="港湾路15号")
    collaboration.assign_assisting(case, user("dispatcher"), unit("huangpu-street"), "协助")
    db.session.commit()
    clock.at = at(11, 26, 11, 30)
    return case


def listed(client, query: str = "") -> list[str]:
    return rows(client.get(f"/workbench{query}"))


def test_each_filter_alone_and_combined(street, assisting, client):
    old, soon, later = street["old"], street["soon"], street["later"]
    sweep()  # Monday's deadline was missed long ago: `old` escalates to level 2
    db.session.refresh(old)
    assert old.lead_assignment.escalation_level == 2
    login(client, "huangpu-staff")
    everything = listed(client)
    assert set(everything) == {c.tracking_number for c in (old, soon, later, assisting)}
    assert listed(client, "?category=garbage") == [old.tracking_number]
    assert listed(client, "?community=huangpu-yigang") == [soon.tracking_number]
    assert listed(client, "?role=assist") == [assisting.tracking_number]
    assert assisting.tracking_number not in listed(client, "?role=lead")
    assert listed(client, "?level=2") == [old.tracking_number]
    assert old.tracking_number not in listed(client, "?level=0")
    assert listed(client, "?community=huangpu-dongyuan") == [old.tracking_number,
                                                               assisting.tracking_number]
    assert listed(client, "?community=huangpu-dongyuan&role=lead") == [old.tracking_number]
    assert listed(client, "?community=huangpu-dongyuan&level=0&role=assist") == [
        assisting.tracking_number]
    # An unknown value is a field error, and that filter is left out.
    page = client.get("/workbench?category=no-such&role=lead")
    assert 'class="field has-error"' in page.get_data(as_text=True)
    assert set(rows(page)) == {c.tracking_number for c in (old, soon, later)}


def test_the_filters_keep_their_values_and_the_tabs_their_counts(street, assisting, client):
    login(client, "huangpu-staff")
    soon = street["soon"]
    operations.acknowledge(soon, user("huangpu-staff"))
    operations.resolve(soon, user("huangpu-staff"), "已答复政策。")
    db.session.commit()
    page = parse(client.get("/workbench?category=consultation&role=lead"))
    assert page.find("option", value="consultation").attrs.get("selected") is not None
    assert page.find("option", value="lead").attrs.get("selected") is not None
    tabs = page.find("nav", id="tabs")
    counts = {a.attrs["id"]: " ".join(a.text().split()) for a in tabs.find_all("a")}
    assert counts == {"tab-open": "办理中 (0)", "tab-resolved": "已办结 (1)"}
    resolved_link = tabs.find("a", id="tab-resolved").attrs["href"]
    assert "category=consultation" in resolved_link and "role=lead" in resolved_link
    resolved = client.get(resolved_link)
    assert rows(resolved) == [soon.tracking_number]
    assert parse(resolved).find("input", name="tab").attrs["value"] == "resolved"
    counts = parse(client.get("/workbench")).find("nav", id="tabs").text()
    assert "办理中 (3)" in " ".join(counts.split()) and "已办结 (1)" in " ".join(counts.split())


def test_an_empty_result_says_so_with_a_way_back(street, client):
    login(client, "huangpu-staff")
    page = client.get("/workbench?category=garbage&community=huangpu-yigang")
    html = parse(page)
    assert rows(page) == []
    empty = html.find("p", id="workbench-empty")
    assert "没有符合筛选条件的工单" in empty.text()
    assert empty.find("a").attrs["href"] == "/workbench?tab=open"
    assert "没有符合筛选条件" not in client.get("/workbench?tab=resolved").get_data(as_text=True)


def test_pagination_keeps_the_filters_and_the_order(clock, make_case, work, client):
    filed = [make_case(category_code="garbage", address_text="港湾路15号") for _ in range(27)]
    other = make_case(category_code="consultation", address_text="怡港路8号")
    work()
    # The later a case was filed, the sooner it must be signed for (its limit
    # set by hand, say): the order is the deadlines', not the filing order.
    for n, case in enumerate(filed):
        case.lead_assignment.acknowledge_due = at(11, 27, 17, 0) - n * timedelta(minutes=10)
    db.session.commit()
    login(client, "huangpu-staff")
    first = client.get("/workbench?category=garbage")
    assert len(rows(first)) == 25
    pager = parse(first).find("nav", cls="pager")
    next_page = pager.find("a").attrs["href"]
    assert "category=garbage" in next_page and "page=2" in next_page
    second = client.get(next_page)
    assert rows(first) + rows(second) == [c.tracking_number for c in reversed(filed)]
    assert other.tracking_number not in rows(first) + rows(second)
    assert parse(second).find("option", value="garbage").attrs.get("selected") is not None


def test_the_list_costs_the_same_queries_for_5_rows_or_25(clock, make_case, work, client):
    def statements(path: str) -> int:
        seen = []
        listen = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert client.get(path).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(seen)

    for n in range(25):
        make_case(category_code="garbage" if n < 5 else "consultation",
                  address_text="港湾路15号")
    work()
    login(client, "huangpu-staff")
    assert len(rows(client.get("/workbench?category=garbage"))) == 5
    assert len(rows(client.get("/workbench"))) == 25
    assert statements("/workbench?category=garbage") == statements("/workbench")
