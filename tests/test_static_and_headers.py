import hashlib
from pathlib import Path

from tests.helpers import html

ROOT = Path(__file__).resolve().parent.parent
HTMX = ROOT / "static" / "vendor" / "htmx-4.0.1" / "htmx.min.js"


def test_vendored_htmx_is_the_recorded_release():
    recorded = (ROOT / "static" / "vendor" / "VERSIONS.md").read_text()
    digest = hashlib.sha256(HTMX.read_bytes()).hexdigest()
    assert digest in recorded
    assert "htmx.org@4.0.1" in recorded
    assert "4.0.1" in HTMX.read_text()


def test_static_files_are_versioned_and_cached_for_long(client):
    page = html(client.get("/"))
    src = page.split('<script src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/static/vendor/htmx-4.0.1/htmx.min.js?v=")
    with client.get(src) as response:
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "HX-Request" in response.headers["Vary"]


def test_no_inline_script_or_style_in_templates():
    import re

    # The readable copy inside a "My data" zip is opened offline, never served under the site's
    # CSP: it carries its own style (and no script).
    offline = {ROOT / "templates" / "mydata" / "export.html"}
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        if template not in offline:
            assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+=", text), template
        assert "hx-on" not in text, template


def test_one_out_of_band_mechanism():
    # htmx 4's <hx-partial> names its target and its swap; hx-swap-oob would be a second way to do it.
    for template in (ROOT / "templates").rglob("*.html"):
        assert "hx-swap-oob" not in template.read_text(), template
