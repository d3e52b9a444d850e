"""The operator console in a real browser: a call arrives while the console
is open, the caller's earlier case pops up without a reload, and the operator
logs the call and reads the new tracking number to the caller.

The Call row is written as the Twilio webhook writes it; the page finds it by
polling. Every wait is Playwright's expect with a deadline, never a sleep.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases.models import Case
from channels.phone.models import Call
from core.db import db

CALLER = "+8613800138000"
SCREENSHOT = "/tmp/console.png"


def sign_in_to_console(page: Page) -> None:
    page.goto("/console")  # not signed in: the sign-in page, then back here
    page.locator("#username").fill("operator")
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/console$"))
    expect(page.locator("#no-calls")).to_be_visible()


def test_a_call_pops_up_with_the_callers_history_and_is_logged(page, make_case):
    earlier = make_case(phone="13800138000", address_text="港湾路15号")
    sign_in_to_console(page)
    marker = page.evaluate("window.__notReloaded = true")  # gone if the page reloads
    assert marker is True

    call = Call(call_sid="CA" + "1" * 32, hotline="12319", from_number=CALLER,
                to_number="+862000012319", status="in-progress", outcome="operator")
    db.session.add(call)
    db.session.commit()

    item = page.locator(f"#call-{call.id}")
    expect(item).to_contain_text(CALLER)
    expect(item).to_contain_text("12319")
    history = page.locator("#history-cases")
    expect(history).to_contain_text(earlier.tracking_number)
    expect(history.get_by_role("link", name=earlier.tracking_number)).to_have_attribute(
        "href", f"/console/cases/{earlier.tracking_number}")
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator("#phone")).to_have_value(CALLER)
    expect(page.locator("#caller")).to_contain_text("12319")

    # The caller reports something new, at another address.
    page.locator("#category").select_option(value="street-light")
    page.locator("#description").fill("丰乐南路的路灯坏了三盏")
    page.locator("#address").fill("丰乐南路20号")
    expect(page.locator("#address-suggestions option[value='丰乐南路']")).to_have_count(1)
    page.locator("#address").press("Tab")  # on to the next field; the suggestions close
    expect(page.locator("#nearby-empty")).to_be_visible()
    # The same number called before: the console says so before saving.
    expect(page.locator("#duplicate-cases")).to_contain_text(earlier.tracking_number)
    page.screenshot(path=SCREENSHOT, full_page=True)
    page.locator("#log-case").click()
    # Still the same number: the server asks once more, then saves on request.
    page.locator("#save-anyway").click()

    number = page.locator("#saved-tracking-number")
    expect(number).to_have_text(re.compile(r"^\s*\d{10}\s*$"))
    db.session.rollback()  # end this test's read snapshot: see what the server wrote
    case = db.session.scalar(
        select(Case).where(Case.tracking_number == number.inner_text().strip()))
    assert case.channel == "phone-12319"
    assert case.category.code == "street-light"
    assert (call.case_id, call.outcome) == (case.id, "logged")
    # The logged call stays on the board while the caller is on the line, marked as logged.
    expect(page.locator(f"#call-{call.id}")).to_contain_text(case.tracking_number)


def test_a_signed_call_asking_for_an_operator_pops_up_on_the_console(
        page, live_server, browser_app, make_case, monkeypatch):
    """The whole path: Twilio's signed webhooks (the call, then the caller
    pressing 0) reach the server, and the console shows the caller."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urljoin

    import requests
    from twilio.request_validator import RequestValidator

    token = "browser-twilio-token"
    monkeypatch.setitem(browser_app.config, "PUBLIC_BASE_URL", live_server)
    monkeypatch.setitem(browser_app.config, "TWILIO_AUTH_TOKEN", token)
    earlier = make_case(phone="13800138000", address_text="港湾路15号")
    sign_in_to_console(page)

    def twilio(url: str, **params: str) -> ET.Element:
        params = {"CallSid": "CA" + "7" * 32, "AccountSid": "AC" + "1" * 32,
                  "From": CALLER, "To": "+862000095100", "CallStatus": "in-progress"} | params
        signature = RequestValidator(token).compute_signature(url, params)
        reply = requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                              timeout=10)
        assert reply.status_code == 200, reply.text
        return ET.fromstring(reply.content)

    greeting = twilio(f"{live_server}/twilio/voice")
    menu = greeting.find("Gather")
    twilio(urljoin(f"{live_server}/twilio/voice", menu.get("action")), Digits="0")

    item = page.locator("#call-list > *").first
    expect(item).to_contain_text(CALLER)
    expect(item).to_contain_text("95100")
    expect(page.locator("#history-cases")).to_contain_text(earlier.tracking_number)
