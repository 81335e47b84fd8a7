"""What the API reads: the pages' own conditions (``app.search.services``) and permission rules
(``can``), asked for an anonymous visitor whoever calls, then shaped as the schemas say.

Every list is a keyset page ordered by id (``after`` an id, ``limit`` rows): a row inserted while
someone walks the pages lands after the ones already read, never shifts them. Each list loads its
ids in one query, then its rows and their relations in a fixed number of queries, whatever the
page's size.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, load_only, selectinload

from app.errors import RuleError
from app.extensions import db, login_manager
from app.models import (
    CALL_STATES,
    PUBLIC_STATES,
    Call,
    Comment,
    Commune,
    Domain,
    Idea,
    Pole,
    Proposal,
    ProposalState,
    Submission,
    TargetPublic,
)
from app.models.calls import Indicator
from app.models.coconstruction import CoauthorStatus, ProposalCoauthor
from app.models.questions import ProposalAnswer, ProposalQuestion
from app.permissions import can
from app.search import filters as search_filters
from app.search import services as search
from app.urls import public_url

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
_CURSOR_PREFIX = "id:"


class BadRequest(RuleError):
    """A query parameter the API cannot honour; its message (French source) says which and why."""


def visitor() -> Any:
    """Who the API answers as: always an anonymous visitor, whoever is logged in. The same URL
    gives everyone the same bytes, so shared caches may keep it (``Cache-Control: public``), and
    no cookie ever widens what a cross-site script reading it (CORS ``*``) could get."""
    return login_manager.anonymous_user()


def visible(item: Any) -> bool:
    return can(visitor(), "content.visible", item)


# --- Pages ----------------------------------------------------------------------------------


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        if not text.startswith(_CURSOR_PREFIX):
            raise ValueError(text)
        value = int(text.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadRequest(
            _("Le curseur de pagination n'est pas valide : reprenez le lien « next » d'une réponse.")
        ) from None
    if not 0 <= value < 2**62:
        raise BadRequest(_("Le curseur de pagination n'est pas valide : reprenez le lien « next » d'une réponse."))
    return value


def limit_value(raw: str | None) -> int:
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise BadRequest(_("« limit » doit être un nombre entier de 1 à %(max)d.", max=MAX_LIMIT))
    return int(raw)


@dataclass
class Window:
    after: int
    limit: int


@dataclass
class Page:
    items: list[dict]
    next_after: int | None


def _ids(query: Any, model: Any, window: Window) -> tuple[list[int], int | None]:
    """One query: the page's ids (one more than asked, to know whether another page follows)."""
    ids = list(
        db.session.scalars(
            query.with_only_columns(model.id, maintain_column_froms=True)
            .where(model.id > window.after)
            .order_by(model.id)
            .limit(window.limit + 1)
        )
    )
    more = len(ids) > window.limit
    ids = ids[: window.limit]
    return ids, (ids[-1] if more else None)


def _load(model: Any, ids: list[int], options: tuple) -> list:
    if not ids:
        return []
    rows = {r.id: r for r in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).unique()}
    return [rows[i] for i in ids if i in rows]


def _aware(value: datetime | None) -> datetime | None:
    # Stored naive in UTC: said so in the answer (RFC 3339 needs an offset).
    return value.replace(tzinfo=UTC) if value is not None else None


def _ref(value: Any) -> dict | None:
    if value is None:
        return None
    return {"id": value.id, "slug": value.slug, "label": getattr(value, "label", None) or value.name}


def _commune(c: Commune) -> dict:
    return {"id": c.id, "name": c.name, "insee_code": c.insee_code}


def _association(a: Any) -> dict:
    return {"id": a.id, "slug": a.slug, "name": a.name}


# --- Filters --------------------------------------------------------------------------------

# The list pages' query parameters, as their filters read them (app.search.filters.parse).
IDEA_FILTERS = ("q", "pole", "commune", "domaine", "public")
PROPOSAL_FILTERS = (*IDEA_FILTERS, "etat", "appel", "rural", "qpv")


