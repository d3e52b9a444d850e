"""Co-handling in a real browser: the dispatcher sends an unroutable case to
the wrong unit, which returns it; the dispatcher re-dispatches it to the
street; the street leads, city management assists (named by the rule), the
lead waits for the assisting reply, reads it and resolves."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from cases.models import Case
from cases.states import CaseStatus
from core.db import db
from tests.browser.steps import dispatch_to, sign_in, succeeded

ASSIST_REPLY = "已联合执法，违建已于今日拆除"
LEAD_REPLY = "违建已拆除，感谢您的监督"


def test_dispatcher_unit_assisting_unit_resolve(new_context, make_case, work):
    case = make_case(category_code="illegal-construction", address_text="无名路1号",
                     description="楼顶违建加盖一层")
    work()
    tn = case.tracking_number
    assert case.status is CaseStatus.UNROUTED  # the street rule needs the address

    dispatcher = new_context().new_page()
    sign_in(dispatcher, "dispatcher")
    expect(dispatcher).to_have_url(re.compile(r"/dispatch$"))
    expect(dispatcher.locator(f"#queue-{tn}")).to_have_class(re.compile(r"\bunrouted\b"))
    dispatch_to(dispatcher, tn, "water")  # a mistake

    water = new_context().new_page()
    sign_in(water, "shuiwu")
    water.goto(f"/cases/{tn}")
    water.locator("#collaboration summary").filter(has_text=re.compile(".")).last.click()
    water.locator("select[name='return-reason']").select_option("not_responsible")
    water.locator("textarea[name='return-note']").fill("违法建设不属水务职责")
    water.locator("#return-case").click()
    succeeded(water)

    dispatcher.goto("/dispatch")
    row = dispatcher.locator(f"#queue-{tn}")
    expect(row).to_have_class(re.compile(r"\breturned\b"))
    expect(row.locator(".why")).to_contain_text("违法建设不属水务职责")
    dispatch_to(dispatcher, tn, "huangpu-street")
    expect(dispatcher.locator("#assignments tr.assist")).to_contain_text("城市管理")

    lead = new_context().new_page()
    sign_in(lead, "huangpu-staff")
    lead.goto(f"/cases/{tn}")
    lead.locator("#acknowledge").click()
    succeeded(lead)
    expect(lead.locator("#waiting-for-assists")).to_be_visible()
    lead.locator("textarea[name='reply']").fill(LEAD_REPLY)
    lead.locator("#resolve").click()
    expect(lead.locator(".flash.error")).to_be_visible()  # the assisting reply is missing
    expect(lead.locator("#status")).to_have_class(re.compile(r"status-acknowledged"))

    assist = new_context().new_page()
    sign_in(assist, "chengguan")
    assist.goto("/workbench")
    assist.get_by_role("link", name=tn).click()
    assist.locator("#acknowledge").click()
    succeeded(assist)
    assist.locator("textarea[name='assist_reply-text']").fill(ASSIST_REPLY)
    assist.locator("#assist-reply").click()
    succeeded(assist)
    expect(assist.locator("#resolve")).to_have_count(0)

    lead.goto(f"/cases/{tn}")
    expect(lead.locator("#assist-replies")).to_contain_text(ASSIST_REPLY)
    expect(lead.locator("#waiting-for-assists")).to_have_count(0)
    lead.locator("textarea[name='reply']").fill(LEAD_REPLY)
    lead.locator("#resolve").click()
    succeeded(lead)
    expect(lead.locator("#status")).to_have_class(re.compile(r"status-resolved"))

    db.session.rollback()  # end the test's read transaction: see what the browser did
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.RESOLVED
    # city management was named by the rule at the first dispatch and stayed
    assert [(a.unit.code, a.role.value, a.active) for a in case.assignments] == [
        ("water", "lead", False), ("city-management", "assist", True),
        ("huangpu-street", "lead", True)]
