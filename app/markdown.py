"""Markdown from users, rendered safely: no raw HTML from a person ever reaches a page."""

from __future__ import annotations

import threading

import nh3
from cachetools import LRUCache, cached
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off; tables and strikethrough are handy for proposals.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)
# Headings start at h3 so they never compete with the page's own h1/h2.
_md.add_render_rule("heading_open", lambda self, tokens, idx, options, env: f"<h{min(int(tokens[idx].tag[1]) + 2, 6)}>")
_md.add_render_rule(
    "heading_close", lambda self, tokens, idx, options, env: f"</h{min(int(tokens[idx].tag[1]) + 2, 6)}>\n"
)

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
# No ``style``: markdown-it writes column alignment as inline styles, which the CSP forbids.
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
MAX_SOURCE = 50_000


# The same text renders to the same HTML: a proposal page shows five long fields, parsed and
# sanitised on every view otherwise. Keyed by the text itself, so an edit is simply a new entry;
# bounded by the HTML's length (about 4 million characters per worker, sources as much again).
@cached(LRUCache(maxsize=4_000_000, getsizeof=lambda html: max(1, len(html))), lock=threading.Lock())
def render_markdown(source: str | None) -> Markup:
    if not source:
        return Markup("")
    return Markup(sanitise(_md.render(source[:MAX_SOURCE])))


def sanitise(html: str) -> str:
    """nh3 (ammonia), the second line of defence: only known tags, only safe URL schemes. Its own
    function so that its settings are tested alone, whatever markdown-it already refuses."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow ugc noopener noreferrer",
    )