def parse_filters(args: Any, names: tuple[str, ...]) -> search_filters.Filters:
    """The pages' filters, read by the pages' parser; where a page quietly ignores a value it does
    not know (links are shared and bookmarked), the API says so: a program wants to know."""
    given = {name: args.get(name) for name in names if args.get(name) not in (None, "")}
    if not given:
        return search_filters.Filters()
    territory = search_filters.Territory.load()
    f = search_filters.parse(given, territory)
    resolved = {
        "pole": f.pole,
        "commune": f.commune,
        "domaine": f.domain,
        "public": f.public,
        "appel": f.call,
        "etat": given.get("etat") if given.get("etat") in {s.value for s in PUBLIC_STATES} else None,
        "rural": given.get("rural") if given.get("rural") in ("0", "1") else None,
        "qpv": given.get("qpv") if given.get("qpv") in ("0", "1") else None,
    }
    for name in given:
        if name in resolved and resolved[name] is None:
            raise BadRequest(_("Valeur inconnue pour le filtre « %(name)s » : %(value)s", name=name, value=given[name]))
    return f


# --- Territory and taxonomy -----------------------------------------------------------------


def territorial_units(window: Window) -> Page:
    ids, more = _ids(select(Pole), Pole, window)
    rows = _load(Pole, ids, ())
    return Page([{"id": p.id, "slug": p.slug, "name": p.name, "description": p.description} for p in rows], more)


def communes(window: Window, pole_slug: str | None) -> Page:
    query = select(Commune)
    if pole_slug:
        pole_id = db.session.scalar(select(Pole.id).where(Pole.slug == pole_slug))
        if pole_id is None:
            raise BadRequest(_("Valeur inconnue pour le filtre « %(name)s » : %(value)s", name="pole", value=pole_slug))
        query = query.where(Commune.pole_id == pole_id)
    ids, more = _ids(query, Commune, window)
    items = [
        {
            "id": c.id,
            "slug": c.slug,
            "name": c.name,
            "insee_code": c.insee_code,
            "territorial_unit_id": c.pole_id,
            "is_rural": c.is_rural,
            "has_qpv": c.has_qpv,
        }
        for c in _load(Commune, ids, ())
    ]
    return Page(items, more)


def _taxonomy_value(v: Any) -> dict:
    return {"id": v.id, "slug": v.slug, "label": v.label, "retired": v.retired_at is not None}


def domains(window: Window) -> Page:
    ids, more = _ids(select(Domain), Domain, window)
    rows = _load(Domain, ids, (selectinload(Domain.subdomains),))
    return Page([{**_taxonomy_value(d), "subdomains": [_taxonomy_value(s) for s in d.subdomains]} for d in rows], more)


def publics(window: Window) -> Page:
    ids, more = _ids(select(TargetPublic), TargetPublic, window)
    return Page([_taxonomy_value(p) for p in _load(TargetPublic, ids, ())], more)


# --- Calls ----------------------------------------------------------------------------------

CALL_OPTIONS = (
    selectinload(Call.criteria),
    selectinload(Call.domains),
    selectinload(Call.publics),
    selectinload(Call.poles),
)


def _call(c: Call) -> dict:
    return {
        "id": c.id,
        "slug": c.slug,
        "title": c.title,
        "funder": c.funder,
        "summary": c.summary,
        "description": c.description,
        "envelope_eur": c.envelope_eur,
        "min_grant_eur": c.min_grant_eur,
        "max_grant_eur": c.max_grant_eur,
        "opens_at": _aware(c.opens_at),
        "closes_at": _aware(c.closes_at),
        "state": c.state().value,
        "results_published_at": _aware(c.results_published_at),
        "criteria": [{"label": k.label, "description": k.description, "weight": k.weight} for k in c.criteria],
        "domains": [_ref(d) for d in c.domains],
        "publics": [_ref(p) for p in c.publics],
        "territorial_units": [_ref(p) for p in c.poles],
        "url": public_url("calls.detail", slug=c.slug),
    }


def calls(window: Window) -> Page:
    # Every call is public (the calls page lists them all, past ones included).
    ids, more = _ids(select(Call), Call, window)
    return Page([_call(c) for c in _load(Call, ids, CALL_OPTIONS)], more)


