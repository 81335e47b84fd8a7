"""Everything a template may use without its view passing it: registered here, and only here.

A page's data comes from its view. What templates find on their own is limited to:

- the collectivity's identity (``app.identity``): its names, the words for its territorial units
  with their articles (``identity.unit.of_the``: "du pôle"), its legal pages' pieces;
- filters (``app.formatting``) and plain helpers of what the template already holds: URLs, labels
  (an enum member's ``.label``), the permission check ``can`` and the "Signaler" link's rule;
- the fixed choices of the filter forms (``app.search.filters.FILTER_CHOICES``);
- the cached idea and proposal cards (``app.fragments``);
- one context processor, ``header_context``: the header's unread-notification count and, for
  people ever asked to evaluate, their evaluations to finish, which every page shows and no view
  should have to pass. Both cost one query, only for a signed-in person, at most once per request.

``current_user`` comes from Flask-Login, ``csrf_token`` from Flask-WTF, ``_``/``ngettext`` from
``app.i18n``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, url_for
from flask_login import current_user
from werkzeug.local import LocalProxy

from app import identity
from app.comments.official import badge as official_badge
from app.feeds import meta
from app.formatting import FILTERS
from app.fragments import idea_card, proposal_card
from app.i18n import LOCALES, back_here, current_locale, page_in, switch_choices
from app.moderation.links import (
    audit_target_url,
    contest_url,
    contestation_of,
    entry_url,
    report_slot_id,
    report_url,
    show_report_link,
    suspension_contestation,
)
from app.mydata.services import (
    current_user_export,
)
from app.notifications.services import header_counts as count_for_header
from app.page_cache import page_is_shared
from app.permissions import can
from app.rendering import is_htmx
from app.search.filters import FILTER_CHOICES
from app.territory import commune_label
from app.text import redact

HTMX_VERSION = "4.0.1"
HTMX_PATH = f"vendor/htmx-{HTMX_VERSION}/htmx.min.js"


@cache
def _file_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def asset_url(filename: str) -> str:
    """A static URL carrying the file's hash, so browsers may cache it for a year."""
    folder = current_app.static_folder or ""
    digest = _file_digest(str(Path(folder) / filename)) if not current_app.debug else "dev"
    return url_for("static", filename=filename, v=digest)


def header_counts() -> tuple[int, int]:
    """Unread notifications and evaluations to finish (-1: none ever assigned, no link): one query
    for a signed-in person, remembered for the request."""
    if not current_user.is_authenticated:
        return 0, -1
    if "header_counts" not in g:
        g.header_counts = count_for_header(current_user)
    return g.header_counts


def unread_notifications() -> int:
    """The header badge's count."""
    return header_counts()[0]


def header_context() -> dict:
    # Functions, not numbers: pages that do not show the header (fragments) never pay the query.
    return {"unread_notifications": unread_notifications, "header_counts": header_counts}


def setup_templating(app: Flask) -> None:
    env = app.jinja_env
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(FILTERS)
    # The audit log shows entries written before redaction existed: masked when shown too.
    env.filters["redact"] = redact
    env.filters["upper_first"] = identity.upper_first
    # An official reply's badge, in the reader's language (app.comments.official).
    env.filters["official_badge"] = official_badge
    env.globals.update(
        # The collectivity (read when a template first touches it, then kept for the request).
        identity=LocalProxy(identity.current),
        # Languages (app.i18n): the page's, the switch's choices, the hreflang alternates.
        current_locale=current_locale,
        locales=LOCALES,
        page_in=page_in,
        back_here=back_here,
        switch_choices=switch_choices,
        # Request plumbing.
        asset_url=asset_url,
        htmx_path=HTMX_PATH,
        is_htmx=is_htmx,
        # Permissions and the "Signaler" link (app.permissions, app.moderation.links).
        can=can,
        show_report_link=show_report_link,
        report_slot_id=report_slot_id,
        report_url=report_url,
        contest_url=contest_url,
        contestation_of=contestation_of,
        suspension_contestation=suspension_contestation,
        # "Mes données" on the account page (app.mydata).
        pending_data_export=current_user_export,
        entry_url=entry_url,
        audit_target_url=audit_target_url,
        # Cached cards (app.fragments).
        idea_card=idea_card,
        proposal_card=proposal_card,
        # Filter forms (app.search.filters) and commune pickers (app.territory).
        **FILTER_CHOICES,
        commune_label=commune_label,
    )
    # Canonical address, OpenGraph and feed links (app.feeds.meta).
    env.globals.update(canonical_url=meta.canonical_url, og_locale=meta.og_locale, feed_links=meta.feed_links)
    # A page every anonymous reader may receive carries no CSRF token (app/page_cache.py).
    env.globals["page_is_shared"] = page_is_shared
    env.filters["excerpt"] = meta.excerpt
    app.context_processor(header_context)
