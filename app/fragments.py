"""Cards of ideas and proposals, rendered once per worker and reused while what they show is the same.

A list page renders twenty cards, the same HTML for every visitor; through Jinja (includes,
translations, escaping) they were about a fifth of the page's time (``make bench``, bench/README.md).
The cache key holds the values a card displays, not a version number, so a cached card cannot be
stale: an edit, one more support or a renamed association makes a new key, and the least recently
used cards make room. Nothing in a card depends on who looks at it.

``TISSER_CARD_CACHE_SIZE`` sets how many cards each worker keeps (0 turns the cache off); with
debug on (templates reloaded on change) it is off.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app, g, request
from flask_babel import get_locale
from markupsafe import Markup

from app import identity


class FragmentCache:
    """A thread-safe LRU of rendered HTML (cachetools' caches are not thread-safe on their own)."""

    def __init__(self, maxsize: int) -> None:
        self._entries: LRUCache[Hashable, Markup] = LRUCache(maxsize=max(1, maxsize))
        self._lock = threading.Lock()
        self.enabled = maxsize > 0
        self.hits = self.misses = 0

    def get_or_render(self, key: Hashable, render: Callable[[], str]) -> Markup:
        if not self.enabled:
            return Markup(render())
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self.hits += 1
                return html
        html = Markup(render())
        with self._lock:
            self.misses += 1
            self._entries[key] = html
        return html


def _cache() -> FragmentCache:
    return current_app.extensions["tisser_cards"]


def _context() -> tuple:
    """What every card's HTML also depends on: where the site is mounted (links), the language and
    the collectivity's wording ("pôle Médoc")."""
    try:
        return g._tisser_card_context
    except AttributeError:
        context = g._tisser_card_context = (request.script_root, str(get_locale()), identity.current())
        return context


def _render(template: str, **context: Any) -> str:
    # The card templates need no context processor (no current user, no form): the environment's
    # globals (url_for, translations) are enough, and cheaper than render_template.
    return current_app.jinja_env.get_template(template).render(**context)


def proposal_card(proposal: Any) -> Markup:
    key = (
        "proposal",
        _context(),
        proposal.id,
        proposal.title,
        proposal.summary,
        proposal.state,
        # Labels, not rows: a renamed value must not keep showing its old label.
        proposal.domain.label,
        proposal.subdomain.label if proposal.subdomain else None,
        tuple(p.label for p in proposal.publics),
        proposal.support_count,
        proposal.comment_count,
        proposal.association.name,
        tuple(pole.name for pole in proposal.poles),
    )
    return _cache().get_or_render(key, lambda: _render("proposals/_card_body.html", proposal=proposal))


def idea_card(idea: Any, level: int = 2) -> Markup:
    """``level``: the card title's heading level (h2 in the ideas list, h3 under a page section)."""
    key = (
        "idea",
        _context(),
        level,
        idea.id,
        idea.title,
        idea.created_at,
        idea.domain.label,
        idea.subdomain.label if idea.subdomain else None,
        tuple(p.label for p in idea.publics),
        idea.support_count,
        idea.comment_count,
        idea.author.display_name,
        idea.mediation_id,
        idea.commune.name,
        idea.pole.name,
    )
    return _cache().get_or_render(key, lambda: _render("ideas/_card_body.html", idea=idea, level=level))


def setup_fragments(app: Flask) -> None:
    size = 0 if app.debug else int(app.config["CARD_CACHE_SIZE"])
    app.extensions["tisser_cards"] = FragmentCache(size)
