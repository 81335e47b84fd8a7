"""Markdown from users, rendered safely: no raw HTML from a person ever reaches a page."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark with raw HTML switched off; tables and strikethrough are handy for proposals.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(["table", "strikethrough"])
# Headings start at h3 so they never compete with the page's own h1/h2.
_md.add_render_rule("heading_open", lambda self, tokens, idx, options, env: f"<h{min(int(tokens[idx].tag[1]) + 2, 6)}>")
_md.add_render_rule("heading_close", lambda self, tokens, idx, options, env: f"</h{min(int(tokens[idx].tag[1]) + 2, 6)}>\n")

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h3", "h4", "h5", "h6", "hr", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"style"}, "td": {"style"}}
MAX_SOURCE = 50_000


def render_markdown(source: str | None) -> Markup:
    if not source:
        return Markup("")
    html = _md.render(source[:MAX_SOURCE])
    # nh3 (ammonia) is the second line of defence: only known tags, only safe URL schemes.
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow ugc noopener noreferrer",
    )
    return Markup(clean)
