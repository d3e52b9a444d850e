"""The supervisor desk in a real browser: a supervisor finds an escalated
case, writes an instruction, approves the unit's extension request, and the
unit reads the instruction on its case page.

Both the test app and the served app run on one frozen clock, so the case
escalates by moving time, not by waiting.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases import operations
from core.db import db
from escalation import operations as supervision
from escalation.jobs import sweep
from escalation.models import Extension, ExtensionStatus
from tests.app.supervision.helpers import at, reload, user

COMMENT = "请于今日内联系燃气公司，明天上午前反馈迁改方案"
REASON = "需协调燃气公司迁改地下管线"


@pytest.fixture
def escalated_case(shared_clock, make_case, work):
    """Filed Thursday 10:00, signed for late (level 1 reached at 16:00), and
    the unit asks to resolve it by the end of the year."""
    clock = shared_clock
    clock.at = at(11, 26, 10, 0)
    case = make_case(category_code="road-damage")
    work()
    clock.at = at(11, 26, 16, 5)
    sweep()
    staff = user("chengguan")
    operations.acknowledge(case, staff)
    operations.record_contact(case, staff)
    supervision.request_extension(case, staff, at(12, 31, 17, 30), REASON)
    db.session.commit()
    assert case.lead_assignment.escalation_level == 1
    return case


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/workbench$"))


def test_a_supervisor_comments_and_approves_and_the_unit_reads_it(
    page, new_context, escalated_case
):
    tn = escalated_case.tracking_number
    sign_in(page, "supervisor")
    page.get_by_role("link", name="督办台").click()
    expect(page).to_have_url(re.compile(r"/supervision$"))

    row = page.locator(f"#escalated tr[data-tracking-number='{tn}']")
    expect(row).to_have_class(re.compile(r"\blevel-1\b"))
    expect(row.locator(".deadline-acknowledge .due")).to_have_text("2026-11-26 16:00 ✓")
    expect(page.locator("#extensions")).to_contain_text(REASON)

    row.get_by_role("link", name=tn).click()
    expect(page).to_have_url(re.compile(rf"/cases/{tn}#supervision$"))
    panel = page.locator("#supervision")
    expect(panel.locator("#pending-extension")).to_contain_text(REASON)

    panel.locator("textarea[name='comment-text']").fill(COMMENT)
    panel.get_by_role("button", name="发送督办意见").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(COMMENT)

    page.locator("#pending-extension textarea[name='decision-note']").fill("同意延期")
    page.locator("#approve-extension").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".flash.error")).to_have_count(0)
    expect(page.locator("#pending-extension")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text("2026-12-31 17:30")

    case = reload(escalated_case)
    assert case.lead_assignment.resolve_due == at(12, 31, 17, 30)
    extension = db.session.scalar(select(Extension))
    assert extension.status is ExtensionStatus.APPROVED

    unit = new_context().new_page()  # the unit's own staff member
    sign_in(unit, "chengguan")
    unit.goto(f"/cases/{tn}")
    expect(unit.locator(".timeline")).to_contain_text(COMMENT)
    expect(unit.locator("#supervision")).to_have_count(0)
