"""The administrator imports a register file in a real browser: the page
stores it and shows a busy bar; a worker counts the rows and imports them; the bar, polled by the
page's script, reaches 100% and the page shows the result with its bad lines."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import sign_in

ROWS = 12
CSV = ("地址,房东,房东电话\n" + "".join(
    f"港湾路15号{n}房,房东{n},139001390{n:02d}\n" for n in range(1, ROWS)) +
    "无名路1号,房东乙,13900139001\n").encode()


def test_an_import_shows_its_bar_reach_100_percent_and_then_the_result(page, shared_clock,
                                                                        work):
    sign_in(page, "admin")
    page.goto("/admin/register/import")
    page.locator("#kind").select_option("properties")
    page.locator("#file").set_input_files(
        files=[{"name": "出租屋.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.locator("#import-button").click()
    expect(page).to_have_url(re.compile(r"/admin/register/import/\d+$"))
    bar = page.locator("#import-progress")
    assert bar.get_attribute("value") is None  # busy until the job has counted the rows
    expect(page.locator("#import-count")).to_have_text("正在统计文件的行数。")
    expect(page.locator("#import-state")).to_have_text("等待开始")

    work()  # the worker imports the file while the page polls
    expect(page.locator("#import-result")).to_contain_text("新增 11")
    expect(page.locator("#import-state")).to_have_text("已完成")
    assert bar.evaluate("b => b.value === b.max") and bar.evaluate("b => b.max") == ROWS
    expect(page.locator("#import-count")).to_have_text(f"已处理 {ROWS} 行，共 {ROWS} 行")
    expect(page.locator("#import-errors")).to_contain_text(f"第 {ROWS + 1} 行")
    page.goto("/admin/register/import")
    expect(page.locator("#import-runs")).to_contain_text("出租屋.csv")


def test_without_javascript_the_page_refreshes_itself_until_the_result(
        browser, live_server, shared_clock, work):
    context = browser.new_context(base_url=live_server, locale="zh-CN",
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, "admin")
        page.goto("/admin/register/import")
        page.locator("#file").set_input_files(
            files=[{"name": "出租屋.csv", "mimeType": "text/csv", "buffer": CSV}])
        page.locator("#import-button").click()
        expect(page.locator("#import-state")).to_have_text("等待开始")
        work()
        expect(page.locator("#import-result")).to_contain_text("新增 11")  # a refresh later
        expect(page.locator("#import-progress")).to_have_attribute("value", str(ROWS))
    finally:
        context.close()
