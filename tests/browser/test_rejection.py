"""Reject (不予受理) in a real browser: the operator rejects a case at the
console (a first try without a reason is held back, the explanation typed
stays; the server's own answer to that is in tests/app/test_rejection_pages),
a dispatcher rejects another on its case page, and each citizen looks theirs
up on /track and reads why."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from cases.states import CaseStatus
from tests.browser.steps import sign_in, succeeded, track, unfold
from tests.channels.notify.flow import reload

PHONE = "13800138000"
AT_THE_CONSOLE = "您反映的是业主与物业公司之间的合同纠纷，属民事纠纷，建议协商或向法院起诉。"
ON_THE_CASE_PAGE = "该事项已由区人民法院立案受理，请按司法程序办理。"


def test_a_rejection_at_the_console_is_read_on_track(new_context, make_case, work):
    case = make_case(phone=PHONE, description="物业公司多收了三个月物业费，要求退还。")
    work()
    staff = new_context().new_page()
    sign_in(staff, "operator")
    staff.goto(f"/console/cases/{case.tracking_number}")
    unfold(staff, "reject-button")
    form = staff.locator("#reject-form")
    form.locator("textarea").fill(AT_THE_CONSOLE)
    form.locator("#reject-button").click()  # no reason chosen yet: the browser holds it back
    assert form.locator("select").evaluate("el => el.validity.valueMissing")
    expect(form.locator("textarea")).to_have_value(AT_THE_CONSOLE)  # nothing typed is lost
    assert reload(case).status is CaseStatus.DISPATCHED
    staff.locator("#reject-form select").select_option("private_dispute")
    staff.locator("#reject-button").click()
    succeeded(staff)
    expect(staff.locator("#rejection-explanation")).to_have_text(AT_THE_CONSOLE)
    assert reload(case).status is CaseStatus.REJECTED

    citizen = new_context().new_page()
    look_up_and_read(citizen, case.tracking_number, "民事纠纷", AT_THE_CONSOLE)


def test_a_rejection_on_the_case_page_is_read_on_track(new_context, make_case, work):
    case = make_case(phone=PHONE, description="要求政府责令对方执行法院判决。")
    work()
    staff = new_context().new_page()
    sign_in(staff, "dispatcher")
    staff.goto(f"/cases/{case.tracking_number}")
    unfold(staff, "reject-button")
    staff.locator("#reject-form select").select_option("court")
    staff.locator("#reject-form textarea").fill(ON_THE_CASE_PAGE)
    staff.locator("#reject-button").click()
    succeeded(staff)
    expect(staff.locator("#status")).to_have_class(re.compile(r"\bstatus-rejected\b"))

    citizen = new_context().new_page()
    look_up_and_read(citizen, case.tracking_number, "已进入诉讼或仲裁程序", ON_THE_CASE_PAGE)


def look_up_and_read(page: Page, tracking_number: str, reason: str, explanation: str) -> None:
    track(page, tracking_number, PHONE[-4:])
    expect(page.locator("#status")).to_have_text("不予受理")
    expect(page.locator("#rejection-reason")).to_have_text(reason)
    expect(page.locator("#rejection-explanation")).to_have_text(explanation)
    expect(page.locator("#timeline li").last).to_contain_text(explanation)
