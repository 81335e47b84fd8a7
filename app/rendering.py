"""One helper decides whether a request gets the whole page or just a fragment of it."""

from __future__ import annotations

from flask import render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    # A history restore wants the whole page even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(template: str, block: str | None = None, status: int = 200, **context):
    """Render ``template``; for an htmx request naming a ``block``, only that block."""
    if block and is_htmx():
        return render_block(template, block, **context), status
    return render_template(template, **context), status
