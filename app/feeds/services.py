"""What the feeds and the sitemap list: only what a visitor may see.

The visibility rules are the lists' own (``app.search.services``'s ``*_conditions``): a draft, a
withdrawn or a hidden item is left out here exactly as the public lists leave it out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only

from app.extensions import db
from app.models import Association, Call, Decision, Idea, Pole, Proposal, Submission, User
from app.search.filters import Filters
from app.search.services import idea_conditions, proposal_conditions

# A reader polls often: the newest few are enough, and each feed costs two queries whatever the data.
FEED_SIZE = 30
# URLs per sitemap file (the protocol allows 50,000): a file of ids and dates stays small in memory.
SITEMAP_CHUNK = 5000


def latest_proposals(call: Call | None = None, pole: Pole | None = None, limit: int = FEED_SIZE) -> list[Proposal]:
    conditions = proposal_conditions(Filters(call=call, pole=pole))
    ids = list(
        db.session.scalars(
            select(Proposal.id)
            .where(*conditions)
            .order_by(Proposal.published_at.desc(), Proposal.id.desc())
            .limit(limit)
        )
    )
    return _load(Proposal, ids, _PROPOSAL_ENTRY)


def latest_ideas(pole: Pole | None = None, limit: int = FEED_SIZE) -> list[Idea]:
    ids = list(
        db.session.scalars(
            select(Idea.id)
            .where(*idea_conditions(Filters(pole=pole)))
            .order_by(Idea.created_at.desc(), Idea.id.desc())
            .limit(limit)
        )
    )
    return _load(Idea, ids, _IDEA_ENTRY)


def latest_results(
    call: Call | None = None, pole: Pole | None = None, limit: int = FEED_SIZE
) -> list[tuple[Submission, Call, Proposal]]:
    """The projects selected by calls whose results are published, newest publication first:
    decisions stay private until then, and a hidden proposal stays out as everywhere."""
    rows = db.session.execute(
        select(Submission, Call, Proposal)
        .join(Call, Call.id == Submission.call_id)
        .join(Proposal, Proposal.id == Submission.proposal_id)
        .where(
            Call.results_published_at.is_not(None),
            Submission.decision == Decision.SELECTED,
            *proposal_conditions(Filters(call=call, pole=pole)),
        )
        .options(
            load_only(Call.slug, Call.title, Call.results_published_at, raiseload=True),
            *_PROPOSAL_ENTRY,
        )
        .order_by(Call.results_published_at.desc(), Submission.id.desc())
        .limit(limit)
    ).all()
    return [(s, c, p) for s, c, p in rows]


_PROPOSAL_ENTRY = (
    load_only(
        Proposal.title,
        Proposal.summary,
        Proposal.published_at,
        Proposal.updated_at,
        Proposal.association_id,
        raiseload=True,
    ),
    joinedload(Proposal.association).load_only(Association.name, raiseload=True),
)
_IDEA_ENTRY = (
    load_only(
        Idea.title,
        Idea.description,
        Idea.created_at,
        Idea.updated_at,
        Idea.author_id,
        Idea.pole_id,
        Idea.mediation_id,
        raiseload=True,
    ),
    joinedload(Idea.author).load_only(User.stored_name, User.deleted_at, raiseload=True),
    # A collected idea is signed by its unit, never by the agent who typed it (as its card says).
    joinedload(Idea.pole).load_only(Pole.name, raiseload=True),
)


def _load(model, ids: list[int], options: tuple) -> list:
    if not ids:
        return []
    loaded = {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options))}
    return [loaded[i] for i in ids if i in loaded]


# --- Sitemap: ids and dates only, never whole rows ------------------------------------------


def _proposal_rows():
    return select(Proposal.id, Proposal.updated_at).where(*proposal_conditions(Filters()))


def _idea_rows():
    return select(Idea.id, Idea.updated_at).where(*idea_conditions(Filters()))


SITEMAP_SECTIONS = {"propositions": _proposal_rows, "idees": _idea_rows}


def sitemap_chunks() -> dict[str, int]:
    """How many files each long section takes (at least one, even empty: the index stays stable)."""
    counts = {}
    for name, rows in SITEMAP_SECTIONS.items():
        total = db.session.scalar(select(func.count()).select_from(rows().subquery())) or 0
        counts[name] = max(1, -(-total // SITEMAP_CHUNK))
    return counts


def sitemap_rows(section: str, number: int) -> list[tuple[int, datetime]]:
    """One file's (id, last change) pairs, by id: a stable split whatever is added later."""
    query = SITEMAP_SECTIONS[section]()
    return [
        (row.id, row.updated_at)
        for row in db.session.execute(
            query.order_by(query.selected_columns[0]).limit(SITEMAP_CHUNK).offset((number - 1) * SITEMAP_CHUNK)
        )
    ]


def sitemap_calls() -> list[tuple[str, datetime, datetime | None]]:
    """Every call (public from its creation): slug, creation date, results' publication date."""
    return list(db.session.execute(select(Call.slug, Call.created_at, Call.results_published_at).order_by(Call.id)))


def sitemap_poles() -> Iterator[str]:
    return iter(db.session.scalars(select(Pole.slug).order_by(Pole.name)))
