"""The walking skeleton in a real browser: a citizen reports and tracks, the
unit signs for and resolves, and the interface switches language.

Assertions are on what the person sees; the database is read only to know
what they should see.
"""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases.models import Case, OrgUnit
from core.db import db

DESCRIPTION = "港湾路15号门口的人行道塌了一个坑，晚上很危险，请尽快修补。"
ADDRESS = "港湾路15号"
PHONE = "13800138000"
REPLY = "已修复路面"
SCREENSHOT = "/tmp/track.png"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "pothole.png"
    Image.new("RGB", (32, 24), (180, 90, 40)).save(path, "PNG")
    return path


def unit_name(code: str) -> str:
    return db.session.scalar(select(OrgUnit.name_zh).where(OrgUnit.code == code))


def fill_report(page: Page, *, phone: str = PHONE, photo=None) -> None:
    page.goto("/submit")
    # CSRF is on for the served app: the browser posts a real token.
    expect(page.locator("main form input[name=csrf_token]")).to_have_value(re.compile(r".+"))
    page.locator("#category").select_option(value="road-damage")
    page.locator("#description").fill(DESCRIPTION)
    page.locator("#address").fill(ADDRESS)
    page.locator("#phone").fill(phone)
    if photo is not None:
        page.locator("#photos").set_input_files(photo)
    page.locator("main form button[type=submit]").click()


def track(page: Page, tracking_number: str, last4: str = PHONE[-4:]) -> None:
    page.goto("/track")
    page.locator("#tracking_number").fill(tracking_number)
    page.locator("#phone_last4").fill(last4)
    page.locator("main form button[type=submit]").click()


def test_a_citizen_reports_a_problem_and_tracks_it(page, photo, work):
    fill_report(page, photo=photo)

    number = page.locator("#tracking-number")
    expect(number).to_have_text(re.compile(r"^\s*\d{10}\s*$"))
    tracking_number = number.inner_text().strip()
    case = db.session.scalar(select(Case).where(Case.tracking_number == tracking_number))
    assert [(a.filename, a.content_type) for a in case.attachments] == [
        ("pothole.png", "image/png")
    ]

    assert work() >= 1  # routing runs on the real RQ worker

    track(page, tracking_number)
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-dispatched\b"))
    expect(page.locator("#timeline")).to_contain_text(unit_name("city-management"))
    expect(page.locator("#not-found")).to_have_count(0)


def test_a_wrong_phone_number_is_explained_beside_the_field(page):
    fill_report(page, phone="12345")

    phone_field = page.locator(".field.has-error", has=page.locator("#phone"))
    expect(phone_field.locator(".error")).to_be_visible()
    expect(page.locator(".error")).to_have_count(1)  # only the phone is wrong
    expect(page.locator("#description")).to_have_value(DESCRIPTION)
    expect(page.locator("#address")).to_have_value(ADDRESS)
    expect(page.locator("#category")).to_have_value("road-damage")
    expect(page.locator("#tracking-number")).to_have_count(0)
    assert db.session.scalar(select(Case.id)) is None  # nothing kept


def test_the_unit_resolves_the_case_and_the_citizen_reads_the_reply(
    page, new_context, make_case, work
):
    case = make_case(phone=PHONE)
    work()
    tn = case.tracking_number

    page.goto("/login")
    page.locator("#username").fill("chengguan")
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/workbench$"))

    page.goto("/workbench")
    page.get_by_role("link", name=tn, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/cases/{tn}$"))
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-dispatched\b"))

    page.locator("#acknowledge").click()
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-acknowledged\b"))

    page.locator("textarea[name=text]").fill("已安排施工队今天下午到场")
    page.locator("#add-update").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("已安排施工队今天下午到场")

    page.locator("textarea[name=reply]").fill(REPLY)
    page.locator("#resolve").click()
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))
    expect(page.locator(".flash.error")).to_have_count(0)

    citizen = new_context().new_page()  # another person, not signed in
    track(citizen, tn)
    expect(citizen.locator("#status")).to_have_class(re.compile(r"\bstatus-resolved\b"))
    expect(citizen.locator("#timeline")).to_contain_text(REPLY)
    expect(citizen.locator("#timeline")).to_contain_text("已安排施工队今天下午到场")
    citizen.screenshot(path=SCREENSHOT, full_page=True)


def test_the_language_switches_to_english_and_back(page):
    page.goto("/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "zh-CN")

    page.get_by_role("link", name="English", exact=True).click()
    expect(html).to_have_attribute("lang", "en")

    page.get_by_role("link", name="中文", exact=True).click()
    expect(html).to_have_attribute("lang", "zh-CN")
