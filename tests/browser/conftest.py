"""Browser fixtures: the app served on a real port, and Debian's headless
Chromium driven by Playwright (never a downloaded browser).

The served app is a second app on the session's database and Redis with CSRF
protection on, so a real browser exercises the tokens; the autouse `_clean`
fixture and the `work` fixture of tests/conftest.py still apply to it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from app import create_app
from core.clock import SystemClock
from tests.conftest import _test_config

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # The machine's network is closed: keep Chromium from calling home.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def browser_app(app, database_url, redis_url, tmp_path_factory):
    """The app the browser talks to: as the test app, with CSRF enabled.

    Depends on `app` so the schema is migrated before it serves anything.
    """
    config = _test_config(database_url, redis_url, str(tmp_path_factory.mktemp("browser")))
    return create_app(config | {"WTF_CSRF_ENABLED": True})


@pytest.fixture(scope="session")
def live_server(browser_app) -> Iterator[str]:
    """The browser app on 127.0.0.1 and a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable[[], BrowserContext]]:
    """Factory: a fresh browser context (its own cookies: a separate person)
    on the live server, closed after the test."""
    contexts: list[BrowserContext] = []

    def make() -> BrowserContext:
        context = browser.new_context(base_url=live_server, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context) -> Page:
    return new_context().new_page()


@pytest.fixture
def shared_clock(clock, browser_app):
    """The served app reads the test's frozen clock (Thursday 2026-11-26 10:00)."""
    browser_app.extensions["clock"] = clock
    yield clock
    browser_app.extensions["clock"] = SystemClock()
