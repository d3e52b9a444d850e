"""An incoming document in a real browser (issue 17, "Done when"): a 特急
document is registered with its scan, decided by a leader, distributed,
chased when late and closed. The served app and the test share one frozen
clock, so the document falls late by moving time."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases.models import Case
from core.db import db
from tests.browser.steps import sign_in, succeeded


def _document() -> Case:
    db.session.commit()  # a fresh read of what the served app committed
    return db.session.scalar(select(Case).where(Case.kind == "document"))


def _open(page: Page, number: str) -> None:
    page.goto("/documents/")
    page.get_by_role("link", name=number).click()
    expect(page.locator("#document")).to_be_visible()


def test_an_express_document_is_registered_decided_distributed_chased_and_closed(
    new_context, shared_clock, tmp_path
):
    scan = tmp_path / "通知.pdf"
    scan.write_bytes(b"%PDF-1.4 scanned")
    office = new_context().new_page()
    sign_in(office, "dispatcher")
    office.get_by_role("link", name="收文办理").click()
    office.locator("#register-document").click()
    expect(office.locator("#non-classified")).to_be_visible()
    office.locator("#title").fill("关于做好冬季安全生产工作的紧急通知")
    office.locator("#document_number").fill("市府办〔2026〕18号")
    office.locator("#issuing_body").fill("市政府办公厅")
    office.locator("#received_on").fill("2026-11-26")
    office.locator("#urgency").select_option("express")
    # A classified document is refused, with the reason, and nothing is registered.
    office.locator("#security_level").select_option("机密")
    office.locator("#register-submit").click()
    expect(office.locator(".has-error .error")).to_contain_text("非涉密")
    assert _document() is None
    office.locator("#security_level").select_option("")
    office.locator("#scan").set_input_files(str(scan))
    office.locator("#register-submit").click()
    succeeded(office)
    number = _document().tracking_number
    expect(office.locator("#document-urgency")).to_contain_text("特急")
    office.locator("#proposal").fill("拟请区城管局牵头，黄埔街道协办")
    office.locator("#propose-submit").click()
    succeeded(office)

    leader = new_context().new_page()
    sign_in(leader, "district-leader")
    _open(leader, number)
    leader.locator("#instruction").fill("同意，三个工作日内办结")
    leader.locator("#decide-submit").click()
    succeeded(leader)
    expect(leader.locator("#document-instruction")).to_contain_text("三个工作日内办结")

    office.reload()
    office.locator("#lead").select_option("city-management")
    office.locator("#assisting").select_option(["huangpu-street"])
    office.locator("#distribute-submit").click()
    succeeded(office)
    expect(office.locator("#document-units")).to_contain_text("城市管理")
    lead = _document().lead_assignment
    assert lead.resolve_due - lead.assigned_at < timedelta(days=6)  # 3 working days

    shared_clock.advance(days=6)  # past the 3 working days: the office chases
    office.locator("#note").fill("已超期，请今日内报送办理结果")
    office.locator("#remind-submit").click()
    succeeded(office)
    expect(office.locator("#document-reminders")).to_have_text("1")

    unit = new_context().new_page()
    sign_in(unit, "chengguan")
    unit.goto(f"/cases/{number}")
    unit.locator("#acknowledge").click()
    succeeded(unit)
    street = new_context().new_page()
    sign_in(street, "huangpu-staff")
    street.goto(f"/cases/{number}")
    street.locator("#acknowledge").click()
    succeeded(street)
    street.locator("textarea[name='assist_reply-text']").fill("已配合排查辖区隐患")
    street.locator("textarea[name='assist_reply-text']").locator(
        "xpath=ancestor::form").locator("button[type=submit]").click()
    succeeded(street)
    unit.reload()
    unit.locator("#reply").fill("已完成全区安全隐患排查整改")
    unit.locator("#resolve").click()
    succeeded(unit)

    _open(office, number)
    office.locator("#result").fill("已按通知要求完成排查整改，办结")
    office.locator("#close-submit").click()
    succeeded(office)
    expect(office.locator("#document-status")).to_have_text("已结案")
    expect(office.locator("#document-result")).to_contain_text("办结")
    expect(office).to_have_url(re.compile(r"/documents/"))
