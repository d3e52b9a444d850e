"""A supervision item in a real browser, one person per browser context, on
the frozen clock shared by the test and the served app (Thursday 2026-11-26):

the supervision office registers an investment project with milestones and
assigns it to the land and housing bureau; the bureau finds it on its
workbench and reports progress; as the clock moves the light turns yellow
(signing due within 5 working days) and then red (signing overdue, escalated);
the bureau marks every milestone done with evidence and reports completion;
the office verifies it and closes it (销号).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cases.models import CaseEvent, EventKind
from core.db import db
from escalation.supervision_items import refresh_lights
from tests.browser.steps import sign_in, succeeded

MILESTONES = "签约 2026-12-04\n立项 2027-01-15\n投产 2027-06-30"
NUMBER = "督〔2026〕1号"


def register_project(page) -> None:
    page.goto("/supervision/items")
    page.locator("#register-item").click()
    page.locator("#title").fill("新能源电池材料项目落地")
    page.locator("#description").fill("区长批示：跟踪签约至投产全过程。")
    page.locator("#source").select_option("investment_project")
    page.locator("#deadline").fill("2027-06-30")
    page.locator("#unit").select_option("land-housing")
    page.locator("#milestones").fill(MILESTONES)
    page.locator("#register-button").click()
    succeeded(page)
    expect(page.locator("h1")).to_contain_text(NUMBER)
    expect(page.locator("#light")).to_have_attribute("data-light", "green")


def light_is(page, url: str, colour: str) -> None:
    page.goto(url)
    expect(page.locator("#light")).to_have_attribute("data-light", colour)


def test_an_investment_project_from_registration_to_closing(new_context, shared_clock):
    office = new_context().new_page()
    sign_in(office, "supervisor")
    register_project(office)
    item_url = office.url

    # A milestone after the deadline is refused, with the reason.
    office.goto("/supervision/items/new")
    office.locator("#title").fill("另一个项目")
    office.locator("#description").fill("……")
    office.locator("#deadline").fill("2027-06-30")
    office.locator("#unit").select_option("land-housing")
    office.locator("#milestones").fill("投产 2027-07-01")
    office.locator("#register-button").click()
    expect(office.locator(".field.has-error")).to_contain_text("2027-06-30")

    bureau = new_context().new_page()
    sign_in(bureau, "fangguan")
    bureau.goto("/workbench")
    bureau.get_by_role("link", name=NUMBER).click()
    bureau.locator("#supervision-item-link").click()
    expect(bureau).to_have_url(re.compile(r"/supervision/items/\d+$"))
    bureau.locator("#text").first.fill("已完成项目洽谈，合同文本报法制办审核。")
    bureau.locator("#progress-button").click()
    succeeded(bureau)
    expect(bureau.locator("#reports")).to_contain_text("合同文本报法制办审核")

    shared_clock.advance(days=1)  # Friday: signing (4 December) is 5 working days away
    light_is(office, item_url, "yellow")
    office.goto("/supervision/items?light=yellow")
    expect(office.locator("#items")).to_contain_text(NUMBER)

    shared_clock.advance(days=8)  # Saturday 5 December: signing is overdue
    light_is(bureau, item_url, "red")
    office.goto("/supervision/items?light=red")
    expect(office.locator("#items")).to_contain_text(NUMBER)
    refresh_lights()  # the cron's reconciler: a red item escalates like an overdue case
    levels = [e.data["level"] for e in db.session.query(CaseEvent).filter_by(
        kind=EventKind.ESCALATED)]
    assert levels == [1]

    for row in bureau.locator("#milestones tbody tr").all():
        row.locator("summary").click()
        row.locator("textarea").fill("已完成")
        row.locator("input[type=file]").set_input_files(
            files=[{"name": "证明.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"}])
        row.locator("button[type=submit]").click()
        succeeded(bureau)
    light_is(bureau, item_url, "green")
    bureau.locator("#completion textarea").fill("项目已投产，附投产证明。")
    bureau.locator("#complete-button").click()
    succeeded(bureau)

    office.goto(item_url)
    expect(office.locator("#completion-report")).to_contain_text("项目已投产")
    office.locator("#verification textarea").first.fill("核实无误，予以销号。")
    office.locator("#verify-button").click()
    succeeded(office)
    expect(office.locator("#item-status")).to_have_text("已结案")
