"""The evaluation dashboard in a real browser: it refreshes itself when a new
case arrives (no reload), a figure opens the cases behind it, and the
ranking's Excel export downloads."""

from __future__ import annotations

import io
import time
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from core.clock import SystemClock
from core.db import db
from tests.evaluation.conftest import History, at

DAY = date(2026, 11, 20)


@pytest.fixture
def history(app, browser_app):
    h = History(app)
    browser_app.extensions["clock"] = h.clock  # both apps read one frozen clock
    yield h
    browser_app.extensions["clock"] = SystemClock()


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()


def test_dashboard_refreshes_itself_and_figures_open_their_cases(page: Page, history):
    history.case("city-management", at(DAY, 9))
    db.session.commit()
    history.now(at(DAY, 9, 30))
    sign_in(page, "evaluator")
    page.goto("/evaluation?unit_type=department&refresh=2")
    cell = page.locator('#live tr[data-unit="city-management"] td').nth(1)
    expect(cell).to_have_text("1")
    marker = page.evaluate("() => { window.notReloaded = true; return true; }")
    assert marker

    history.case("city-management", at(DAY, 9, 40))
    db.session.commit()
    history.now(at(DAY, 9, 45))
    deadline = time.monotonic() + 15
    while cell.inner_text().strip() != "2":
        assert time.monotonic() < deadline, "the dashboard did not refresh itself"
        page.wait_for_timeout(200)
    assert page.evaluate("() => window.notReloaded === true")  # fetched, not reloaded

    cell.locator("a").click()
    expect(page.locator("table.cases tbody tr")).to_have_count(2)
    expect(page.locator("p.definition")).to_be_visible()


def test_ranking_exports_to_excel_from_the_page(page: Page, history):
    history.case("city-management", at(DAY, 9))
    db.session.commit()
    sign_in(page, "evaluator")
    page.goto("/evaluation/ranking?unit_type=department&period=month&day=2026-11-20")
    expect(page.locator('#ranking tr[data-unit="city-management"]')).to_be_visible()
    with page.expect_download() as download:
        page.locator('a[href*="ranking.xlsx"]').click()
    data = Path(download.value.path()).read_bytes()  # a temporary name without .xlsx
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws.cell(row=1, column=1).value == "排名"
