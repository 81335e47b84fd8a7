"""One helper decides whether a request gets the whole page or just a fragment of it.

Every page and every htmx fragment goes through ``render()``: it returns a finished response, so a
view sets the status or a header by argument instead of patching a tuple afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping

from flask import Response, make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_htmx() -> bool:
    # A history restore wants the whole page even though htmx sends it.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(
    template: str,
    block: str | None = None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context,
) -> Response:
    """Render ``template``; for an htmx request naming a ``block``, only that block.

    A fragment template (``_name.html``) is rendered whole: it is already the piece htmx swaps.
    """
    if block and is_htmx():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    if headers:
        response.headers.update(headers)
    return response


def render_document(template: str, **context) -> str:
    """A whole document as text, not a response: the readable copy inside a "My data" zip."""
    return render_template(template, **context)
