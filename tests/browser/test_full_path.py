"""The whole path in a real browser, one person per browser context:

the hotline operator logs a call at /console; no rule routes its category,
so after the RQ worker it waits in the dispatcher queue; the dispatcher
sends it to the wrong department, which returns it with a reason; the
dispatcher re-dispatches it to the street; the street signs, asks the fire
brigade to assist; the brigade signs and replies through its own page; the
street reads the reply and resolves; the citizen finds the outcome on /track.

Each step asserts what that person sees: ids, statuses, and the Chinese
names and texts that come from the data. The database is read only to
check the record the pages left behind.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases.models import Case, EventKind, OrgUnit
from cases.states import CaseStatus
from core.db import db
from tests.browser.steps import (
    dispatch_to,
    open_from_workbench,
    sign_in,
    succeeded,
    track,
    unfold,
)

# "Other": no routing rule names a unit for it, whatever the address.
CATEGORY = "unclassified"
DESCRIPTION = "东苑小区3栋楼下有人私搭铁皮棚，把消防通道堵死了。"
ADDRESS = "东苑小区3栋"
PHONE = "13912345678"
RETURN_NOTE = "私搭铁皮棚属违法建设，不属环保职责，请改派属地街道。"
ASSIST_NOTE = "请派员核查消防通道占用情况并依法处置。"
ASSIST_REPLY = "已现场检查，责令当事人拆除铁皮棚，消防通道已恢复畅通。"
LEAD_REPLY = "经街道与消防部门联合处置，铁皮棚已拆除，消防通道已畅通，感谢您的反映。"


def name_of(code: str) -> str:
    return db.session.scalar(select(OrgUnit.name_zh).where(OrgUnit.code == code))


def log_the_call(operator: Page) -> str:
    """The operator takes the call at the console and reads back the number."""
    operator.goto("/console")  # not signed in: the sign-in page, then back here
    operator.locator("#username").fill("operator")
    operator.locator("#password").fill("xietong-demo")
    operator.locator("main form button[type=submit]").click()
    expect(operator).to_have_url(re.compile(r"/console$"))
    operator.locator("#category").select_option(value=CATEGORY)
    operator.locator("#description").fill(DESCRIPTION)
    operator.locator("#address").fill(ADDRESS)
    operator.locator("#phone").fill(PHONE)
    operator.locator("#log-case").click()
    number = operator.locator("#saved-tracking-number")
    expect(number).to_have_text(re.compile(r"^\s*\d{10}\s*$"))
    return number.inner_text().strip()


def test_operator_dispatcher_unit_assisting_unit_resolve_and_the_citizen_sees_it(
        new_context, work):
    operator = new_context().new_page()
    tn = log_the_call(operator)

    assert work() >= 1  # routing runs on the real RQ worker: no rule for "other"
    case = db.session.scalar(select(Case).where(Case.tracking_number == tn))
    assert (case.status, case.channel) == (CaseStatus.UNROUTED, "phone-95100")
    operator.goto(f"/console/cases/{tn}")
    expect(operator.locator("#description")).to_have_text(DESCRIPTION)
    expect(operator.locator("#status")).to_have_class(re.compile(r"\bstatus-unrouted\b"))

    # The dispatcher finds it in the queue: unrouted, with the caller's facts.
    dispatcher = new_context().new_page()
    sign_in(dispatcher, "dispatcher")
    expect(dispatcher).to_have_url(re.compile(r"/dispatch$"))
    row = dispatcher.locator(f"#queue-{tn}")
    expect(row).to_have_class(re.compile(r"\bunrouted\b"))
    expect(row).to_contain_text("其他")  # the category's name in the data
    expect(row).to_contain_text(ADDRESS)
    dispatch_to(dispatcher, tn, "environment")  # a mistake
    expect(dispatcher.locator("#assignments tr.lead")).to_contain_text(name_of("environment"))
    dispatcher.goto("/dispatch")
    expect(dispatcher.locator(f"#queue-{tn}")).to_have_count(0)

    # The environment bureau reads it and returns it: not theirs.
    huanbao = new_context().new_page()
    sign_in(huanbao, "huanbao")
    open_from_workbench(huanbao, tn)
    expect(huanbao.locator("#description")).to_have_text(DESCRIPTION)
    unfold(huanbao, "return-case")
    huanbao.locator("select[name='return-reason']").select_option("not_responsible")
    huanbao.locator("textarea[name='return-note']").fill(RETURN_NOTE)
    huanbao.locator("#return-case").click()
    succeeded(huanbao)
    expect(huanbao.locator("#status")).to_have_class(re.compile(r"\bstatus-unrouted\b"))
    huanbao.goto("/workbench")
    expect(huanbao.get_by_role("link", name=tn)).to_have_count(0)

    # Back in the queue with who returned it and why; out again to the street.
    dispatcher.goto("/dispatch")
    row = dispatcher.locator(f"#queue-{tn}")
    expect(row).to_have_class(re.compile(r"\breturned\b"))
    expect(row.locator(".why")).to_contain_text(name_of("environment"))
    expect(row.locator(".why")).to_contain_text(RETURN_NOTE)
    expect(row.locator("button.suggest[data-unit='environment']")).to_have_count(0)
    dispatch_to(dispatcher, tn, "huangpu-street")
    lead_row = dispatcher.locator("#assignments tr.lead:not(.ended)")
    expect(lead_row).to_contain_text(name_of("huangpu-street"))
    expect(dispatcher.locator("#assignments tr.lead.ended")).to_contain_text(RETURN_NOTE)

    # The street signs for it and asks the fire brigade to assist.
    lead = new_context().new_page()
    sign_in(lead, "huangpu-staff")
    open_from_workbench(lead, tn)
    lead.locator("#acknowledge").click()
    succeeded(lead)
    expect(lead.locator("#status")).to_have_class(re.compile(r"\bstatus-acknowledged\b"))
    unfold(lead, "ask-assist")
    lead.locator("select[name='assist_request-unit']").select_option("fire")
    lead.locator("textarea[name='assist_request-note']").fill(ASSIST_NOTE)
    lead.locator("#ask-assist").click()
    succeeded(lead)
    expect(lead.locator("#assignments tr.assist")).to_contain_text(name_of("fire"))
    expect(lead.locator("#waiting-for-assists")).to_contain_text(name_of("fire"))
    expect(lead.locator("#assist-replies li.waiting")).to_contain_text(name_of("fire"))

    # The fire brigade finds the request on its workbench, signs and replies.
    fire = new_context().new_page()
    sign_in(fire, "xiaofang")
    open_from_workbench(fire, tn)
    expect(fire.locator("ol.timeline")).to_contain_text(ASSIST_NOTE)
    expect(fire.locator("#assist-reply")).to_have_count(0)  # signs first
    fire.locator("#acknowledge").click()
    succeeded(fire)
    fire.locator("textarea[name='assist_reply-text']").fill(ASSIST_REPLY)
    fire.locator("#assist-reply").click()
    succeeded(fire)
    expect(fire.locator("#resolve")).to_have_count(0)  # only the lead resolves
    expect(fire.locator("#assist-replies li.replied")).to_contain_text(ASSIST_REPLY)

    # The street reads the reply, no longer waits, and resolves.
    lead.goto(f"/cases/{tn}")
    expect(lead.locator("#assist-replies li.replied")).to_contain_text(ASSIST_REPLY)
    expect(lead.locator("#waiting-for-assists")).to_have_count(0)
    lead.locator("textarea[name='reply']").fill(LEAD_REPLY)
    lead.locator("#resolve").click()
    succeeded(lead)
    expect(lead.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))

    # The citizen sees the outcome, and nothing of the units' internal exchange.
    citizen = new_context().new_page()
    track(citizen, tn, PHONE[-4:])
    expect(citizen.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))
    expect(citizen.locator("#reply")).to_have_text(LEAD_REPLY)
    expect(citizen.locator("#case")).to_contain_text(name_of("huangpu-street"))
    timeline = citizen.locator("#timeline")
    expect(timeline).to_contain_text(LEAD_REPLY)
    for internal in (RETURN_NOTE, ASSIST_NOTE, ASSIST_REPLY, "王办事员", "何承办", "吴承办"):
        expect(timeline).not_to_contain_text(internal)

    # And the operator, should the citizen call again, reads the same status.
    operator.goto(f"/console/cases/{tn}")
    expect(operator.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))

    db.session.rollback()  # end the test's read transaction: see what the browsers did
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.RESOLVED
    assert [(a.unit.code, a.role.value, a.active) for a in case.assignments] == [
        ("environment", "lead", False), ("huangpu-street", "lead", True),
        ("fire", "assist", True)]
    kinds = [e.kind for e in case.events]
    assert kinds[0] is EventKind.RECEIVED and kinds[-1] is EventKind.RESOLVED
    for kind in (EventKind.UNROUTED, EventKind.RETURNED, EventKind.ASSIST_REQUESTED,
                 EventKind.ASSIST_REPLIED):
        assert kind in kinds
