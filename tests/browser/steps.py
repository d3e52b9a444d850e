"""What a person does in the browser, in one place for the browser tests:
sign in, dispatch from the queue, open a case from the workbench, open a
folded form, track a case as the citizen. Every wait is Playwright's expect,
never a sleep."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

PASSWORD = "xietong-demo"


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def succeeded(page: Page) -> None:
    """The last action was accepted: a success flash and no error."""
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator(".flash.error")).to_have_count(0)


def dispatch_to(page: Page, tn: str, unit: str) -> None:
    """From the dispatcher queue: open the case and dispatch it to `unit` (a code)."""
    page.goto("/dispatch")
    page.locator(f"#queue-{tn}").get_by_role("link", name=tn).click()
    page.locator("#dispatch select[name='unit']").select_option(unit)
    page.locator("#dispatch-button").click()
    succeeded(page)


def open_from_workbench(page: Page, tn: str) -> None:
    """A unit finds the case among its own on the workbench and opens it."""
    page.goto("/workbench")
    page.get_by_role("link", name=tn).click()
    expect(page).to_have_url(re.compile(rf"/cases/{tn}$"))


def unfold(page: Page, button_id: str) -> None:
    """Open the <details> that holds the form of `button_id`."""
    page.locator("details", has=page.locator(f"#{button_id}")).locator("summary").click()
    expect(page.locator(f"#{button_id}")).to_be_visible()


def track(page: Page, tn: str, last4: str) -> None:
    """The citizen looks the case up on /track with its number and the phone's last 4 digits."""
    page.goto("/track")
    page.locator("#tracking_number").fill(tn)
    page.locator("#phone_last4").fill(last4)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#case")).to_be_visible()
