"""axe-core in the page: fails on any WCAG 2.1 A/AA violation."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).resolve().parent.parent / "vendor" / "axe-4.14.1.min.js").read_text()
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "mobile": {"width": 375, "height": 800}}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict]:
    """Violations on the current page. The page needs JavaScript enabled: axe runs in it."""
    # Let the page settle first (htmx initialises after DOMContentLoaded).
    page.wait_for_load_state("networkidle")
    # Evaluated through the DevTools protocol, so the page's strict CSP stays on for the test.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # ";void 0": the script's own completion value is not something to wait for.
        page.evaluate(AXE_SOURCE + "\n;void 0")
    # The run's result is left on window and polled for, rather than awaited through one long
    # evaluate whose promise Chromium may collect under load.
    page.evaluate(
        """(tags) => {
            window.__axeResult = undefined;
            axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
               .then(r => { window.__axeResult = r.violations; }, e => { window.__axeResult = String(e); });
        }""",
        TAGS,
    )
    page.wait_for_function("() => window.__axeResult !== undefined", polling=100, timeout=30_000)
    result = page.evaluate("() => window.__axeResult")
    if isinstance(result, str):
        raise AssertionError(f"axe failed: {result}")
    return result


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def assert_accessible(page: Page, viewports: tuple[str, ...] = ("desktop", "mobile")) -> None:
    """Run axe at each viewport width; fail with a readable list of violations."""
    problems = []
    for name in viewports:
        page.set_viewport_size(VIEWPORTS[name])
        violations = axe_violations(page)
        if violations:
            problems.append(f"[{name} {page.url}]\n{describe(violations)}")
    assert not problems, "\n".join(problems)
