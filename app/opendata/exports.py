"""The public datasets: each public list's rows, streamed as CSV or JSON.

An export is what an anonymous visitor sees, even when the person downloading is logged in: a file
is shared onward, so it must never carry what only its downloader was allowed to read (a draft of
their association, a hidden item a moderator sees). The rows come from the list pages' own
conditions (``app.search.services``), which depend on the filters alone, never on the user.

Rows are read by batches of ``BATCH`` ids (keyset on the id, newest first), each batch with its
relations in a fixed number of queries: 10 000 rows never sit in memory at once, and the number
of queries grows with the batches, not with the rows.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import false, func, select
from sqlalchemy.orm import joinedload, raiseload, selectinload
from werkzeug.routing import MapAdapter

from app.extensions import db
from app.formatting import iso
from app.models import Call, Commune, Idea, Proposal, Submission
from app.search import services as search_services
from app.search.filters import Filters
from app.urls import build_public_url

BATCH = 500
# Between the values of a list in a CSV cell (JSON has arrays).
LIST_SEPARATOR = " | "


@dataclass(frozen=True)
class Column:
    name: str  # English snake_case, stable: reusers' scripts read it
    description: Any  # a lazy French string, shown on the open-data page
    value: Callable[[Any], Any]
    # A link column: ``value`` gives the endpoint's arguments, the cell the page's full address.
    endpoint: str | None = None


@dataclass(frozen=True)
class Dataset:
    """One export: its columns, how to query its rows from a source (the list's filters, or a
    call), and the date of its last change."""

    key: str  # in the URL and the file name
    title: Any
    description: Any
    columns: tuple[Column, ...]
    model: Any
    query: Callable[[Any], Any]  # source -> select(model) of the visible rows, unsorted
    options: tuple = ()
    # The date of the latest change among the visible rows (one query); None for undated data.
    last_update: Callable[[], datetime | None] | None = None

    def rows(self, source: Any) -> Iterator[dict]:
        """The rows, read batch by batch as they are asked for.

        Called in the request (the query and the addresses are built there); each batch then
        runs in an application context of its own, with its own session, released before the
        batch's rows are handed on. Nothing is held between two batches: the identity map does
        not grow with the file, and a download left unread (or cut) leaves no context behind to
        pop at the wrong time, as ``stream_with_context`` would (it keeps the request's contexts
        pushed for the whole download)."""
        app = current_app._get_current_object()
        urls = app.create_url_adapter(request)
        query = self.query(source)
        return self._batches(app, urls, query)

    def _batches(self, app: Flask, urls: MapAdapter, query: Any) -> Iterator[dict]:
        last_id = None
        while True:
            with app.app_context():
                batch_query = query if last_id is None else query.where(self.model.id < last_id)
                batch = db.session.scalars(
                    batch_query.order_by(self.model.id.desc()).limit(BATCH).options(*self.options)
                ).all()
                rows = [self._row(obj, urls) for obj in batch]
                last_id = batch[-1].id if batch else None
            yield from rows
            if len(rows) < BATCH:
                return

    def _row(self, obj: Any, urls: MapAdapter) -> dict:
        return {
            column.name: build_public_url(urls, column.endpoint, column.value(obj))
            if column.endpoint
            else column.value(obj)
            for column in self.columns
        }


# --- Writers ------------------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else value


def csv_chunks(dataset: Dataset, rows: Iterator[dict]) -> Iterator[str]:
    """UTF-8 with a BOM (Excel then reads the accents right), comma-separated, one chunk per batch."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.name for column in dataset.columns])
    yield "\ufeff" + _drain(buffer)
    count = 0
    for row in rows:
        writer.writerow([_cell(value) for value in row.values()])
        count += 1
        if count % BATCH == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def json_chunks(rows: Iterator[dict]) -> Iterator[str]:
    """One JSON array, written as it is read."""
    yield "["
    separator = "\n"
    for row in rows:
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


# --- The datasets -------------------------------------------------------------------------------


def _names(items: list) -> list[str]:
    return [item.name for item in items]


def _labels(items: list) -> list[str]:
    return [item.label for item in items]


def _max_date(*columns: Any, where: tuple = ()) -> Callable[[], datetime | None]:
    def last_update() -> datetime | None:
        dates = db.session.execute(select(*(func.max(c) for c in columns)).where(*where)).one()
        return max((d for d in dates if d is not None), default=None)

    return last_update


