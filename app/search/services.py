"""Full-text search and filtered lists, on each database's own engine.

Whatever people type is reduced to plain word tokens before it reaches the engine: FTS5 gets
``"token"*`` phrases, PostgreSQL ``token:*`` joined with ``&``. No operator, quote or bracket of
the input ever reaches MATCH or to_tsquery, so any input gives results or an empty list.
Each token matches as a prefix: "elu" finds "élus", "aliment" finds "alimentation".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
    union_all,
)
from sqlalchemy.orm import joinedload, load_only, raiseload, selectinload

from app.extensions import db
from app.models import LISTED_STATES, Association, Call, Commune, Idea, Proposal, ProposalState, Submission
from app.models.participation import proposal_communes, proposal_poles
from app.models.taxonomy import idea_publics, proposal_publics
from app.search.filters import SEED_MODULUS, Filters
from app.search.schema import INDEX_TABLE, KIND_CODES

PER_PAGE = 20
MAX_TOKENS = 12
# Letters and digits of any script; everything else separates words.
_TOKEN = re.compile(r"[^\W_]+")
# Title matches count ten times body matches (FTS5 bm25 column weights: kind, ref_id, title, body).
_SQLITE_RANK = "bm25(search_index, 0.0, 0.0, 10.0, 1.0)"
# ts_rank weights for D, C, B, A: A (title) far above B (body).
_PG_RANK = "ts_rank('{0.02, 0.05, 0.1, 1.0}', tsv, query)"


def tokens(q: str | None) -> list[str]:
    return _TOKEN.findall((q or "").lower())[:MAX_TOKENS]


def _dialect() -> str:
    return db.engine.dialect.name


def hits(q: str | None, kind: str | None = None):
    """A subquery (kind, ref_id, rank) of the index rows matching ``q``; lower rank is better.
    None when ``q`` holds no word at all."""
    words = tokens(q)
    if not words:
        return None
    kind_filter = " AND kind = :kind" if kind else ""
    if _dialect() == "postgresql":
        stmt = text(
            f"SELECT kind, ref_id, -{_PG_RANK} AS rank "
            "FROM search_index, to_tsquery('tisser_fr', :query) AS query "
            f"WHERE tsv @@ query{kind_filter}"
        ).bindparams(query=" & ".join(f"{w}:*" for w in words))
    else:
        stmt = text(
            f"SELECT kind, ref_id, {_SQLITE_RANK} AS rank FROM search_index "
            f"WHERE search_index MATCH :query{kind_filter}"
        ).bindparams(query=" ".join(f'"{w}"*' for w in words))
    if kind:
        stmt = stmt.bindparams(kind=kind)
    return stmt.columns(kind=String, ref_id=Integer, rank=Float).subquery("hits")


def shuffle_key(column: Any, seed: tuple[int, int]) -> Any:
    """A per-visitor pseudo-random order, the same SQL on SQLite and PostgreSQL: an affine map of
    the id (different for each seed), squared modulo a prime so that neighbouring ids scatter.
    Every step stays below 2**63."""
    a, b = seed
    x = (cast(column, BigInteger) * a + b) % SEED_MODULUS
    return (x * x) % SEED_MODULUS


@dataclass
class Page:
    """What templates/_pagination.html needs, for queries db.paginate does not fit."""

    items: list
    page: int
    per_page: int
    total: int
    # More results than ``total`` (the search page counts up to a cap).
    more: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def _paginate(query, f: Filters, model: Any, options: tuple = ()) -> Page:
    """Count and sort the ids alone, then load the page's rows by id with ``options``.

    Counting or sorting whole rows (with their long texts) of 10 000 proposals cost tens of
    milliseconds on SQLite (``make bench``); on the ids it is a few."""
    ids_query = query.with_only_columns(model.id, maintain_column_froms=True)
    total = db.session.scalar(select(func.count()).select_from(ids_query.order_by(None).subquery()))
    ids = list(db.session.scalars(ids_query.limit(PER_PAGE).offset((f.page - 1) * PER_PAGE)))
    loaded = (
        {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).unique()}
        if ids
        else {}
    )
    return Page([loaded[i] for i in ids if i in loaded], f.page, PER_PAGE, total)


def _order(query, model: Any, f: Filters, newest: Any, matched: Any):
    if f.sort == "pertinence" and matched is not None:
        return query.order_by(matched.c.rank, model.id.desc())
    if f.sort == "soutiens":
        return query.order_by(model.support_count.desc(), model.id.desc())
    if f.sort == "commentaires":
        return query.order_by(model.comment_count.desc(), model.id.desc())
    if f.sort == "hasard":
        return query.order_by(shuffle_key(model.id, f.seed), model.id)
    return query.order_by(newest.desc(), model.id.desc())


def idea_conditions(f: Filters) -> list:
    # Content hidden by moderation is never listed nor found.
    conditions = [Idea.hidden_at.is_(None)]
    if f.commune:
        conditions.append(Idea.commune_id == f.commune.id)
    elif f.pole:
        conditions.append(Idea.pole_id == f.pole.id)
    if f.domain:
        conditions.append(Idea.domain_id == f.domain.id)
    if f.public:
        conditions.append(exists().where(idea_publics.c.idea_id == Idea.id, idea_publics.c.public_id == f.public.id))
    return conditions


def proposal_conditions(f: Filters) -> list:
    # "Publiées" lists every public proposal still in play: published, and submitted to a call
    # or decided there (the call is a public process). Withdrawn ones have a filter of their own.
    states = LISTED_STATES if f.state == ProposalState.PUBLISHED else {f.state}
    conditions = [Proposal.state.in_(states), Proposal.hidden_at.is_(None)]
    if f.commune:
        conditions.append(
            exists().where(
                proposal_communes.c.proposal_id == Proposal.id, proposal_communes.c.commune_id == f.commune.id
            )
        )
    elif f.pole:
        conditions.append(
            exists().where(proposal_poles.c.proposal_id == Proposal.id, proposal_poles.c.pole_id == f.pole.id)
        )
    if f.domain:
        conditions.append(Proposal.domain_id == f.domain.id)
    if f.public:
        conditions.append(
            exists().where(proposal_publics.c.proposal_id == Proposal.id, proposal_publics.c.public_id == f.public.id)
        )
    if f.rural:
        conditions.append(Proposal.is_rural.is_(True))
    if f.qpv:
        conditions.append(Proposal.is_qpv.is_(True))
    if f.call:
        conditions.append(Proposal.id.in_(select(Submission.proposal_id).where(Submission.call_id == f.call.id)))
    return conditions


def _with_words(query, model: Any, kind: str, f: Filters):
    """Restrict to what matches the words typed, if any; also returns the matches for ranking."""
    if not f.q:
        return query, None
    matched = hits(f.q, kind)
    if matched is None:
        # Only punctuation typed: nothing can match.
        return query.where(false()), None
    return query.join(matched, matched.c.ref_id == model.id), matched


IDEA_OPTIONS = (
    joinedload(Idea.author),
    joinedload(Idea.commune),
    joinedload(Idea.pole),
    selectinload(Idea.publics),
)
# A card shows a few columns: the long texts of the proposal form are left in the database, and
# so are the co-authors (loaded with every proposal otherwise, for permissions cards never ask).
# Raising instead of loading keeps a template that needs more from adding a query per card.
PROPOSAL_CARD_COLUMNS = load_only(
    Proposal.association_id,
    Proposal.state,
    Proposal.title,
    Proposal.summary,
    Proposal.domain_id,
    Proposal.subdomain_id,
    Proposal.support_count,
    Proposal.comment_count,
    Proposal.published_at,
    Proposal.version,
    raiseload=True,
)
PROPOSAL_OPTIONS = (
    PROPOSAL_CARD_COLUMNS,
    joinedload(Proposal.association),
    selectinload(Proposal.poles),
    selectinload(Proposal.publics),
    raiseload(Proposal.coauthorships),
)


def latest(kind: str, limit: int = 3) -> list:
    """The newest listed ideas or proposals (the home page): ids first, then the rows, as lists do."""
    f = Filters()
    if kind == "idea":
        model, conditions, newest, options = Idea, idea_conditions(f), Idea.created_at, IDEA_OPTIONS
    else:
        model, conditions, newest, options = Proposal, proposal_conditions(f), Proposal.published_at, PROPOSAL_OPTIONS
    ids = list(
        db.session.scalars(select(model.id).where(*conditions).order_by(newest.desc(), model.id.desc()).limit(limit))
    )
    if not ids:
        return []
    loaded = {
        obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).unique()
    }
    return [loaded[i] for i in ids if i in loaded]


def ideas(f: Filters) -> Page:
    query = select(Idea).where(*idea_conditions(f))
    query, matched = _with_words(query, Idea, "idea", f)
    return _paginate(_order(query, Idea, f, Idea.created_at, matched), f, Idea, IDEA_OPTIONS)


def filtered(kind: str, f: Filters):
    """The listed ideas or proposals matching ``f`` (words included), unsorted: what the page lists,
    which the open-data exports (app.opendata) stream whole."""
    model, conditions = (Idea, idea_conditions(f)) if kind == "idea" else (Proposal, proposal_conditions(f))
    query, _matched = _with_words(select(model).where(*conditions), model, kind, f)
    return query


def proposals(f: Filters) -> Page:
    query = select(Proposal).where(*proposal_conditions(f))
    # Withdrawn proposals are not in the index: words only search published ones.
    query, matched = _with_words(query, Proposal, "proposal", f)
    return _paginate(_order(query, Proposal, f, Proposal.published_at, matched), f, Proposal, PROPOSAL_OPTIONS)


# --- The search page: one ranked list over every kind ----------------------------------------

# Past this many matches the count says "more than" and ranking looks at a bounded set: a word
# found in nearly every document (10 000 proposals) no longer costs a score per document.
RESULT_CAP = 1000
# Ties in rank keep the order the page always had: kinds by name, then newest first.
_KIND_ORDER = {code: n for n, code in enumerate(KIND_CODES[k] for k in sorted(KIND_CODES))}


@dataclass(frozen=True)
class _Index:
    """The search index seen the same way on both databases: each row's kind (as a code), its
    id, a key that grows with the id (the newest rows first) and its rank (lower is better)."""

    match: Any  # the rows holding every word
    title_match: Any  # the rows holding every word in their title
    code: Any
    kind: Any  # what the kind conditions compare with a KIND_CODES key (its code on SQLite)
    ref_id: Any
    key: Any
    rank: Any


def _index(words: list[str]) -> _Index:
    if _dialect() == "postgresql":
        # rowkey is SQLite's rowid (a generated column, with a B-tree); the titles have a GIN of
        # their own, where "mot:*A" on the weighted tsv would re-check every row found.
        rowkey = literal_column("search_index.rowkey", Integer)
        config = literal_column("'tisser_fr'::regconfig")
        # "(mot | mot:*)" finds what "mot:*" finds, but the planner estimates a prefix alone at 2 %
        # of the rows (and so reads all 12 000 rows of a common word through the GIN, 60 ms); with
        # the word itself it knows a common word, and walks the key backwards instead (1 ms).
        words_query = " & ".join(f"({w} | {w}:*)" for w in words)
        tsquery = func.to_tsquery(config, bindparam("query", words_query, String))
        tsv = literal_column("search_index.tsv")
        title_tsv = func.to_tsvector(config, literal_column("search_index.title"))
        return _Index(
            match=tsv.bool_op("@@")(tsquery),
            title_match=title_tsv.bool_op("@@")(tsquery),
            code=rowkey % 4,
            # The columns, not the key: the planner has statistics on them, and an expression
            # of the key it believes 0.5 % of the rows, which again turns it to the GIN.
            kind=literal_column("search_index.kind", String),
            ref_id=literal_column("search_index.ref_id", Integer),
            key=rowkey,
            rank=-func.ts_rank(literal_column("'{0.02, 0.05, 0.1, 1.0}'::float4[]"), tsv, tsquery, type_=Float),
        )
    # SQLite: the rowid is id * 4 + kind code (the triggers write it so), and reading it never
    # touches the stored texts, unlike the kind and ref_id columns (+15 ms for 12 000 matches).
    phrases = " ".join(f'"{w}"*' for w in words)
    return _Index(
        match=text("search_index MATCH :query").bindparams(query=phrases),
        title_match=text("search_index MATCH :title_query").bindparams(title_query=f"{{title}} : ({phrases})"),
        code=literal_column("search_index.rowid % 4", Integer),
        kind=literal_column("search_index.rowid % 4", Integer),
        ref_id=literal_column("search_index.rowid / 4", Integer),
        key=literal_column("search_index.rowid", Integer),
        rank=literal_column(_SQLITE_RANK, Float),
    )


def _kind_condition(index: _Index, kind: str, f: Filters) -> Any:
    if kind == "idea":
        ids = select(Idea.id).where(*idea_conditions(f))
    elif kind == "proposal":
        ids = select(Proposal.id).where(*proposal_conditions(f))
    elif kind == "association":
        if f.domain or f.public:
            return None  # associations have no domain nor public
        territory = []
        if f.commune:
            territory = [Association.commune_id == f.commune.id]
        elif f.pole:
            territory = [Association.commune_id.in_(select(Commune.id).where(Commune.pole_id == f.pole.id))]
        ids = select(Association.id).where(*territory)
    else:
        if f.domain or f.public or f.pole or f.commune:
            return None  # calls cover the whole département and every domain
        ids = select(Call.id)
    value = kind if _dialect() == "postgresql" else KIND_CODES[kind]
    return and_(index.kind == value, index.ref_id.in_(ids))


def _newest(index: _Index, match: Any, conditions: list, limit: int) -> list[int]:
    """The keys of the newest ``limit`` rows ``match`` finds: no score, no text read (FTS5 walks
    its index backwards and stops)."""
    stmt = select(index.key).select_from(table(INDEX_TABLE)).where(match, or_(*conditions))
    return list(db.session.scalars(stmt.order_by(index.key.desc()).limit(limit)))


def search(f: Filters) -> Page | None:
    """Ranked results over ideas, published proposals, associations and calls; None when
    nothing was typed.

    The newest ``RESULT_CAP + 1`` matches give the count, exact up to the cap. Under it, every
    match is ranked, as it always was. Over it ("plus de 1 000 résultats"), scoring every match
    was what made a common word slow (12 000 scores, twice): then the rows whose title holds
    every word come first, ranked among themselves (when there are at most ``RESULT_CAP`` of
    them: past that, titles do not tell anything apart), then the newest ``RESULT_CAP`` matches,
    ranked. Each score is computed for at most ``2 * RESULT_CAP`` rows, and every page under the
    cap exists. Three queries at most, whatever the number of matches."""
    if not f.q:
        return None
    words = tokens(f.q)
    if not words:
        # Only punctuation typed: nothing can match.
        return Page([], f.page, PER_PAGE, 0)
    index = _index(words)
    kinds = [f.type] if f.type else ["idea", "proposal", "association", "call"]
    conditions = [c for c in (_kind_condition(index, k, f) for k in kinds) if c is not None]
    if not conditions:
        return Page([], f.page, PER_PAGE, 0)
    keys = _newest(index, index.match, conditions, RESULT_CAP + 1)
    more = len(keys) > RESULT_CAP

    def ranked(tier: int, match: Any, *where: Any):
        return (
            select(
                literal(tier).label("tier"),
                index.code.label("code"),
                index.ref_id.label("ref_id"),
                index.rank.label("rank"),
                case(_KIND_ORDER, value=index.code).label("kind_order"),
            )
            .select_from(table(INDEX_TABLE))
            .where(match, or_(*conditions), *where)
        )

    query = ranked(1, index.match)
    if more:
        query = ranked(1, index.match, index.key >= keys[RESULT_CAP - 1])
        titles = _newest(index, index.title_match, conditions, RESULT_CAP + 1)
        if 0 < len(titles) <= RESULT_CAP:
            # Keys, not a subquery: FTS5 given "rowid IN (...)" beside MATCH runs the match again
            # for each rowid (seconds).
            query = union_all(
                ranked(0, index.title_match, index.key >= titles[-1]),
                ranked(1, index.match, index.key >= keys[RESULT_CAP - 1], index.key.not_in(titles)),
            )
    if more and (f.page - 1) * PER_PAGE >= RESULT_CAP:
        # Past the pages the count announces (the title matches make a few more rows).
        return Page([], f.page, PER_PAGE, RESULT_CAP, more)
    order = (
        literal_column("tier"),
        literal_column("rank"),
        literal_column("kind_order"),
        literal_column("ref_id").desc(),
    )
    rows = db.session.execute(query.order_by(*order).limit(PER_PAGE).offset((f.page - 1) * PER_PAGE)).all()
    codes = {code: kind for kind, code in KIND_CODES.items()}
    items = _load([(codes[row.code], row.ref_id) for row in rows])
    return Page(items, f.page, PER_PAGE, min(len(keys), RESULT_CAP), more)


def _load(rows: list) -> list[tuple[str, Any]]:
    """The objects behind (kind, id) rows, in the rows' order: one query (or two) per kind."""
    wanted: dict[str, list[int]] = {}
    for kind, ref_id in rows:
        wanted.setdefault(kind, []).append(ref_id)
    loaded: dict[tuple[str, int], Any] = {}
    loaders = {
        "idea": (Idea, IDEA_OPTIONS),
        "proposal": (Proposal, PROPOSAL_OPTIONS),
        "association": (Association, (joinedload(Association.commune),)),
        "call": (Call, ()),
    }
    for kind, ids in wanted.items():
        model, options = loaders[kind]
        for obj in db.session.scalars(select(model).where(model.id.in_(ids)).options(*options)).unique():
            loaded[(kind, obj.id)] = obj
    # A row deleted between the two queries is simply left out.
    return [(kind, loaded[(kind, ref_id)]) for kind, ref_id in rows if (kind, ref_id) in loaded]


def filter_kwargs(f: Filters) -> dict:
    """The query-string form of the filters (for links that keep them)."""
    args = {
        "q": f.q or None,
        "pole": f.pole.slug if f.pole else None,
        "commune": f.commune.slug if f.commune else None,
        "domaine": f.domain.slug if f.domain else None,
        "public": f.public.slug if f.public else None,
        "type": f.type,
        "rural": "1" if f.rural else None,
        "qpv": "1" if f.qpv else None,
        "appel": f.call.slug if f.call else None,
    }
    return {k: v for k, v in args.items() if v}
