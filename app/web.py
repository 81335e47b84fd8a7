"""What every response shares: error pages and response headers (template globals: app/templating.py)."""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from app.extensions import db
from app.ratelimit import retry_after_seconds
from app.rendering import is_htmx, render

# A strict policy from the first page: no inline script or style may ever creep in.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


ERROR_MESSAGES = {
    400: (_l("Requête invalide"), _l("La requête n'a pas pu être comprise.")),
    403: (_l("Accès refusé"), _l("Vous n'avez pas le droit d'accéder à cette page ou de faire cette action.")),
    404: (_l("Page introuvable"), _l("Cette page n'existe pas ou n'existe plus.")),
    405: (_l("Méthode non autorisée"), _l("Cette adresse ne s'utilise pas de cette façon.")),
    413: (_l("Envoi trop volumineux"), _l("Ce que vous avez envoyé dépasse la taille autorisée.")),
    429: (_l("Trop de tentatives"), _l("Vous avez fait trop de tentatives : patientez un peu avant de réessayer.")),
    500: (
        _l("Erreur du serveur"),
        _l("Une erreur inattendue s'est produite. Réessayez dans un instant ; si le problème persiste, écrivez-nous."),
    ),
}


def error_page(code: int, message: str | None = None, headers: dict[str, str] | None = None) -> Response:
    title, default = ERROR_MESSAGES.get(code, ERROR_MESSAGES[500])
    return render(
        "errors/error.html",
        block="error",
        status=code,
        headers=headers,
        code=code,
        title=str(title),
        message=message or str(default),
    )


def _retry_in(seconds: int) -> str:
    if seconds < 2:
        return _("Vous pourrez réessayer dans un instant.")
    if seconds <= 90:
        return _("Vous pourrez réessayer dans %(n)d secondes.", n=seconds)
    minutes = -(-seconds // 60)
    if minutes < 120:
        return _("Vous pourrez réessayer dans %(n)d minutes.", n=minutes)
    return _("Vous pourrez réessayer dans %(n)d heures.", n=-(-minutes // 60))


def setup_web(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_page(
            400,
            _("Le formulaire a expiré ou ne vient pas de ce site. Rechargez la page puis recommencez."),
        )

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # A Host outside TRUSTED_HOSTS: no URL can be built for it, so no page either.
        return current_app.make_response((_("Cette adresse ne sert pas Tisser."), 400, {"Content-Type": "text/plain"}))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400 or error.response is not None:
            return error
        headers = None
        if error.code == 405 and getattr(error, "valid_methods", None):
            headers = {"Allow": ", ".join(error.valid_methods)}
        return error_page(error.code, headers=headers)

    # Rate limits (app/ratelimit.py).
    @app.errorhandler(RateLimitExceeded)
    def too_many_requests(error: RateLimitExceeded):
        seconds = retry_after_seconds()
        title, message = ERROR_MESSAGES[429]
        message = str(message) + " " + _retry_in(seconds)
        headers = {"Retry-After": str(seconds)}
        if is_htmx():
            # Into the page's message area: the form being filled in (and its text) stays as it is.
            headers |= {"HX-Retarget": ".flashes", "HX-Reswap": "innerHTML"}
            return render("errors/_too_many.html", status=429, headers=headers, title=str(title), message=message)
        return error_page(429, message, headers=headers)

    @app.errorhandler(500)
    def server_error(error: Exception):
        db.session.rollback()
        return error_page(500)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.endpoint != "static":
            # The same URL answers a page or a fragment: caches must keep them apart.
            response.vary.add("HX-Request")
            if current_user.is_authenticated:
                headers.setdefault("Cache-Control", "private, no-cache")
        elif request.args.get("v"):
            headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response