PROPOSALS = Dataset(
    key="propositions",
    title=_l("Propositions des associations"),
    description=_l(
        "Les propositions publiées, déposées à un appel ou décidées, avec les filtres de la liste. "
        "Ni les brouillons ni les contenus masqués par la modération."
    ),
    columns=(
        Column("id", _l("identifiant"), lambda p: p.id),
        Column("url", _l("adresse de la page"), lambda p: {"proposal_id": p.id}, "proposals.detail"),
        Column("title", _l("titre"), lambda p: p.title),
        Column("summary", _l("résumé"), lambda p: p.summary),
        Column(
            "state",
            _l("état (published, withdrawn, submitted, changes_requested, selected, waitlisted, not_selected)"),
            lambda p: p.state.value,
        ),
        Column("association", _l("association porteuse"), lambda p: p.association.name),
        Column("domain", _l("domaine"), lambda p: p.domain.label),
        Column("subdomain", _l("sous-domaine (vide si aucun)"), lambda p: p.subdomain.label if p.subdomain else None),
        Column("publics", _l("publics visés (une liste)"), lambda p: _labels(p.publics)),
        Column("units", _l("unités territoriales (une liste)"), lambda p: _names(p.poles)),
        Column("communes", _l("communes (une liste)"), lambda p: _names(p.communes)),
        Column(
            "insee_codes",
            _l("codes INSEE des communes (une liste)"),
            lambda p: [c.insee_code or "" for c in p.communes],
        ),
        Column("is_rural", _l("en milieu rural"), lambda p: p.is_rural),
        Column("is_qpv", _l("en quartier prioritaire de la politique de la ville"), lambda p: p.is_qpv),
        Column("budget_eur", _l("budget demandé, en euros"), lambda p: p.budget_eur),
        Column("duration_months", _l("durée, en mois"), lambda p: p.duration_months),
        Column("support_count", _l("nombre de soutiens"), lambda p: p.support_count),
        Column("comment_count", _l("nombre de commentaires"), lambda p: p.comment_count),
        Column("published_at", _l("date de publication (UTC)"), lambda p: iso(p.published_at) or None),
        Column("updated_at", _l("date de dernière modification (UTC)"), lambda p: iso(p.updated_at) or None),
    ),
    model=Proposal,
    query=lambda f: search_services.filtered("proposal", f),
    options=(
        joinedload(Proposal.association),
        selectinload(Proposal.publics),
        selectinload(Proposal.poles),
        selectinload(Proposal.communes),
        raiseload(Proposal.coauthorships),
    ),
    last_update=_max_date(Proposal.updated_at, where=tuple(search_services.proposal_conditions(Filters()))),
)

IDEAS = Dataset(
    key="idees",
    title=_l("Idées des habitants"),
    description=_l(
        "Les idées publiées, avec les filtres de la liste, sans le nom de leur auteur ou autrice : "
        "un habitant n'a pas choisi de voir son nom dans un fichier. Ni les idées masquées par la modération."
    ),
    columns=(
        Column("id", _l("identifiant"), lambda i: i.id),
        Column("url", _l("adresse de la page"), lambda i: {"idea_id": i.id}, "ideas.detail"),
        Column("title", _l("titre"), lambda i: i.title),
        Column("description", _l("description"), lambda i: i.description),
        Column("domain", _l("domaine"), lambda i: i.domain.label),
        Column("subdomain", _l("sous-domaine (vide si aucun)"), lambda i: i.subdomain.label if i.subdomain else None),
        Column("publics", _l("publics concernés (une liste)"), lambda i: _labels(i.publics)),
        Column("unit", _l("unité territoriale"), lambda i: i.pole.name),
        Column("commune", _l("commune"), lambda i: i.commune.name),
        Column("insee_code", _l("code INSEE de la commune"), lambda i: i.commune.insee_code),
        Column("support_count", _l("nombre de soutiens"), lambda i: i.support_count),
        Column("comment_count", _l("nombre de commentaires"), lambda i: i.comment_count),
        Column("created_at", _l("date de publication (UTC)"), lambda i: iso(i.created_at)),
        Column("updated_at", _l("date de dernière modification (UTC)"), lambda i: iso(i.updated_at)),
    ),
    model=Idea,
    query=lambda f: search_services.filtered("idea", f),
    options=(joinedload(Idea.commune), joinedload(Idea.pole), selectinload(Idea.publics)),
    last_update=_max_date(Idea.created_at, Idea.updated_at, where=tuple(search_services.idea_conditions(Filters()))),
)


def _call_state(call: Call) -> str:
    return call.state().value


