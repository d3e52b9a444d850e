"""The register in a real browser, one person per browser context, on one
frozen clock shared by the test and the served app:

a landlord registers a new tenant late with the code on the door, and the
reminder reaches the grid staff (on their round, and as their chosen email);
the grid staff visit the flat, record a fire finding and downgrade it to
orange; the fire service finds the resulting case on its workbench and
resolves it; the next visit confirms it and the case closes; public
security's view lists the late registration and reveals the ID number, the
reveal logged; and the departments' table, not code, decides what education
sees: an administrator adds a field and education's list shows it.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cases.models import Case
from cases.states import CaseStatus
from channels.notify.models import StaffChannel, StaffPreference
from channels.outbox.models import OutboxMessage
from core.db import db
from register.models import AccessAction, AccessLog, Finding, Grade, Property
from tests.browser.steps import open_from_workbench, sign_in, succeeded
from tests.register.support import id_number, make_property, user

TENANT_ID = id_number(date(1994, 4, 4), 321)
TENANT = "刘晓燕"
GRID = "huangpu-dongyuan-g1"
ADDRESS = "港湾路15号302房"
FIRE_NOTE = "客厅内两辆电动车接插线板充电"
REPLY = "已责令房东整改，电动车改在楼下集中充电点充电。"


@pytest.fixture
def flat(shared_clock):
    """A flat let in grid 1 of 东苑社区; its grid worker hears by email."""
    db.session.add(StaffPreference(user=user(GRID), channel=StaffChannel.EMAIL,
                                   email="wangge-dongyuan-1@huangpu.example"))
    return make_property(ADDRESS)


def landlord_registers_late(page, code: str) -> None:
    page.goto("/landlord")
    page.locator("#code").fill(code)
    page.locator("#code-button").click()
    expect(page.locator("#property-address")).to_have_text(ADDRESS)
    page.locator("#name").fill(TENANT)
    page.locator("#id_number").fill(TENANT_ID)
    page.locator("#phone").fill("13800138321")
    page.locator("#origin").fill("湖南省衡阳市")
    page.locator("#arrived_on").fill("2026-11-20")  # Friday: due Wednesday 25th
    page.locator("#room").fill("302")
    page.locator("#child1_name").fill("刘小宝")
    page.locator("#child1_birth").fill("2017-09-01")
    page.locator("#register-button").click()
    expect(page.locator("#late")).to_be_visible()
    expect(page.locator("#done")).not_to_contain_text(TENANT_ID)


def grid_staff_visit(page, prop: Property) -> None:
    page.goto("/register/round")
    expect(page.locator("#late-registrations")).to_contain_text(ADDRESS)
    page.locator(f"#due-{prop.id} a").click()
    expect(page).to_have_url(re.compile(rf"/register/properties/{prop.id}/visit$"))
    page.locator("#item-ebike_indoor label.fail").click()
    page.locator("#note-ebike_indoor").fill(FIRE_NOTE)
    page.locator("#grade").select_option("orange")
    page.locator("#reason").fill("电动车室内充电，降为橙色")
    page.locator("#save-visit").click()
    succeeded(page)
    expect(page.locator("#grade")).to_contain_text("橙色")
    expect(page.locator("#findings")).to_contain_text("电动车在室内充电")


def test_late_registration_visit_fire_case_recheck_reveal_and_the_departments_table(
        new_context, flat, shared_clock, work):
    landlord = new_context().new_page()
    landlord.set_viewport_size({"width": 390, "height": 844})  # a landlord's phone
    landlord_registers_late(landlord, flat.code)

    # The reminder reaches the grid staff: their chosen email, and the round.
    db.session.commit()  # end the test's read: see what the served app wrote
    reminder = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.recipient == "wangge-dongyuan-1@huangpu.example"))
    assert reminder is not None and ADDRESS in reminder.body and TENANT_ID not in reminder.body
    grid = new_context().new_page()
    grid.set_viewport_size({"width": 390, "height": 844})  # the round works on a phone
    sign_in(grid, GRID)
    grid_staff_visit(grid, flat)
    db.session.commit()
    finding = db.session.scalar(select(Finding))
    tn = finding.case.tracking_number
    work()  # the dispatch job routes it by the rules
    assert db.session.get(Case, finding.case_id).lead_assignment.unit.code == "fire"

    fire = new_context().new_page()
    sign_in(fire, "xiaofang")
    open_from_workbench(fire, tn)
    expect(fire.locator("#register-finding")).to_contain_text(ADDRESS)
    fire.locator("#acknowledge").click()
    expect(fire.locator("#status")).to_have_class(re.compile(r"\bstatus-acknowledged\b"))
    fire.locator("textarea[name=reply]").fill(REPLY)
    fire.locator("#resolve").click()
    expect(fire.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))

    # The next visit re-inspects it and confirms: the case closes.
    shared_clock.advance(days=1)
    grid.goto("/register/round")
    expect(grid.locator(f"#recheck-{finding.id}")).to_contain_text(REPLY)
    grid.locator(f"#recheck-{finding.id} a").click()
    grid.locator(f"#confirm-{finding.id}").click()
    succeeded(grid)
    db.session.commit()
    assert db.session.get(Case, finding.case_id).status is CaseStatus.CLOSED
    assert db.session.get(Property, flat.id).grade is Grade.ORANGE

    # Public security lists the late registration and reveals the number, logged.
    police = new_context().new_page()
    sign_in(police, "gongan")
    police.goto("/register/lists")
    police.locator("#list-late_registrations a").click()
    rows = police.locator("#rows")
    expect(rows).to_contain_text(TENANT)
    expect(rows).not_to_contain_text(TENANT_ID)
    expect(rows).to_contain_text("440112********" + TENANT_ID[-4:])
    rows.locator("a.reveal").first.click()
    police.locator("#reason").fill("核查逾期登记人员身份")
    police.locator("#reveal-button").click()
    expect(police.locator("#revealed-number")).to_have_text(TENANT_ID)
    db.session.commit()
    [logged] = db.session.scalars(select(AccessLog)).all()
    assert (logged.action, logged.user.username, logged.reason) == (
        AccessAction.REVEAL, "gongan", "核查逾期登记人员身份")

    # The table, not code, decides what education sees.
    education = new_context().new_page()
    sign_in(education, "jiaoyu")
    education.goto("/register/lists/school_age_children")
    expect(education.locator("#rows th[data-field=child_age]")).to_be_visible()
    expect(education.locator("#rows th[data-field=parent_phone]")).to_have_count(0)
    admin = new_context().new_page()
    sign_in(admin, "admin")
    admin.goto("/admin/register/views")
    admin.locator("#view-education-school_age_children").click()
    admin.locator("#field-parent_phone").check()
    admin.locator("#save-view").click()
    succeeded(admin)
    education.reload()
    expect(education.locator("#rows th[data-field=parent_phone]")).to_be_visible()
    expect(education.locator("#rows")).to_contain_text("13800138321")
    admin.goto("/admin/register/access-log")
    expect(admin.locator("#access-log")).to_contain_text("核查逾期登记人员身份")
