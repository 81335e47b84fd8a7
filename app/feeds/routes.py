"""Atom feeds (per platform, call and territorial unit), sitemap.xml and robots.txt.

Every URL written here is absolute: a feed reader or a search engine reads it far from this site.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from feedgen.feed import FeedGenerator
from flask import Blueprint, Response, abort, url_for
from flask_babel import gettext as _

from app import identity
from app.access import access
from app.calls.services import get_call
from app.feeds import services
from app.feeds.meta import FEED_KINDS, excerpt, feed_title, one_line_text
from app.formatting import euros
from app.i18n import current_locale
from app.models import Call, Pole
from app.permissions import PUBLIC
from app.poles.services import pole_by_slug
from app.urls import public_url

bp = Blueprint("feeds", __name__)

ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
# An empty feed still needs an ``updated``: a fixed date, so that it does not look new at each poll.
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
SUMMARY_CHARS = 500


def _utc(moment: datetime | None) -> datetime:
    # Stored naive in UTC (app.models.base): a feed's dates carry their zone.
    return moment.replace(tzinfo=UTC) if moment else EPOCH


def _short(text: str, limit: int = SUMMARY_CHARS) -> str:
    text = one_line_text(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _feed(kind: str, call: Call | None, pole: Pole | None, self_url: str, page_url: str) -> Response:
    fg = FeedGenerator()
    # The feed's own address is its stable id (RFC 4287 asks for a permanent IRI).
    fg.id(self_url)
    fg.title(f"{feed_title(kind, call, pole)} · {identity.current().platform_name}")
    fg.link(href=self_url, rel="self", type="application/atom+xml")
    fg.link(href=page_url, rel="alternate", type="text/html")
    fg.language(current_locale())
    fg.generator("Tisser")
    entries = list(_entries(kind, call, pole))
    for entry in entries:
        fe = fg.add_entry(order="append")
        fe.id(entry["url"])
        fe.title(entry["title"])
        fe.link(href=entry["url"], rel="alternate", type="text/html")
        fe.updated(entry["updated"])
        fe.published(entry["published"])
        fe.author(name=entry["author"])
        # Plain text (type="text"): the XML writer escapes it, no markup of the authors reaches a reader.
        fe.summary(entry["summary"])
    fg.updated(max((e["updated"] for e in entries), default=_utc(call.created_at) if call else EPOCH))
    return Response(fg.atom_str(pretty=False), content_type=ATOM)


def _entries(kind: str, call: Call | None, pole: Pole | None) -> Iterator[dict]:
    if kind == "propositions":
        for proposal in services.latest_proposals(call=call, pole=pole):
            published = _utc(proposal.published_at)
            yield {
                "url": public_url("proposals.detail", proposal_id=proposal.id),
                "title": proposal.title,
                "published": published,
                "updated": max(published, _utc(proposal.updated_at)),
                "author": proposal.association.name,
                "summary": _short(proposal.summary),
            }
    elif kind == "idees":
        for idea in services.latest_ideas(pole=pole):
            yield {
                "url": public_url("ideas.detail", idea_id=idea.id),
                "title": idea.title,
                "published": _utc(idea.created_at),
                "updated": max(_utc(idea.created_at), _utc(idea.updated_at)),
                "author": _idea_author(idea),
                # Written in Markdown: the text as its page shows it, not its syntax.
                "summary": excerpt(idea.description, SUMMARY_CHARS, markdown=True),
            }
    else:
        for submission, result_call, proposal in services.latest_results(call=call, pole=pole):
            published = _utc(result_call.results_published_at)
            if submission.granted_eur:
                amount = euros(submission.granted_eur)
                said = _("Retenu par l'appel « %(call)s », %(amount)s accordés.", call=result_call.title, amount=amount)
            else:
                said = _("Retenu par l'appel « %(call)s ».", call=result_call.title)
            yield {
                # The project's follow-up page: its own address, distinct from the proposal's entry.
                "url": public_url("calls.project", proposal_id=proposal.id),
                "title": proposal.title,
                "published": published,
                "updated": published,
                "author": proposal.association.name,
                "summary": _short(f"{said} {proposal.summary}"),
            }


def _idea_author(idea) -> str:
    # Collected in person (app.mediation): the unit's name, never the agent's (as on the idea's card).
    if idea.mediation_id:
        return f"{identity.upper_first(identity.current().unit.singular)} {idea.pole.name}"
    return idea.author.display_name


def _page_of(kind: str, **scope) -> str:
    if kind == "idees":
        return public_url("ideas.index", **scope)
    if kind == "resultats" and "appel" in scope:
        return public_url("calls.results", slug=scope["appel"])
    if kind == "resultats":
        return public_url("calls.index")
    return public_url("proposals.index", **scope)


@bp.route("/flux/<kind>.atom")
@access(PUBLIC)
def platform(kind: str):
    if kind not in FEED_KINDS["platform"]:
        abort(404)
    return _feed(kind, None, None, public_url("feeds.platform", kind=kind), _page_of(kind))


@bp.route("/flux/appels/<slug>/<kind>.atom")
@access(PUBLIC)
def call(slug: str, kind: str):
    if kind not in FEED_KINDS["call"]:
        abort(404)
    found = get_call(slug)
    self_url = public_url("feeds.call", slug=slug, kind=kind)
    return _feed(kind, found, None, self_url, _page_of(kind, appel=slug))


@bp.route("/flux/territoires/<slug>/<kind>.atom")
@access(PUBLIC)
def pole(slug: str, kind: str):
    if kind not in FEED_KINDS["pole"]:
        abort(404)
    found = pole_by_slug(slug)
    self_url = public_url("feeds.pole", slug=slug, kind=kind)
    page_url = public_url("poles.detail", slug=slug)
    return _feed(kind, None, found, self_url, page_url)


# --- Sitemap and robots.txt --------------------------------------------------------------------

# The pages anyone may read that list or explain (the HTML "Plan du site" is one of them).
STATIC_ENDPOINTS = (
    "pages.home",
    "ideas.index",
    "proposals.index",
    "calls.index",
    "poles.index",
    "associations.index",
    "pages.sitemap",
    "pages.accessibility",
    "pages.rules",
    "pages.legal",
    "pages.privacy",
)
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def _url(loc: str, lastmod: datetime | None = None) -> str:
    mod = f"<lastmod>{lastmod.date().isoformat()}</lastmod>" if lastmod else ""
    return f"<url><loc>{escape(loc)}</loc>{mod}</url>\n"


def _xml(lines: Iterable[str], root: str) -> Response:
    def body() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{SITEMAP_NS}">\n'
        yield from lines
        yield f"</{root}>\n"

    # Rows are read before streaming starts (no database work once the response leaves the view);
    # the text itself is written as it is sent.
    return Response(body(), content_type=XML)


@bp.route("/sitemap.xml")
@access(PUBLIC)
def sitemap_index():
    """An index of sitemap files: the pages, then the proposals and ideas in chunks of ids."""
    files = [public_url("feeds.sitemap_pages")]
    for section, count in services.sitemap_chunks().items():
        files += [public_url("feeds.sitemap_part", section=section, number=n) for n in range(1, count + 1)]
    return _xml((f"<sitemap><loc>{escape(f)}</loc></sitemap>\n" for f in files), "sitemapindex")


@bp.route("/sitemap-pages.xml")
@access(PUBLIC)
def sitemap_pages():
    lines = [_url(public_url(endpoint)) for endpoint in STATIC_ENDPOINTS]
    for slug, created_at, results_at in services.sitemap_calls():
        lines.append(_url(public_url("calls.detail", slug=slug), results_at or created_at))
        if results_at is not None:
            lines.append(_url(public_url("calls.results", slug=slug), results_at))
    lines += [_url(public_url("poles.detail", slug=slug)) for slug in services.sitemap_poles()]
    return _xml(lines, "urlset")


@bp.route("/sitemap-<section>-<int:number>.xml")
@access(PUBLIC)
def sitemap_part(section: str, number: int):
    if section not in services.SITEMAP_SECTIONS or number < 1:
        abort(404)
    rows = services.sitemap_rows(section, number)
    if not rows and number > 1:
        abort(404)
    endpoint, key = ("proposals.detail", "proposal_id") if section == "propositions" else ("ideas.detail", "idea_id")
    # One URL built, then the ids put in it: url_for ten thousand times costs more than the query.
    pattern = public_url(endpoint, **{key: 2147483647})
    return _xml((_url(pattern.replace("2147483647", str(i)), changed) for i, changed in rows), "urlset")


@bp.route("/robots.txt")
@access(PUBLIC)
def robots():
    """Public pages are open to indexing; accounts, administration, moderation, searches with
    words, exports and the feeds' machinery are not (they hold nothing a search should show)."""
    disallow = [
        url_for("admin.index").rstrip("/"),
        url_for("moderation.index").rstrip("/"),
        # The account and everything under it (personal data export included).
        url_for("auth.account"),
        url_for("auth.login"),
        url_for("auth.register"),
        url_for("notifications.index").rstrip("/"),
        url_for("follows.feed"),
        url_for("calls.my_evaluations"),
        url_for("calls.manage"),
        # A search with words typed: endless combinations of the same content.
        url_for("search.index") + "?",
        # Exports (the ranking CSV) and the instruction's pages.
        "/*.csv$",
        "/appels/*/classement",
        "/appels/*/instruction",
    ]
    lines = ["User-agent: *", "Allow: /"]
    lines += [f"Disallow: {path}" for path in disallow]
    lines += ["", f"Sitemap: {public_url('feeds.sitemap_index')}", ""]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")
