"""A street officer's working day in a real browser: the workbench shows the
most urgent case first with its countdown, the overdue row stands out, and a
filter chosen in the form is a URL that gives the same rows when opened again.

The test app and the served app share one frozen clock, so cases fall due by
moving time, not by waiting.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from cases import operations
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db
from tests.browser.steps import sign_in

OVERDUE_BACKGROUND = "rgb(253, 236, 234)"  # #fdecea, app/static/css/xietong.css


def at(m, d, hh=0, mm=0) -> datetime:
    return datetime(2026, m, d, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def street_cases(shared_clock, make_case, work):
    """Three cases of 黄埔街道: garbage filed on Monday (its signing is two
    working days late), an illegal building filed and signed for on Wednesday
    (contact the citizen by Thursday 17:30) and a policy enquiry filed this
    morning (sign by 16:00): the order of the deadlines, not of the filing."""
    filed = {}
    for key, when, category, address in (
        ("old", at(11, 23, 10), "garbage", "港湾路15号"),
        ("signed", at(11, 25, 10), "illegal-construction", "港湾路2号"),
        ("soon", at(11, 26, 10), "consultation", "怡港路8号"),
    ):
        shared_clock.at = when
        filed[key] = make_case(category_code=category, address_text=address)
        work()
        if key == "signed":
            staff = db.session.scalar(select(User).where(User.username == "huangpu-staff"))
            operations.acknowledge(filed[key], staff)
    shared_clock.at = at(11, 26, 11, 30)
    db.session.commit()
    return filed


def test_the_most_urgent_case_first_and_a_filter_to_bookmark(page, street_cases):
    old, soon, signed = (street_cases[k].tracking_number for k in ("old", "soon", "signed"))
    sign_in(page, "huangpu-staff")
    page.goto("/workbench")
    rows = page.locator("#workbench-cases tbody tr")
    expect(rows).to_have_count(3)
    first = rows.nth(0)
    expect(first).to_have_attribute("data-tracking-number", old)
    expect(first.locator(".next-due")).to_contain_text("逾期2个工作日")
    expect(first).to_have_class(re.compile(r"\boverdue\b"))
    expect(first).to_have_css("background-color", OVERDUE_BACKGROUND)
    expect(rows.nth(1)).to_have_attribute("data-tracking-number", soon)
    expect(rows.nth(1).locator(".next-due")).to_contain_text("剩余2小时")
    expect(rows.nth(1)).not_to_have_class(re.compile(r"\boverdue\b"))
    expect(rows.nth(2)).to_have_attribute("data-tracking-number", signed)
    expect(rows.nth(2).locator(".next-due")).to_contain_text("联系期限")
    expect(rows.nth(2).locator(".next-due")).to_contain_text("剩余4小时")
    expect(page.locator("#tab-open")).to_contain_text("(3)")

    page.locator("#filters select[name='category']").select_option("consultation")
    page.locator("#apply-filters").click()
    expect(page).to_have_url(re.compile(r"/workbench\?.*category=consultation"))
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_have_attribute("data-tracking-number", soon)
    expect(page.locator("#filters select[name='category']")).to_have_value("consultation")
    expect(page.locator("#tab-open")).to_contain_text("(1)")

    bookmarked = page.url
    again = page.context.new_page()  # the bookmark, opened again
    again.goto(bookmarked)
    again_rows = again.locator("#workbench-cases tbody tr")
    expect(again_rows).to_have_count(1)
    expect(again_rows.nth(0)).to_have_attribute("data-tracking-number", soon)
    expect(again.locator("#filters select[name='category']")).to_have_value("consultation")

    page.get_by_role("link", name="清除筛选").click()
    expect(rows).to_have_count(3)
