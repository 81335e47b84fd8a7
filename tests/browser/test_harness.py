"""The harness itself must be able to fail: axe finds a real violation, the watcher a real error."""

import pytest
from playwright.sync_api import Page

from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import PageProblems


def test_axe_reports_violations(page: Page, app):
    page.set_content('<html><body><main><img src="data:,"><input type="text"></main></body></html>')
    ids = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "html-has-lang"} <= ids
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, viewports=("mobile",))


def test_problem_watcher_sees_csp_violations(page: Page, base_url: str, app, page_problems: PageProblems):
    page.goto("/plan-du-site")
    # An inline script is what the CSP forbids: the browser refuses it and says so.
    page.evaluate(
        """() => {
            const s = document.createElement('script');
            s.textContent = 'window.ran = 1';
            document.body.append(s);
        }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.ran") is None
    assert any("Content Security Policy" in e for e in page_problems.errors)
    page_problems.errors.clear()
