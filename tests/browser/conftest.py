"""A live server on the test database and a Pixel 5 Chromium (Debian's) in vi-VN."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_server(app):
    """The test app served on 127.0.0.1 (a free port) in a thread, with CSRF protection on."""
    app.config["WTF_CSRF_ENABLED"] = True
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield playwright, browser
        finally:
            browser.close()


@pytest.fixture
def phone(chromium):
    """A fresh browser context (no cookies, no storage) emulating a Pixel 5 in Vietnamese."""
    playwright, browser = chromium
    context = browser.new_context(**playwright.devices["Pixel 5"], locale="vi-VN")
    context.set_default_timeout(10_000)
    try:
        yield context
    finally:
        context.close()
