"""Administration of time limits and the working-day calendar."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.admin.audit import AdminAuditEvent, AuditAction
from cases.models import Priority
from core.db import db
from escalation.limits import current_calendar
from escalation.models import CalendarOverride, DeadlineKind, LimitUnit, TimeLimit
from tests.app.supervision.helpers import at
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


def test_the_warning_about_next_year_goes_when_it_is_entered(admin):
    assert not current_calendar().covers(2027)  # the package ships up to 2026
    for path in ("/admin/time-limits", "/admin/calendar"):
        assert 'id="calendar-warning-2027"' in page(admin, path)
    response = admin.post("/admin/calendar",
                          data={"day": "2027-01-01", "is_workday": "0", "note": "元旦"})
    assert response.status_code == 302
    row = db.session.scalar(select(CalendarOverride))
    assert (row.day, row.is_workday, row.note) == (date(2027, 1, 1), False, "元旦")
    [created] = audit_rows("calendar_override")
    assert (created.actor_label, created.action, created.summary) == (
        "admin", AuditAction.CREATE, "2027-01-01 workday=False")
    assert created.after == {"day": "2027-01-01", "is_workday": False, "note": "元旦"}
    for path in ("/admin/time-limits", "/admin/calendar"):
        assert 'id="calendar-warning-2027"' not in page(admin, path)
    assert 'id="override-2027-01-01"' in page(admin, "/admin/calendar")
    assert not current_calendar().is_workday(date(2027, 1, 1))

    admin.post(f"/admin/calendar/{row.id}/delete")
    assert db.session.scalar(select(CalendarOverride)) is None
    assert 'id="calendar-warning-2027"' in page(admin, "/admin/calendar")
    removed = audit_rows("calendar_override")[-1]
    assert (removed.action, removed.summary) == (AuditAction.DELETE, "2027-01-01 workday=False")


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
    assert db.session.scalar(select(TimeLimit)) is None
    assert audit_rows("time_limit") == []
