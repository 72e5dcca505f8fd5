"""Fixtures of the browser tests, imported by the modules that use them: one headless Debian Chromium
per module, a fresh context per test, and a full-page screenshot in ./test-artifacts/ when a test fails. A module provides
``server`` (a base URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import pyvips
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.helpers import require_tool

ARTIFACTS = Path("test-artifacts")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = require_tool("chromium")
    # Renders on a busy two-core CI machine can take longer than expect()'s default of five seconds.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 720}
    context = browser.new_context(base_url=server, viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    opened.set_default_timeout(20_000)
    failed_before = request.session.testsfailed
    yield opened
    # Script errors or CSP violations would show up here even when the flow happened to work.
    unexpected = [e for e in errors if not any(known in e for known in ("404", "Failed to load resource"))]
    # The session counts a failed call before its fixtures are torn down.
    if request.session.testsfailed > failed_before or unexpected:
        screenshot(opened, request.node.name)
    context.close()
    assert unexpected == [], unexpected


def png(shade: int, size: tuple[int, int] = (64, 48)) -> bytes:
    """A small PNG whose content differs with ``shade`` (uploads of the same content are deduplicated)."""
    return bytes(pyvips.Image.black(*size, bands=3).new_from_image([shade % 256, shade // 256, 128]).pngsave_buffer())


def screenshot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception as exc:  # the page may be gone; the test's own error matters more
        print(f"no screenshot for {name}: {exc}")


def sign_up(page: Page, username: str, at: str = "/") -> None:
    """A new account through the form of the playground at ``at`` (default: the module's server)."""
    page.goto(at)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_role("heading", name="Your images")).to_be_visible()
    expect(page.locator("#whoami")).to_have_text(f"Signed in as {username}")
