"""The API's routes: read the parameters, ask ``app.api.services``, dump with ``app.api.schemas``.

Every answer is public and the same for everyone (see ``services.visitor``): ``Cache-Control:
public``, a strong ``ETag`` (``If-None-Match`` gives 304) and CORS open to any origin for GET.
Errors are ``application/problem+json`` (RFC 9457) in the request's language (``?lang=en``).
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Blueprint, Response, abort, current_app, request
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from app.access import access
from app.api import schemas, services
from app.permissions import PUBLIC
from app.ratelimit import api_limit, retry_after_seconds
from app.rendering import render
from app.urls import public_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PROBLEM = "application/problem+json"
CACHE_SECONDS = 60


def _json(payload: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return current_app.response_class(body, status=status, mimetype=mimetype)


def _page(schema: type, page: services.Page) -> Response:
    next_url = None
    if page.next_after is not None:
        args = {k: v for k, v in request.args.items() if k != "cursor"}
        cursor = services.encode_cursor(page.next_after)
        next_url = public_url(request.endpoint, **(request.view_args or {}), **args, cursor=cursor)
    return _json(_instance(schemas.page_of(schema)).dump({"items": page.items, "next": next_url}))


@cache
def _instance(schema: type) -> Any:
    # A schema instance holds no request state: build each once (its fields are costly to bind).
    return schema()


def _window() -> services.Window:
    return services.Window(
        after=services.decode_cursor(request.args.get("cursor")),
        limit=services.limit_value(request.args.get("limit")),
    )


def problem(status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    response = _json(
        schemas.Problem().dump({"type": "about:blank", "title": title, "status": status, "detail": detail}),
        status=status,
        mimetype=PROBLEM,
    )
    response.headers.update(headers or {})
    return response


@bp.errorhandler(services.BadRequest)
def bad_request(error: services.BadRequest):
    return problem(400, _("Requête incorrecte"), str(error))


@bp.errorhandler(RateLimitExceeded)
def too_many(error: RateLimitExceeded):
    seconds = retry_after_seconds()
    return problem(
        429,
        _("Trop de requêtes"),
        _("Trop de requêtes depuis cette adresse : réessayez dans %(n)d secondes.", n=seconds),
        {"Retry-After": str(seconds)},
    )


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code == 404:
        return problem(404, _("Introuvable"), _("Cette ressource n'existe pas ou n'est pas publique."))
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else None
    return problem(error.code or 500, error.name, error.description or error.name, headers)


@bp.after_request
def public_headers(response: Response) -> Response:
    headers = response.headers
    headers["Access-Control-Allow-Origin"] = "*"
    headers["Access-Control-Allow-Methods"] = "GET, OPTIONS"
    headers["Access-Control-Allow-Headers"] = "If-None-Match"
    headers["Access-Control-Expose-Headers"] = "ETag, Retry-After"
    # JSON only: the documentation page is an HTML page like the others (its header names whoever is logged in).
    if request.method in ("GET", "HEAD") and response.status_code == 200 and response.mimetype == "application/json":
        # Set here, before the app's own after_request, whose default for a logged-in person
        # (private) does not apply: the answer is the anonymous one (services.visitor).
        headers["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        response.add_etag()
        response.make_conditional(request)
    elif response.status_code >= 400:
        headers["Cache-Control"] = "no-store"
    return response


# --- Documentation --------------------------------------------------------------------------


@bp.route("/")
@access(PUBLIC)
def docs():
    from app.api.spec import document

    return render("api/docs.html", spec=document())


@bp.route("/openapi.json")
@access(PUBLIC)
def openapi():
    from app.api.spec import document

    return _json(document())


# --- Resources ------------------------------------------------------------------------------


@bp.route("/territorial-units")
@access(PUBLIC)
@api_limit()
def territorial_units():
    return _page(schemas.TerritorialUnit, services.territorial_units(_window()))


@bp.route("/communes")
@access(PUBLIC)
@api_limit()
def communes():
    window = _window()
    return _page(schemas.Commune, services.communes(window, request.args.get("pole")))


@bp.route("/domains")
@access(PUBLIC)
@api_limit()
def domains():
    window = _window()
    return _page(schemas.Domain, services.domains(window))


@bp.route("/publics")
@access(PUBLIC)
@api_limit()
def publics():
    window = _window()
    return _page(schemas.TaxonomyValue, services.publics(window))


@bp.route("/calls")
@access(PUBLIC)
@api_limit()
def calls():
    window = _window()
    return _page(schemas.Call, services.calls(window))


@bp.route("/calls/<int:call_id>")
@access(PUBLIC)
@api_limit()
def call(call_id: int):
    return _json(schemas.Call().dump(services.call(call_id) or abort(404)))


@bp.route("/calls/<int:call_id>/results")
@access(PUBLIC)
@api_limit()
def call_results(call_id: int):
    found = services.results(call_id)
    if found is None:
        return problem(
            404, _("Introuvable"), _("Pas de résultats publiés pour cet appel (ou pas d'appel de ce numéro).")
        )
    return _json(schemas.Results().dump(found))


@bp.route("/ideas")
@access(PUBLIC)
@api_limit()
def ideas():
    window = _window()
    f = services.parse_filters(request.args, services.IDEA_FILTERS)
    return _page(schemas.Idea, services.ideas(window, f))


@bp.route("/ideas/<int:idea_id>")
@access(PUBLIC)
@api_limit()
def idea(idea_id: int):
    return _json(schemas.Idea().dump(services.idea(idea_id) or abort(404)))


@bp.route("/proposals")
@access(PUBLIC)
@api_limit()
def proposals():
    window = _window()
    f = services.parse_filters(request.args, services.PROPOSAL_FILTERS)
    return _page(schemas.Proposal, services.proposals(window, f))


@bp.route("/proposals/<int:proposal_id>")
@access(PUBLIC)
@api_limit()
def proposal(proposal_id: int):
    return _json(schemas.Proposal().dump(services.proposal(proposal_id) or abort(404)))


def _comments(kind: str, subject_id: int) -> Response:
    window = _window()
    subject = services.visible_subject(kind, subject_id) or abort(404)
    return _page(schemas.Comment, services.comments(subject, window))


@bp.route("/ideas/<int:idea_id>/comments")
@access(PUBLIC)
@api_limit()
def idea_comments(idea_id: int):
    return _comments("ideas", idea_id)


@bp.route("/proposals/<int:proposal_id>/comments")
@access(PUBLIC)
@api_limit()
def proposal_comments(proposal_id: int):
    return _comments("proposals", proposal_id)


@bp.route("/proposals/<int:proposal_id>/indicators")
@access(PUBLIC)
@api_limit()
def indicators(proposal_id: int):
    window = _window()
    page = services.indicators(proposal_id, window)
    if page is None:
        abort(404)
    return _page(schemas.Indicator, page)


@bp.route("/<path:rest>")
@access(PUBLIC)
def unknown(rest: str):
    # Any other address under /api/v1 answers like the API (problem+json), not with the HTML 404 page.
    abort(404)
