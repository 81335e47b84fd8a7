"""Browser tests: Playwright drives Debian's Chromium against a live Tisser server.

The server runs in a thread of the test process, on the same database as the ``app`` fixture, so
a test can prepare data directly and then act through the browser.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.factories import PASSWORD

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Quiet and offline-safe headless Chromium, as root (see shared/notes/measured-facts.md).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


# ``live_server`` lives in tests/conftest.py: the concurrency tests use it too.
@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


class PageProblems:
    """Console errors (CSP violations included), uncaught exceptions and 5xx answers of a page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        page.on("response", lambda r: r.status >= 500 and self.errors.append(f"HTTP {r.status} {r.url}"))
        return page

    def _console(self, msg) -> None:
        # Chromium logs every 4xx as an error; those are answers the tests expect (422, 403, 404).
        if msg.type == "error" and not msg.text.startswith(
            "Failed to load resource: the server responded with a status of 4"
        ):
            self.errors.append(f"console: {msg.text}")


@pytest.fixture(autouse=True)
def page_problems(request: pytest.FixtureRequest, app) -> Iterator[PageProblems]:
    """Every browser test fails on a console error, a JavaScript exception or a server error.

    Depends on ``app`` so that the database is emptied only after the pages are closed.
    """
    problems = PageProblems()
    if "page" in request.fixturenames:
        problems.watch(request.getfixturevalue("page"))
    yield problems
    assert not problems.errors, "\n".join(problems.errors)


def login(page: Page, email: str, password: str) -> None:
    page.goto("/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/compte")


def open_as(browser: Browser, base_url: str, user, problems: PageProblems) -> tuple[BrowserContext, Page]:
    """A new browser (French, Paris time), watched for problems, logged in as ``user`` unless None."""
    context = browser.new_context(base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris")
    # Console errors (CSP included), JavaScript exceptions and 5xx fail the test, on every page.
    page = problems.watch(context.new_page())
    if user is not None:
        login(page, user.email, PASSWORD)
    return context, page


def screenshots(page: Page, name: str) -> None:
    """With SHOTS_DIR set, full-page screenshots at 375 and 1280 px, for a person to look at."""
    folder = os.environ.get("SHOTS_DIR")
    if not folder:
        return
    size = page.viewport_size
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"{folder}/{name}-{width}.png", full_page=True, caret="initial")
    page.set_viewport_size(size)
