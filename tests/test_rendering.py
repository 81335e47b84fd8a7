"""The one rendering helper: every page and fragment goes through ``app.rendering.render``."""

import re
from pathlib import Path

from flask import Response

from app.rendering import render

APP = Path(__file__).resolve().parent.parent / "app"


def test_render_returns_a_response_with_its_status_and_headers(app):
    response = render("errors/error.html", status=418, headers={"X-Essai": "oui"}, code=418, title="T", message="M")
    assert isinstance(response, Response)
    assert response.status_code == 418
    assert response.headers["X-Essai"] == "oui"
    assert "<html" in response.get_data(as_text=True)


def test_render_answers_only_the_block_to_htmx(app):
    with app.test_request_context(headers={"HX-Request": "true"}):
        body = render("errors/error.html", block="error", code=404, title="T", message="M").get_data(as_text=True)
    assert "<html" not in body and "M" in body


def test_no_template_is_rendered_outside_the_helper():
    # Pages and fragments: render(); the card cache (app/fragments.py) renders pieces inside a page.
    allowed = {APP / "rendering.py", APP / "fragments.py"}
    offenders = [
        f"{path.relative_to(APP)}:{number}"
        for path in APP.rglob("*.py")
        if path not in allowed
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\brender_template(_string)?\b|\brender_block\b|\.get_template\(", line)
    ]
    assert offenders == []


def test_template_globals_are_registered_in_one_place():
    # app/templating.py registers them; Flask-Babel's callables are installed by app/i18n.py.
    pattern = r"app_template_(global|filter)|app_context_processor|\.context_processor\b|jinja_env\.(globals|filters)"
    offenders = [
        f"{path.relative_to(APP)}:{number}"
        for path in APP.rglob("*.py")
        if path != APP / "templating.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(pattern, line)
    ]
    assert offenders == []
