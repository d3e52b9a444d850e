"""The district map in a real browser: the supervisor sees the communities
coloured by overdue cases, a click on a community opens the desk's list for
it, and /stats shows each street's cases and a map. No request leaves the
app: every URL the page asks for is checked, and anything not on 127.0.0.1
is refused and fails the test.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from escalation.jobs import sweep
from tests.app.supervision.helpers import at

DONGYUAN = (113.429, 23.088)  # a point inside 东苑社区 (黄埔街道)


@pytest.fixture
def offline(page: Page):
    """Record every request; refuse (and later fail on) any not to 127.0.0.1."""
    seen: list[str] = []

    def check(route):
        seen.append(route.request.url)
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            route.abort()

    page.route("**/*", check)
    yield seen
    outside = [u for u in seen if urlsplit(u).hostname != "127.0.0.1"]
    assert outside == [], f"requests left the machine: {outside}"
    assert any("/vendor/echarts/" in u for u in seen)  # the vendored copy, from the app


@pytest.fixture
def overdue_case(shared_clock, make_case, work):
    """A broken pavement in 东苑社区, handled by the city-management
    department, not signed for by its 16:00 deadline (level 1 at 16:05)."""
    shared_clock.at = at(11, 26, 10, 0)
    case = make_case(lat=DONGYUAN[1], long=DONGYUAN[0])
    work()
    shared_clock.at = at(11, 26, 16, 5)
    sweep()
    return case


def sign_in(page: Page, username: str) -> None:
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill("xietong-demo")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/(workbench|evaluation)$"))


def drawn(page: Page, selector: str):
    """The map element once drawn, after checking its canvas has a size."""
    box = page.locator(f"{selector}[data-state=ready]")
    expect(box).to_be_visible()
    canvas = page.locator(f"{selector} .map-canvas canvas").first
    size = canvas.bounding_box()
    assert size and size["width"] > 100 and size["height"] > 100, size
    return box


def click_at(page: Page, selector: str, lng: float, lat: float, under: str) -> None:
    """Click the map where a longitude and latitude fall (ECharts tells the pixel),
    once every chart of the page is drawn and the map has stopped moving (a
    chart drawn later can push it down between the measure and the click).

    The pointer rests there first until the chart's tooltip names `under`:
    ECharts counts a click only when press and release land on the same
    drawn element, and on a loaded machine the hover's redraw can fall
    between the two when they come straight after the move."""
    canvas = page.locator(f"{selector} .map-canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-state]')]"
        ".every(e => e.dataset.state === 'ready')")
    origin = canvas.bounding_box()
    for _ in range(20):
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")
        again = canvas.bounding_box()
        if again == origin:
            break
        origin = again
    x, y = page.evaluate(
        "([sel, lng, lat]) => document.querySelector(sel).xietongChart"
        ".convertToPixel({geoIndex: 0}, [lng, lat])", [selector, lng, lat])
    page.mouse.move(origin["x"] + x, origin["y"] + y)
    expect(canvas.get_by_text(under)).to_be_visible()
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => "
                  "requestAnimationFrame(() => r())))")
    page.mouse.down()
    page.mouse.up()


def test_a_supervisor_sees_overdue_cases_on_the_map_and_opens_a_community(
    page: Page, offline, overdue_case
):
    tn = overdue_case.tracking_number
    sign_in(page, "supervisor")
    page.goto("/supervision")
    box = drawn(page, "#desk-map")
    expect(box).to_have_attribute("data-measure", "overdue")
    expect(page.locator("#desk-map select.map-measure option")).to_have_count(2)
    row = page.locator("#community-figures tr[data-community=huangpu-dongyuan]")
    expect(row.locator("td.overdue")).to_have_text("1")

    # Beside the point, still inside 东苑社区: the community, not the case.
    click_at(page, "#desk-map", DONGYUAN[0] - 0.004, DONGYUAN[1] + 0.004, "东苑社区")
    expect(page).to_have_url(re.compile(r"/supervision\?community=huangpu-dongyuan#escalated$"))
    expect(page.locator("#filters select[name=community]")).to_have_value("huangpu-dongyuan")
    expect(page.locator(f"#escalated tr[data-tracking-number='{tn}']")).to_be_visible()
    drawn(page, "#desk-map")

    click_at(page, "#desk-map", *DONGYUAN, tn)  # the case's own point: its page
    expect(page).to_have_url(re.compile(rf"/cases/{tn}$"))


def test_stats_shows_each_streets_cases_and_a_map(page: Page, offline, overdue_case):
    page.goto("/stats")
    streets = page.locator("#streets")
    expect(streets.locator("tr[data-street=huangpu-street] td.received")).to_have_text("1")
    expect(streets.locator("tr[data-street=hongshan-street] td.received")).to_have_text("0")
    expect(page.locator("#streets-basis")).to_contain_text("按问题发生地所在街道统计")
    drawn(page, "#stats-map")

    click_at(page, "#stats-map", *DONGYUAN, "东苑社区")  # no list behind it: the aggregate row
    detail = page.locator("#stats-map .map-detail table.map-row")
    expect(detail).to_have_attribute("data-code", "huangpu-dongyuan")
    expect(detail).to_contain_text("东苑社区")
    expect(page).to_have_url(re.compile(r"/stats$"))
    assert overdue_case.tracking_number not in page.content()


def test_the_evaluation_map_opens_the_cases_behind_a_communitys_figure(
    page: Page, offline, overdue_case
):
    sign_in(page, "evaluator")
    # The live figures above the map refresh every 30 s and move it; not while clicking.
    page.goto("/evaluation?refresh=600")
    box = drawn(page, "#evaluation-map")
    expect(box).to_have_attribute("data-measure", "received")
    page.locator("#evaluation-map select.map-period").select_option("day")
    expect(page.locator("#evaluation-map[data-state=ready]")).to_be_visible()
    click_at(page, "#evaluation-map", *DONGYUAN, "东苑社区")
    expect(page).to_have_url(re.compile(
        r"/evaluation/cases\?unit=huangpu-dongyuan&measure=received&from=2026-11-26"
        r"&to=2026-11-26$"))
    expect(page.locator("h1")).to_contain_text("东苑社区")


def test_a_units_trend_charts_are_drawn_beside_their_tables(page: Page, offline, overdue_case):
    sign_in(page, "evaluator")
    page.goto("/evaluation/unit/city-management")
    chart = page.locator("figure[data-measure=received] .echart[data-state=ready]")
    expect(chart).to_be_visible()
    assert chart.locator("svg").bounding_box()["height"] > 100
    page.emulate_media(media="print")
    expect(chart).to_be_hidden()  # the printed page keeps the tables
    page.emulate_media(media="screen")
    page.goto("/evaluation/report?month=2026-11")
    # only the departments have a score (city management signed late): one chart
    expect(page.locator(".report-section .echart[data-state=ready]")).to_have_count(1)
    page.emulate_media(media="print")
    expect(page.locator(".report-section .echart").first).to_be_hidden()
    expect(page.locator(".report-section table").first).to_be_visible()
