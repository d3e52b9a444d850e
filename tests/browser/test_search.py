"""A supervisor finds any case in scope from the header, in one search: by
its number (typed as it is read out) and by a Chinese word of its
description."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases import operations
from cases.models import OrgUnit
from cases.models.users import User
from core.db import db
from tests.browser.steps import sign_in


def _dispatched(make_case, description: str):
    case = make_case(description=description)
    dispatcher = db.session.scalar(select(User).where(User.username == "dispatcher"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    operations.dispatch_case(case, dispatcher, unit, "browser search")
    db.session.commit()
    return case


def search_from_header(page: Page, text: str) -> None:
    page.locator("#header-q").fill(text)
    page.locator("#header-q").press("Enter")


def test_a_supervisor_finds_a_case_by_number_and_by_a_chinese_word(page: Page, make_case):
    lamp = _dispatched(make_case, "港湾路的路灯坏了，晚上一片漆黑。")
    _dispatched(make_case, "港湾路的井盖缺失。")
    number = lamp.tracking_number
    sign_in(page, "supervisor")

    search_from_header(page, f"{number[:3]} {number[3:6]} {number[6:]}")
    expect(page).to_have_url(re.compile(rf"/cases/{number}$"))
    expect(page.locator("main")).to_contain_text("港湾路的路灯坏了")

    search_from_header(page, "路灯")
    expect(page).to_have_url(re.compile(r"/search\?q="))
    expect(page.locator("#header-q")).to_have_value("路灯")
    rows = page.locator("#results tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf"/cases/{number}$"))