def call(call_id: int) -> dict | None:
    rows = _load(Call, [call_id], CALL_OPTIONS)
    return _call(rows[0]) if rows else None


def results(call_id: int) -> dict | None:
    """The decisions of a call once its results are published (the results page's condition);
    None before, or for no such call. Never the evaluators' scores: the page shows none."""
    c = db.session.get(Call, call_id)
    if c is None or c.results_published_at is None:
        return None
    submissions = db.session.scalars(
        select(Submission)
        .where(Submission.call_id == c.id, Submission.decision.is_not(None))
        .options(joinedload(Submission.proposal).joinedload(Proposal.association))
        .order_by(Submission.id)
    ).all()
    items = [
        {
            "proposal_id": s.proposal_id,
            "title": s.proposal.title,
            "association": _association(s.proposal.association),
            "decision": s.decision.value,
            "granted_eur": s.granted_eur,
            "reason": s.decision_reason,
            "url": public_url("proposals.detail", proposal_id=s.proposal_id),
        }
        for s in submissions
        if visible(s.proposal)
    ]
    return {
        "call_id": c.id,
        "published_at": _aware(c.results_published_at),
        "envelope_eur": c.envelope_eur,
        "granted_eur": sum(i["granted_eur"] or 0 for i in items if i["decision"] == "selected"),
        "items": items,
    }


# --- Ideas ----------------------------------------------------------------------------------

IDEA_OPTIONS = (
    joinedload(Idea.author),
    joinedload(Idea.commune),
    joinedload(Idea.pole),
    joinedload(Idea.mediation),
    selectinload(Idea.publics),
)


def _idea(i: Idea) -> dict:
    return {
        "id": i.id,
        "title": i.title,
        "description": i.description,
        # Collected in person: the resident's name, as the page shows it.
        "author_name": i.mediation.resident_name if i.mediation is not None else i.author.display_name,
        "commune": _commune(i.commune),
        "territorial_unit": _ref(i.pole),
        "domain": _ref(i.domain),
        "subdomain": _ref(i.subdomain),
        "publics": [_ref(p) for p in i.publics],
        "support_count": i.support_count,
        "association_support_count": i.association_support_count,
        "comment_count": i.comment_count,
        "created_at": _aware(i.created_at),
        "url": public_url("ideas.detail", idea_id=i.id),
    }


def ideas(window: Window, f: search_filters.Filters) -> Page:
    query = select(Idea).where(*search.idea_conditions(f))
    query, _matched = search._with_words(query, Idea, "idea", f)
    ids, more = _ids(query, Idea, window)
    return Page([_idea(i) for i in _load(Idea, ids, IDEA_OPTIONS) if visible(i)], more)


def idea(idea_id: int) -> dict | None:
    rows = _load(Idea, [idea_id], IDEA_OPTIONS)
    return _idea(rows[0]) if rows and visible(rows[0]) else None


# --- Proposals ------------------------------------------------------------------------------

PROPOSAL_OPTIONS = (
    # The columns the answer holds (and the visibility rule reads): not the budget lines nor the
    # moderation notes; raising rather than loading keeps a new field from costing a query per row.
    load_only(
        Proposal.association_id,
        Proposal.state,
        Proposal.title,
        Proposal.summary,
        Proposal.domain_id,
        Proposal.subdomain_id,
        Proposal.is_rural,
        Proposal.is_qpv,
        Proposal.call_id,
        Proposal.idea_id,
        Proposal.support_count,
        Proposal.association_support_count,
        Proposal.comment_count,
        Proposal.published_at,
        Proposal.hidden_at,
        raiseload=True,
    ),
    joinedload(Proposal.association),
    selectinload(Proposal.poles),
    selectinload(Proposal.communes),
    selectinload(Proposal.publics),
    selectinload(Proposal.coauthorships).joinedload(ProposalCoauthor.association),
)


