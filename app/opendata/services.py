"""What the open-data page lists: one entry per publication, each with its links, its columns
and its last update. Other publications (the API, the SCDL files, the feeds) are entries too:
append them in ``catalogue()``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import url_for
from flask_babel import lazy_gettext as _l

from app.feeds.meta import feed_links
from app.opendata import exports
from app.scdl.export import available_calls


@dataclass(frozen=True)
class Link:
    label: Any
    url: str
    type: str = ""  # the MIME type, said to the browser


@dataclass(frozen=True)
class Entry:
    key: str  # the section's id on the page
    title: Any
    description: Any
    links: list[Link]
    columns: tuple[exports.Column, ...] = ()
    last_update: datetime | None = None
    # Links grouped under a name (one call's results): (name, links).
    groups: list[tuple[str, list[Link]]] = field(default_factory=list)
    # What precedes the links when they are not files ("Télécharger :" otherwise).
    links_label: Any = None


def download_links(endpoint: str, **values: Any) -> list[Link]:
    return [
        Link("CSV", url_for(endpoint, fmt="csv", **values), "text/csv"),
        Link("JSON", url_for(endpoint, fmt="json", **values), "application/json"),
    ]


def _list_entry(dataset: exports.Dataset) -> Entry:
    return Entry(
        key=dataset.key,
        title=dataset.title,
        description=dataset.description,
        links=download_links("opendata.export", dataset=dataset.key),
        columns=dataset.columns,
        last_update=dataset.last_update() if dataset.last_update else None,
    )


def _results_entry() -> Entry:
    # The calls with published results are those whose SCDL subsidies file exists too: one list.
    published = available_calls()
    return Entry(
        key=exports.RESULTS.key,
        title=exports.RESULTS.title,
        description=exports.RESULTS.description,
        links=[],
        columns=exports.RESULTS.columns,
        last_update=max((c.results_published_at for c in published), default=None),
        groups=[
            (
                call.title,
                download_links("opendata.call_results", slug=call.slug)
                + [Link(_l("Subventions (SCDL 2.1.1, CSV)"), url_for("scdl.call_csv", slug=call.slug), "text/csv")],
            )
            for call in published
        ],
    )


def catalogue() -> list[Entry]:
    """Every publication, in the page's order: one query per entry for its last update."""
    entries = [_list_entry(dataset) for dataset in exports.LISTS.values()]
    entries.append(_results_entry())
    entries.append(_api_entry())
    entries.append(_feeds_entry())
    return entries


def _feeds_entry() -> Entry:
    # The platform's feeds here; each call's and each unit's are offered on its own page.
    return Entry(
        key="flux",
        title=_l("Flux Atom"),
        description=_l(
            "Les nouvelles propositions, les nouvelles idées et les résultats publiés, à suivre dans un lecteur "
            "de flux. Chaque appel et chaque territoire propose aussi les siens sur sa page. Le plan du site "
            "(sitemap.xml) liste toutes les pages publiques."
        ),
        links=[Link(name, url, "application/atom+xml") for _title, url, name in feed_links()]
        + [Link("sitemap.xml", url_for("feeds.sitemap_index"), "application/xml")],
        links_label=_l("S'abonner :"),
    )


def _api_entry() -> Entry:
    # The API answers what the lists above hold, live; its own page documents every resource.
    return Entry(
        key="api",
        title=_l("API publique (lecture seule)"),
        description=_l(
            "Les mêmes données en JSON, page par page, avec les filtres des listes : territoires, "
            "thématiques, appels, idées, propositions, commentaires publics et résultats publiés. "
            "Décrite par un document OpenAPI 3.1."
        ),
        links=[
            Link(_l("Documentation"), url_for("api.docs"), "text/html"),
            Link("OpenAPI", url_for("api.openapi"), "application/json"),
        ],
        links_label=_l("Consulter :"),
    )
