"""The citizen portal in a real browser: look the case up with the tracking
number and the last 4 phone digits, read the timeline, add information the
unit asked for (with a photo), and answer the callback survey."""

from __future__ import annotations

import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from cases import operations
from cases.models import EventKind
from cases.states import CaseStatus
from core.db import db
from tests.channels.notify.flow import PHONE, REPLY, events, reload, unit_name, user

SCREENSHOT = "/tmp/portal.png"


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "crack.png"
    Image.new("RGB", (32, 24), (90, 90, 90)).save(path, "PNG")
    return path


def look_up(page: Page, tracking_number: str, last4: str = PHONE[-4:]) -> None:
    page.goto("/track")
    page.locator("#tracking_number").fill(tracking_number)
    page.locator("#phone_last4").fill(last4)
    page.locator("main form button[type=submit]").first.click()


def test_the_citizen_adds_information_and_answers_the_survey(page: Page, make_case, work,
                                                             photo):
    case = make_case(phone=PHONE)
    work()
    chengguan = user("chengguan")
    case = reload(case)
    operations.acknowledge(case, chengguan)
    operations.request_information(case, chengguan, "请拍一张破损处的照片。")
    db.session.commit()

    look_up(page, case.tracking_number, "0000")
    expect(page.locator("#not-found")).to_be_visible()
    look_up(page, case.tracking_number)
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-awaiting_info\b"))
    expect(page.locator("#timeline")).to_contain_text(unit_name("city-management"))
    expect(page.locator("#timeline")).to_contain_text("请拍一张破损处的照片。")
    expect(page.locator("#callback")).to_have_count(0)  # nothing to rate yet

    info = page.locator("#information")
    info.locator("textarea[name=text]").fill("裂缝大约一米长，在15号门口东侧。")
    info.locator("input[name=photos]").set_input_files(photo)
    info.locator("#send-information").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/track/[^/]+$"))
    expect(page.locator("#status")).to_have_class(re.compile(r"\bstatus-acknowledged\b"))
    expect(page.locator("#timeline")).to_contain_text("裂缝大约一米长，在15号门口东侧。")
    case = reload(case)
    assert case.status is CaseStatus.ACKNOWLEDGED
    assert [a.filename for a in case.attachments] == ["crack.png"]

    operations.resolve(case, chengguan, REPLY)
    db.session.commit()
    page.reload()
    expect(page.locator("#reply")).to_have_text(REPLY)
    page.screenshot(path=SCREENSHOT, full_page=True)  # to look at when a test fails
    survey = page.locator("#callback")
    survey.locator("#send-callback").click()  # nothing chosen: told beside the questions
    expect(page.locator("#callback .has-error")).to_have_count(2)
    survey = page.locator("#callback")
    survey.locator("input[name=solved][value=not_solved]").check()
    survey.locator("input[name=satisfaction][value=dissatisfied]").check()
    survey.locator("textarea[name=comment]").fill("晚上还是看不清")
    survey.locator("#send-callback").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#callback")).to_have_count(0)
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "not_solved", "satisfaction": "dissatisfied"}
    assert reload(case).status is CaseStatus.RESOLVED  # a supervisor decides now
    assert chengguan.display_name not in page.content()


def test_a_changed_link_shows_a_clear_refusal(page: Page, make_case):
    make_case(phone=PHONE)
    response = page.goto("/track/eyJjIjoxLCJ0IjoiMTIzIn0.forged.signature")
    assert response.status == 403
    expect(page.locator("main h1")).not_to_be_empty()
    expect(page.locator("#case")).to_have_count(0)