def _answers(ids: list[int]) -> dict[int, list[dict]]:
    """Every proposal's answers in one query, in their form's order."""
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.session.execute(
        select(ProposalAnswer.proposal_id, ProposalQuestion.key, ProposalQuestion.label, ProposalAnswer.body)
        .join(ProposalQuestion, ProposalQuestion.id == ProposalAnswer.question_id)
        .where(ProposalAnswer.proposal_id.in_(ids), ProposalAnswer.body != "")
        .order_by(ProposalAnswer.proposal_id, ProposalQuestion.position, ProposalQuestion.id)
    )
    for proposal_id, key, label, body in rows:
        found[proposal_id].append({"key": key, "question": label, "body": body})
    return found


def _proposals(rows: list[Proposal]) -> list[dict]:
    rows = [p for p in rows if visible(p)]
    answers = _answers([p.id for p in rows])
    return [
        {
            "id": p.id,
            "title": p.title,
            "summary": p.summary,
            "state": p.state.value,
            "association": _association(p.association),
            "coauthors": [_association(c.association) for c in p.coauthorships if c.status == CoauthorStatus.ACCEPTED],
            "answers": answers[p.id],
            "domain": _ref(p.domain),
            "subdomain": _ref(p.subdomain),
            "publics": [_ref(x) for x in p.publics],
            "territorial_units": [_ref(x) for x in p.poles],
            "communes": [_commune(c) for c in p.communes],
            "is_rural": p.is_rural,
            "is_qpv": p.is_qpv,
            # The call it went to is public once submitted; the one a draft was started for is not said.
            "call_id": p.call_id if p.state in CALL_STATES else None,
            "idea_id": p.idea_id,
            "support_count": p.support_count,
            "association_support_count": p.association_support_count,
            "comment_count": p.comment_count,
            "published_at": _aware(p.published_at),
            "url": public_url("proposals.detail", proposal_id=p.id),
        }
        for p in rows
    ]


def proposals(window: Window, f: search_filters.Filters) -> Page:
    query = select(Proposal).where(*search.proposal_conditions(f))
    query, _matched = search._with_words(query, Proposal, "proposal", f)
    ids, more = _ids(query, Proposal, window)
    return Page(_proposals(_load(Proposal, ids, PROPOSAL_OPTIONS)), more)


def proposal(proposal_id: int) -> dict | None:
    items = _proposals(_load(Proposal, [proposal_id], PROPOSAL_OPTIONS))
    return items[0] if items else None


# --- Comments and follow-up -----------------------------------------------------------------

SUBJECTS = {"ideas": Idea, "proposals": Proposal}


def visible_subject(kind: str, subject_id: int) -> Any | None:
    model = SUBJECTS[kind]
    subject = db.session.get(model, subject_id)
    return subject if subject is not None and visible(subject) else None


def comments(subject: Any, window: Window) -> Page:
    column = Comment.idea_id if isinstance(subject, Idea) else Comment.proposal_id
    # What a visitor reads of a thread: neither hidden nor deleted messages.
    query = select(Comment).where(column == subject.id, Comment.hidden_at.is_(None), Comment.deleted_at.is_(None))
    ids, more = _ids(query, Comment, window)
    rows = _load(
        Comment, ids, (joinedload(Comment.author), joinedload(Comment.association), joinedload(Comment.mediation))
    )
    items = [
        {
            "id": c.id,
            "parent_id": c.parent_id,
            "author_name": c.mediation.resident_name if c.mediation is not None else c.author.display_name,
            "association": _association(c.association) if c.association is not None else None,
            "official_role": c.official_role,
            "body": c.body,
            "created_at": _aware(c.created_at),
            "edited_at": _aware(c.edited_at),
        }
        for c in rows
        if visible(c)
    ]
    return Page(items, more)


def indicators(proposal_id: int, window: Window) -> Page | None:
    """A selected project's follow-up indicators (its follow-up page's); None for anything else."""
    subject = visible_subject("proposals", proposal_id)
    if subject is None or subject.state != ProposalState.SELECTED:
        return None
    ids, more = _ids(select(Indicator).where(Indicator.proposal_id == proposal_id), Indicator, window)
    rows = _load(Indicator, ids, (selectinload(Indicator.values),))
    items = [
        {
            "id": i.id,
            "label": i.label,
            "unit": i.unit,
            "target": i.target,
            "values": [{"measured_on": v.measured_on, "value": v.value} for v in i.values],
        }
        for i in rows
    ]
    return Page(items, more)
