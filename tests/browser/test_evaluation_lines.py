"""Issue 17's "Done when", the evaluation part, in a real browser: the
ranking of the departments shows every business line, the evaluation
office's weight for a line changes the ranking, and a figure of a line
clicks through to the matters behind it. The supervision line is the test's
fixture line, declared as each kind declares its own (tests/evaluation/
test_lines.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.clock import SystemClock
from tests.evaluation.conftest import History
from tests.evaluation.test_lines import CODE, FIXTURE_LINE, build_lines, declared

RANKING = "/evaluation/ranking?unit_type=department&from=2026-11-02&to=2026-11-08"
LINES = ("petition", "supervision", "proposal", "document", "register")


@pytest.fixture
def history(app, browser_app):
    h = History(app)
    browser_app.extensions["clock"] = h.clock  # both apps read one frozen clock
    yield h
    browser_app.extensions["clock"] = SystemClock()


@pytest.fixture
def fixture_line():
    with declared(FIXTURE_LINE) as line:
        yield line


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()


def ranked(page: Page) -> list[str]:
    return page.locator("#ranking tbody tr[data-unit]").evaluate_all(
        "rows => rows.map(r => r.dataset.unit)")


def test_lines_rank_the_departments_weights_change_it_figures_open_their_matters(
        page: Page, history, fixture_line):
    build_lines(history)
    sign_in(page, "evaluator")
    page.goto(RANKING)
    for name in LINES:  # every line, with its score beside the composite
        expect(page.locator(f'#lines a[data-line="{name}"]')).to_be_visible()
        expect(page.locator(f'#ranking tr[data-unit="city-management"] '
                            f'td[data-line="{name}"]')).to_have_count(1)
    assert ranked(page)[:2] == ["environment", "city-management"]
    expect(page.locator('#ranking tr[data-unit="city-management"] '
                        'td[data-line="supervision"]')).to_have_text("100.0")

    page.goto("/evaluation/weights")
    page.locator('input[name="line:supervision"]').fill("95")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#weight-history")).to_contain_text("evaluator")

    page.goto(RANKING)
    assert ranked(page)[:2] == ["city-management", "environment"]

    page.locator(f'#ranking tr[data-unit="environment"] td[data-measure="{CODE}"] a').click()
    rows = page.locator("table.cases tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("督〔2026〕")  # the late item, not met
    expect(rows.first.locator("td").last).to_have_text("否")