CALLS = Dataset(
    key="appels",
    title=_l("Appels à projets"),
    description=_l("Tous les appels à projets, ouverts, à venir ou passés."),
    columns=(
        Column("id", _l("identifiant"), lambda c: c.id),
        Column("url", _l("adresse de la page"), lambda c: {"slug": c.slug}, "calls.detail"),
        Column("title", _l("titre"), lambda c: c.title),
        Column("funder", _l("financeur"), lambda c: c.funder),
        Column("summary", _l("résumé"), lambda c: c.summary),
        Column("state", _l("état (upcoming, open, closed, evaluation, results)"), _call_state),
        Column("opens_at", _l("ouverture (UTC)"), lambda c: iso(c.opens_at)),
        Column("closes_at", _l("clôture (UTC)"), lambda c: iso(c.closes_at)),
        Column("envelope_eur", _l("enveloppe, en euros"), lambda c: c.envelope_eur),
        Column("min_grant_eur", _l("subvention minimale, en euros (vide si aucune)"), lambda c: c.min_grant_eur),
        Column("max_grant_eur", _l("subvention maximale, en euros (vide si aucune)"), lambda c: c.max_grant_eur),
        Column("units", _l("unités territoriales concernées (une liste, vide : toutes)"), lambda c: _names(c.poles)),
        Column("domains", _l("domaines acceptés (une liste, vide : tous)"), lambda c: _labels(c.domains)),
        Column(
            "results_published_at",
            _l("publication des résultats (UTC, vide avant)"),
            lambda c: iso(c.results_published_at) or None,
        ),
    ),
    model=Call,
    query=lambda _source: select(Call),
    options=(selectinload(Call.poles), selectinload(Call.domains)),
    last_update=_max_date(Call.created_at, Call.results_published_at),
)

COMMUNES = Dataset(
    key="communes",
    title=_l("Communes et unités territoriales"),
    description=_l("Chaque commune du territoire, avec son code INSEE et l'unité territoriale qui la suit."),
    columns=(
        Column("id", _l("identifiant"), lambda c: c.id),
        Column("name", _l("nom de la commune"), lambda c: c.name),
        Column("insee_code", _l("code INSEE (vide si inconnu)"), lambda c: c.insee_code),
        Column("unit", _l("unité territoriale"), lambda c: c.pole.name),
        Column(
            "unit_url",
            _l("adresse de la page de l'unité"),
            lambda c: {"slug": c.pole.slug},
            "poles.detail",
        ),
        Column("is_rural", _l("commune rurale"), lambda c: c.is_rural),
        Column("has_qpv", _l("compte un quartier prioritaire de la politique de la ville"), lambda c: c.has_qpv),
    ),
    model=Commune,
    query=lambda _source: select(Commune),
    options=(joinedload(Commune.pole),),
)


def _results_query(call: Call):
    # Published decisions only, and never a proposal moderation hid since.
    conditions = [Submission.call_id == call.id, Submission.decision.is_not(None), Proposal.hidden_at.is_(None)]
    if call.results_published_at is None:
        conditions.append(false())
    return select(Submission).join(Proposal, Proposal.id == Submission.proposal_id).where(*conditions)


RESULTS = Dataset(
    key="resultats",
    title=_l("Résultats d'un appel à projets"),
    description=_l("Les décisions d'un appel, une fois ses résultats publiés : un fichier par appel."),
    columns=(
        Column("proposal_id", _l("identifiant de la proposition"), lambda s: s.proposal_id),
        Column(
            "proposal_url",
            _l("adresse de la proposition"),
            lambda s: {"proposal_id": s.proposal_id},
            "proposals.detail",
        ),
        Column("title", _l("titre de la proposition"), lambda s: s.proposal.title),
        Column("association", _l("association porteuse"), lambda s: s.proposal.association.name),
        Column("units", _l("unités territoriales (une liste)"), lambda s: _names(s.proposal.poles)),
        Column("decision", _l("décision (selected, waitlist, rejected)"), lambda s: s.decision.value),
        Column("granted_eur", _l("montant accordé, en euros (vide si aucun)"), lambda s: s.granted_eur),
        Column("decision_reason", _l("motif public de la décision"), lambda s: s.decision_reason),
    ),
    model=Submission,
    query=_results_query,
    options=(
        joinedload(Submission.proposal).joinedload(Proposal.association),
        joinedload(Submission.proposal).selectinload(Proposal.poles),
        joinedload(Submission.proposal).raiseload(Proposal.coauthorships),
    ),
)

# The list datasets, by URL key, in the open-data page's order (call results are per call).
LISTS = {dataset.key: dataset for dataset in (PROPOSALS, IDEAS, CALLS, COMMUNES)}
