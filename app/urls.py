"""The two ways a URL can be dangerous, each handled in one place.

- Links in e-mails (``email_url``): they are built from the site's public address,
  ``TISSER_BASE_URL``, never from the request. The request's ``Host`` (or a client-sent
  ``X-Forwarded-Host``) is chosen by whoever sends it: a password-reset link built from it would
  carry a valid token to the attacker's site.
- Absolute addresses of public pages (``public_url``: feeds, sitemap, API, exports) come from the
  request, whose host the production settings restrict to ``TRUSTED_HOSTS``.
- Destinations read from the request (``safe_next``, ``redirect_back``): ``next=`` and ``retour=``
  may only lead to a path of this site, otherwise a link on a trusted site sends people elsewhere.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import current_app, redirect, url_for
from werkzeug.routing import MapAdapter

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
# Query parameters that say where a visitor came from, never what the page shows: left out of the
# canonical and hreflang addresses (app.feeds.meta, app.i18n).
TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset({"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "ref"})


def is_tracking(key: str) -> bool:
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def base_url() -> str:
    return (current_app.config.get("TISSER_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def email_url(endpoint: str, **values) -> str:
    """An absolute URL for an e-mail, on ``TISSER_BASE_URL`` whatever request or command runs."""
    with current_app.test_request_context(base_url=base_url()):
        return url_for(endpoint, _external=True, **values)


def public_url(endpoint: str, **values) -> str:
    """An absolute address of a public page, for what is read away from the site: feeds, the
    sitemap, the API's and the exports' links. Built from the request, whose host is one of
    ``TRUSTED_HOSTS`` in production (any other gets 400 before a view runs). E-mails have no
    request to trust: ``email_url``."""
    return url_for(endpoint, _external=True, **values)


def build_public_url(adapter: MapAdapter, endpoint: str, values: dict) -> str:
    """``public_url`` through a URL adapter bound once for many rows (the streamed exports)."""
    return adapter.build(endpoint, values, force_external=True)


def email_link(path: str) -> str:
    """A path of this site (``/idees/3#c5``) made absolute for an e-mail."""
    if path.startswith(("http://", "https://")):
        return path
    return base_url() + "/" + path.lstrip("/")


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path of this site, else None (no open redirect).

    Browsers ignore tabs and line breaks in a ``Location`` and read ``/\\evil`` as ``//evil``:
    any control or space character, a backslash, or anything with a scheme or host is refused."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(unicodedata.category(ch)[0] in "CZ" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def redirect_back(target: str | None, default: str):
    """Redirect to ``target`` when it is safe (see ``safe_next``), else to ``default``."""
    return redirect(safe_next(target) or default)
