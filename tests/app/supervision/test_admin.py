"""Administration of time limits and the working-day calendar."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from app.admin.audit import AdminAuditEvent, AuditAction
from cases.models import CaseEvent, EventKind, Priority
from core.db import db
from escalation.confirmation import is_confirmed, years_to_confirm
from escalation.limits import current_calendar
from escalation.models import (
    CalendarOverride,
    CalendarYear,
    DeadlineKind,
    LimitUnit,
    TimeLimit,
)
from tests.app.supervision.helpers import at, user
from tests.support import login


@pytest.fixture
def admin(client, clock):
    """The administrator, signed in, on Thursday 2026-11-26 10:00."""
    login(client, "admin")
    return client


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def audit_rows(target_type: str) -> list[AdminAuditEvent]:
    return list(db.session.scalars(
        select(AdminAuditEvent).where(AdminAuditEvent.target_type == target_type)
        .order_by(AdminAuditEvent.id)
    ))


def limit_form(**fields) -> dict:
    data = {"category": "", "priority": "normal", "kind": "resolve",
            "amount": "2", "unit": "working_days"}
    data.update(fields)
    return data


def test_the_page_lists_the_defaults(admin):
    html = page(admin, "/admin/time-limits")
    for priority in Priority:
        for kind in DeadlineKind:
            assert f'id="limit-{priority.value}-{kind.value}"' in html
    assert 'id="category-limits"' not in html  # no category has its own yet


def test_set_a_limit_and_a_new_case_follows_it(admin, make_case, work, clock):
    response = admin.post("/admin/time-limits", data=limit_form())
    assert response.status_code == 302
    row = db.session.scalar(select(TimeLimit))
    assert (row.category_id, row.priority, row.kind, row.amount, row.unit) == (
        None, Priority.NORMAL, DeadlineKind.RESOLVE, 2, LimitUnit.WORKING_DAYS
    )
    html = page(admin, "/admin/time-limits")
    assert 'class="flash success"' in html
    [created] = audit_rows("time_limit")
    assert (created.actor_label, created.action, created.target_id) == (
        "admin", AuditAction.CREATE, str(row.id))
    assert created.summary == "*/normal/resolve=2 working_days"
    assert created.before is None
    assert created.after == {"category": None, "priority": "normal", "kind": "resolve",
                             "amount": 2, "unit": "working_days"}

    case = make_case(category_code="road-damage")  # Thursday 10:00
    work()
    assert case.lead_assignment.resolve_due == at(11, 30, 17, 30)  # two working days: Monday

    # Setting it again changes the same row.
    admin.post("/admin/time-limits", data=limit_form(amount="3"))
    assert db.session.scalar(select(func.count()).select_from(TimeLimit)) == 1
    db.session.expire_all()
    assert db.session.scalar(select(TimeLimit.amount)) == 3
    updated = audit_rows("time_limit")[-1]
    assert updated.action is AuditAction.UPDATE
    assert updated.changed() == [("amount", 2, 3)]


def test_a_categorys_own_limit_wins_and_is_listed(admin, make_case, work):
    admin.post("/admin/time-limits",
               data=limit_form(category="road-damage", kind="acknowledge", amount="2",
                               unit="working_hours"))
    html = page(admin, "/admin/time-limits")
    assert 'id="limit-road-damage-normal-acknowledge"' in html
    case = make_case(category_code="road-damage")
    other = make_case(category_code="noise")
    work()
    assert case.lead_assignment.acknowledge_due == at(11, 26, 12, 0)
    assert other.lead_assignment.acknowledge_due == at(11, 26, 16, 0)  # the default, 4 h


def test_removing_a_limit_restores_the_default(admin):
    admin.post("/admin/time-limits", data=limit_form())
    row_id = db.session.scalar(select(TimeLimit.id))
    response = admin.post(f"/admin/time-limits/{row_id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(TimeLimit)) is None
    removed = audit_rows("time_limit")[-1]
    assert (removed.action, removed.target_id, removed.after) == (
        AuditAction.DELETE, str(row_id), None)
    assert removed.before["amount"] == 2
    assert admin.post("/admin/time-limits/999999/delete").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "-3"}, "amount"),
        ({"amount": "abc"}, "amount"),
        ({"amount": ""}, "amount"),
        ({"amount": "400"}, "amount"),  # more than a year of working days
        ({"category": "no-such-category"}, "category"),
        ({"priority": "whenever"}, "priority"),
        ({"kind": "callback"}, "kind"),
        ({"unit": "fortnights"}, "unit"),
    ],
)
def test_bad_input_gets_a_field_error(admin, fields, field):
    response = admin.post("/admin/time-limits", data=limit_form(**fields))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    errors = html.split('class="field has-error"')
    assert len(errors) == 2, "exactly one field is in error"
    assert f'name="{field}"' in errors[1].split("</div>")[0]
    assert db.session.scalar(select(TimeLimit)) is None
    assert audit_rows("time_limit") == []


WARNING_PAGES = ("/admin/", "/admin/time-limits", "/admin/calendar", "/supervision")


def test_an_override_in_2027_does_not_hide_the_warning(admin):
    assert not is_confirmed(2027)  # chinese-calendar ships up to 2026
    for path in WARNING_PAGES:
        assert 'id="calendar-warning-2027"' in page(admin, path)
    assert 'id="calendar-warning-2026"' not in page(admin, "/admin/")
    response = admin.post("/admin/calendar",
                          data={"day": "2027-01-04", "is_workday": "0", "note": "元旦补假"})
    assert response.status_code == 302
    row = db.session.scalar(select(CalendarOverride))
    assert (row.day, row.is_workday, row.note) == (date(2027, 1, 4), False, "元旦补假")
    [created] = audit_rows("calendar_override")
    assert (created.actor_label, created.action, created.summary) == (
        "admin", AuditAction.CREATE, "2027-01-04 workday=False")
    assert created.after == {"day": "2027-01-04", "is_workday": False, "note": "元旦补假"}
    assert not current_calendar().is_workday(date(2027, 1, 4))
    # One corrected day says nothing of Spring Festival's swapped working days.
    for path in WARNING_PAGES:
        assert 'id="calendar-warning-2027"' in page(admin, path)
    assert 'id="override-2027-01-04"' in page(admin, "/admin/calendar")

    admin.post(f"/admin/calendar/{row.id}/delete")
    assert db.session.scalar(select(CalendarOverride)) is None
    removed = audit_rows("calendar_override")[-1]
    assert (removed.action, removed.summary) == (AuditAction.DELETE, "2027-01-04 workday=False")
    assert admin.post("/admin/calendar/999999/delete").status_code == 404


def test_the_warning_names_the_year_the_fallback_and_the_page(admin):
    html = page(admin, "/admin/")
    warning = html.split('id="calendar-warning-2027"')[1].split("</p>")[0]
    assert "2027年的国务院放假安排尚未确认" in warning
    assert "法定节假日" in warning and "调休上班日" in warning
    assert 'href="/admin/calendar#confirm-year"' in warning
    admin.get("/lang/en")
    warning = page(admin, "/admin/").split('id="calendar-warning-2027"')[1].split("</p>")[0]
    assert "statutory public holidays by rule" in warning and "swapped working day" in warning


def test_a_supervisor_sees_the_warning_without_the_admin_link(client, clock):
    login(client, "supervisor")
    html = page(client, "/supervision")
    warning = html.split('id="calendar-warning-2027"')[1].split("</p>")[0]
    assert "/admin/calendar" not in warning
    assert "管理员" in warning


@pytest.mark.parametrize(
    ("moment", "years"),
    [
        (at(10, 31, 23, 59), []),  # 31 October in Shanghai: not yet
        (at(11, 1, 0, 0), [2027]),  # 1 November: next year is due
        (at(3, 1, 9, 0, y=2027), [2027]),  # this year, whenever it is unconfirmed
        (at(11, 1, 9, 0, y=2027), [2027, 2028]),
    ],
)
def test_the_warning_comes_from_1_november(admin, clock, moment, years):
    clock.at = moment
    html = page(admin, "/admin/")
    shown = sorted(int(y) for y in re.findall(r'id="calendar-warning-(\d{4})"', html))
    assert shown == years
    assert [y.year for y in years_to_confirm(moment)] == years


def confirm_form(**fields) -> dict:
    data = {"year": "2027", "workdays": "2027-02-20\n2027-02-21",
            "days_off": "2027-02-11, 2027-02-12", "notice": "2027年部分节假日安排的通知"}
    data.update(fields)
    return data


def test_confirming_the_year_hides_the_warning(admin):
    response = admin.post("/admin/calendar/confirm", data=confirm_form())
    assert response.status_code == 302
    assert is_confirmed(2027)
    row = db.session.get(CalendarYear, 2027)
    assert (row.notice, row.confirmed_by.username) == ("2027年部分节假日安排的通知", "admin")
    assert row.confirmed_at == at(11, 26, 10, 0)
    calendar = current_calendar()
    assert calendar.is_workday(date(2027, 2, 20)) and calendar.is_workday(date(2027, 2, 21))
    assert not calendar.is_workday(date(2027, 2, 11))
    overrides = audit_rows("calendar_override")
    assert sorted(a.summary for a in overrides) == [
        "2027-02-11 workday=False", "2027-02-12 workday=False",
        "2027-02-20 workday=True", "2027-02-21 workday=True"]
    [confirmed] = audit_rows("calendar_year")
    assert (confirmed.action, confirmed.target_id, confirmed.after["notice"]) == (
        AuditAction.CREATE, "2027", "2027年部分节假日安排的通知")
    for path in WARNING_PAGES:
        assert 'id="calendar-warning-2027"' not in page(admin, path)
    html = page(admin, "/admin/calendar")
    assert 'id="confirm-year"' not in html  # 2026 is shipped, 2027 confirmed: nothing left
    assert "2027年部分节假日安排的通知" in html.split('id="year-2027"')[1]

    admin.post("/admin/calendar/years/2027/withdraw")
    assert not is_confirmed(2027)
    withdrawn = audit_rows("calendar_year")[-1]
    assert (withdrawn.action, withdrawn.target_id) == (AuditAction.DELETE, "2027")
    assert 'id="calendar-warning-2027"' in page(admin, "/admin/")
    assert current_calendar().is_workday(date(2027, 2, 20))  # the days entered stay
    assert admin.post("/admin/calendar/years/2027/withdraw").status_code == 404


def test_swapped_days_entered_before_confirm_the_year(admin):
    admin.post("/admin/calendar", data={"day": "2027-02-20", "is_workday": "1", "note": "调休"})
    response = admin.post("/admin/calendar/confirm",
                          data=confirm_form(workdays="", days_off=""))
    assert response.status_code == 302
    assert is_confirmed(2027)
    assert len(audit_rows("calendar_override")) == 1  # nothing entered twice


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"workdays": "", "days_off": ""}, "workdays"),  # no swapped working day at all
        ({"workdays": "2027-02-30"}, "workdays"),
        ({"workdays": "next saturday"}, "workdays"),
        ({"workdays": "2028-02-20"}, "workdays"),
        ({"workdays": "2027-02-22"}, "workdays"),  # a Monday: already a working day
        ({"days_off": "2026-12-31"}, "days_off"),
        ({"days_off": "2027-02-20"}, "days_off"),  # also a working day
        ({"notice": ""}, "notice"),
        ({"notice": "通" * 101}, "notice"),
        ({"year": "2026"}, "year"),  # shipped with the system
        ({"year": "2030"}, "year"),
    ],
)
def test_a_bad_confirmation_gets_a_field_error(admin, fields, field):
    response = admin.post("/admin/calendar/confirm", data=confirm_form(**fields))
    assert response.status_code == 200
    errors = response.get_data(as_text=True).split('class="field has-error"')
    assert len(errors) == 2, "exactly one field is in error"
    assert f'name="{field}"' in errors[1].split("</div>")[0]
    assert not is_confirmed(2027)
    assert db.session.scalar(select(CalendarOverride)) is None
    assert audit_rows("calendar_year") == []


def test_a_swapped_working_day_and_an_update(admin):
    admin.post("/admin/calendar", data={"day": "2027-02-20", "is_workday": "1", "note": "调休"})
    admin.post("/admin/calendar", data={"day": "2027-02-20", "is_workday": "0", "note": "改"})
    rows = db.session.scalars(select(CalendarOverride)).all()
    assert [(r.day, r.is_workday, r.note) for r in rows] == [(date(2027, 2, 20), False, "改")]
    assert audit_rows("calendar_override")[-1].changed() == [
        ("is_workday", True, False), ("note", "调休", "改")]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"day": "", "is_workday": "0"}, "day"),
        ({"day": "2027-02-30", "is_workday": "0"}, "day"),
        ({"day": "next friday", "is_workday": "0"}, "day"),
        ({"day": "1899-01-01", "is_workday": "0"}, "day"),
        ({"day": "2027-01-01", "is_workday": "maybe"}, "is_workday"),
        ({"day": "2027-01-01", "is_workday": "0", "note": "长" * 101}, "note"),
    ],
)
def test_a_bad_day_gets_a_field_error(admin, data, field):
    response = admin.post("/admin/calendar", data=data)
    assert response.status_code == 200
    errors = response.get_data(as_text=True).split('class="field has-error"')
    assert len(errors) == 2
    assert f'name="{field}"' in errors[1].split("</div>")[0]
    assert db.session.scalar(select(CalendarOverride)) is None


@pytest.mark.parametrize("username", ["supervisor", "chengguan", "dispatcher"])
def test_only_administrators(client, username):
    login(client, username)
    for path in ("/admin/time-limits", "/admin/calendar"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/time-limits", data=limit_form()).status_code == 403
    assert client.post("/admin/calendar",
                       data={"day": "2027-01-01", "is_workday": "0"}).status_code == 403
    assert client.post("/admin/calendar/confirm", data=confirm_form()).status_code == 403
    assert client.post("/admin/calendar/years/2027/withdraw").status_code == 403
    assert not is_confirmed(2027)
    assert db.session.scalar(select(TimeLimit)) is None
    assert audit_rows("time_limit") == []


def recalculated(case) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.DEADLINE_RECALCULATED)))


def test_a_holiday_entered_on_the_page_moves_open_deadlines(admin, make_case, work):
    case = make_case(category_code="road-damage")  # Thursday 2026-11-26 10:00
    work()
    assert case.lead_assignment.resolve_due == at(12, 15, 17, 30)
    response = admin.post("/admin/calendar",
                          data={"day": "2026-12-07", "is_workday": "0", "note": "临时放假"})
    assert response.status_code == 302
    html = page(admin, "/admin/calendar")
    assert html.count('class="flash success"') == 2  # saved, and being recomputed
    change = html.split('id="calendar-changes"')[1].split("</table>")[0]
    assert "2026-12-07" in change and "正在重新计算" in change
    work()  # the job
    db.session.expire_all()
    assert case.lead_assignment.resolve_due == at(12, 16, 17, 30)
    [event] = recalculated(case)
    assert not event.public and event.actor_user_id == user("admin").id
    change = page(admin, "/admin/calendar").split('id="calendar-changes"')[1]
    assert "1 个承办任务期限已调整" in change.split("</table>")[0]
    timeline = page(admin, f"/cases/{case.tracking_number}")
    assert "工作日历调整，期限随之变更" in timeline
    assert "办结期限由 2026-12-15 17:30 改为 2026-12-16 17:30" in timeline


def test_confirming_2027_moves_the_deadlines_its_days_move(admin, make_case, work, clock):
    clock.at = at(1, 20, 10, 0, y=2027)  # a Wednesday
    case = make_case(category_code="road-damage")
    work()
    # 13 working days by the rule: Spring Festival 2/5-2/10 is skipped.
    assert case.lead_assignment.resolve_due == at(2, 12, 17, 30, y=2027)
    response = admin.post("/admin/calendar/confirm", data=confirm_form())
    assert response.status_code == 302
    work()
    db.session.expire_all()
    assert case.lead_assignment.resolve_due == at(2, 16, 17, 30, y=2027)
    [event] = recalculated(case)
    assert event.data["days"] == ["2027-02-11", "2027-02-12", "2027-02-20", "2027-02-21"]
