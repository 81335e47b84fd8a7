"""A large, realistic data set for benchmarks: ``flask seed-large``.

Everything is planned in memory first (who comments what, who supports what), then written with
SQLAlchemy Core bulk inserts in chunks, with explicit ids: no ORM objects, no round trip per row.
The counters on ideas and proposals are computed from the same plan, so they match the rows.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from sqlalchemy import Table, func, select, text
from werkzeug.security import generate_password_hash

from app.demo import load_demo
from app.extensions import db
from app.markdown import render_markdown
from app.models import (
    Association,
    Comment,
    Commune,
    Domain,
    Idea,
    LegalForm,
    Membership,
    MembershipRole,
    Proposal,
    ProposalAnswer,
    ProposalQuestion,
    ProposalState,
    Support,
    TargetPublic,
    User,
)
from app.models.accounts import new_session_token
from app.models.base import utcnow
from app.models.participation import proposal_communes, proposal_poles
from app.models.taxonomy import idea_publics, proposal_publics

SEED_PASSWORD = "tisser-seed-2026"
CHUNK = 5_000
ASSOCIATIONS = 20
MEMBERS_PER_ASSOCIATION = 2
# Threads show three levels (depth 0, 1, 2): seeded replies stay within them.
MAX_DEPTH = 2
REPLY_SHARE = 0.35

# A handful of comment bodies, rendered once: Markdown is not run 100 000 times.
COMMENT_SOURCES = [
    "Très bonne idée, nous avons le même besoin dans notre quartier.",
    "Est-ce que les **familles monoparentales** du secteur ont été associées au projet ?",
    "Merci pour ce travail. Deux questions :\n\n1. Quel calendrier ?\n2. Quels partenaires locaux ?",
    "Je soutiens, à condition que les horaires conviennent aussi aux personnes qui travaillent.",
    "Le centre social pourrait prêter une salle le mercredi après-midi.",
    "Attention au transport : sans *navette*, les seniors isolés ne viendront pas.",
    "Nous l'avons essayé à Bègles en 2024, voici ce que nous avons appris : commencer petit.",
    "> Quels partenaires locaux ?\n\nL'épicerie solidaire et la mission locale ont dit oui.",
]


@dataclass
class SeedResult:
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    heavy_proposal_id: int = 0
    heavy_comments: int = 0


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _chunks(rows: Iterable[dict], size: int = CHUNK) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(table: Table, rows: Iterable[dict]) -> int:
    n = 0
    for batch in _chunks(rows):
        db.session.execute(table.insert(), batch)
        n += len(batch)
    return n


def _spread(total: int, slots: int, cap: int, rng: random.Random) -> list[int]:
    """``total`` items over ``slots`` with a long tail (a few popular subjects), at most ``cap`` each."""
    if total > slots * cap:
        raise ValueError(f"cannot place {total} items in {slots} slots of at most {cap}")
    weights = [rng.paretovariate(2.0) for _ in range(slots)]
    quota = Counter(rng.choices(range(slots), weights=weights, k=total))
    counts = [min(quota[i], cap) for i in range(slots)]
    overflow = total - sum(counts)
    i = 0
    while overflow:
        if counts[i] < cap:
            counts[i] += 1
            overflow -= 1
        i = (i + 1) % slots
    return counts


def _analyze() -> None:
    """Planner statistics (and PostgreSQL's visibility map) after a bulk load, as autovacuum would
    give them later: without them, PostgreSQL's list count visits every row (4.7 ms → 2 ms)."""
    if db.engine.dialect.name == "postgresql":
        # VACUUM cannot run inside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))
        db.session.commit()


SEED_ANSWERS = {
    "need": "Beaucoup de familles ne connaissent pas leurs droits.",
    "experimentation": "Une permanence mobile co-animée par des habitantes et des travailleurs sociaux.",
    "outreach": "Présence sur les marchés et aux sorties d'école.",
    "cooperation": "Centre social, mission locale, CCAS.",
    "impact_indicators": "Nombre de personnes accompagnées, droits ouverts.",
}


def seed_large(
    proposals: int = 10_000, comments: int = 100_000, supports: int = 200_000, seed: int = 2026
) -> SeedResult:
    started = time.perf_counter()
    rng = random.Random(seed)
    load_demo(participation=False)

    communes = list(db.session.execute(select(Commune.id, Commune.pole_id, Commune.is_rural, Commune.has_qpv)))
    now = utcnow()
    # Ids of the taxonomy load_demo wrote (rows are inserted in bulk, by id).
    domains = list(db.session.scalars(select(Domain.id).order_by(Domain.position)))
    publics = list(db.session.scalars(select(TargetPublic.id).order_by(TargetPublic.position)))
    association_form = db.session.scalar(select(LegalForm.id).where(LegalForm.slug == "association"))

    # --- People and associations --------------------------------------------------------------
    n_ideas = max(1, proposals // 5)
    n_members = ASSOCIATIONS * MEMBERS_PER_ASSOCIATION
    # Enough supporters for every (person, subject) pair to be unique, with room for a long tail.
    n_supporters = max(200, supports // 40)
    if supports > (n_ideas + proposals) * n_supporters:
        # Checked before writing anything: each person supports a subject at most once.
        raise ValueError(f"cannot place {supports} supports: at most {n_supporters} per subject")
    user0 = _next_id(User)
    # One hash for every seeded account: hashing 5 000 times would take minutes with scrypt.
    password_hash = generate_password_hash(SEED_PASSWORD, method=current_app.config["PASSWORD_HASH_METHOD"])

    def users() -> Iterator[dict]:
        for i in range(n_members + n_supporters):
            uid = user0 + i
            name = f"Personne test {uid}"
            yield {
                "id": uid,
                "email": f"seed{uid}@tisser.seed",
                "display_name": name,
                "display_name_key": name.casefold(),
                "password_hash": password_hash,
                "is_admin": False,
                "created_at": now - timedelta(days=400),
                "email_verified_at": now - timedelta(days=400),
                "session_token": new_session_token(),
            }

    _insert(User.__table__, users())
    member_ids = list(range(user0, user0 + n_members))
    supporter_ids = list(range(user0 + n_members, user0 + n_members + n_supporters))

    asso0 = _next_id(Association)
    association_ids = list(range(asso0, asso0 + ASSOCIATIONS))
    _insert(
        Association.__table__,
        (
            {
                "id": aid,
                "slug": f"association-test-{aid}",
                "name": f"Association test {aid}",
                "legal_form_id": association_form,
                "commune_id": rng.choice(communes).id,
                "description": "Une association créée pour les mesures de performance.",
                "created_at": now,
            }
            for aid in association_ids
        ),
    )
    _insert(
        Membership.__table__,
        (
            {
                "association_id": association_ids[i // MEMBERS_PER_ASSOCIATION],
                "user_id": uid,
                "role": MembershipRole.ADMIN if i % MEMBERS_PER_ASSOCIATION == 0 else MembershipRole.MEMBER,
                "show_publicly": True,
                "created_at": now,
            }
            for i, uid in enumerate(member_ids)
        ),
    )

    # --- Plan the subjects: ideas then proposals, one list of (kind, id) --------------------------
    idea0, proposal0 = _next_id(Idea), _next_id(Proposal)
    idea_ids = list(range(idea0, idea0 + n_ideas))
    proposal_ids = list(range(proposal0, proposal0 + proposals))
    subjects = [("idea_id", i) for i in idea_ids] + [("proposal_id", p) for p in proposal_ids]
    heavy = proposal_ids[0] if proposals else 0
    heavy_comments = min(comments, max(200, comments // 400)) if proposals else 0

    # Comments: the heavy proposal first (the benchmark's "detail with 200 comments"), the rest
    # spread with a long tail over every other subject.
    others = [s for s in subjects if s != ("proposal_id", heavy)]
    comment_counts = (
        dict(zip(others, _spread(comments - heavy_comments, len(others), comments, rng), strict=True)) if others else {}
    )
    if heavy:
        comment_counts[("proposal_id", heavy)] = heavy_comments
    # Supports: a person supports a subject once; association members stay out of it entirely
    # (they may not support their own association's proposals).
    support_counts = dict(zip(subjects, _spread(supports, len(subjects), n_supporters, rng), strict=True))

    # --- Ideas ----------------------------------------------------------------------------------
    def idea_rows() -> Iterator[dict]:
        for n, iid in enumerate(idea_ids):
            commune = communes[n % len(communes)]
            created = now - timedelta(minutes=10 * (n_ideas - n))
            yield {
                "id": iid,
                "title": f"Idée test {iid} : un besoin de proximité",
                "description": "Dans notre commune, les familles manquent d'un lieu pour se retrouver.",
                "author_id": rng.choice(supporter_ids),
                "commune_id": commune.id,
                "pole_id": commune.pole_id,
                "domain_id": domains[n % len(domains)],
                "created_at": created,
                "updated_at": created,
                "support_count": support_counts[("idea_id", iid)],
                "comment_count": comment_counts.get(("idea_id", iid), 0),
            }

    _insert(Idea.__table__, idea_rows())
    _insert(idea_publics, ({"idea_id": iid, "public_id": publics[n % len(publics)]} for n, iid in enumerate(idea_ids)))

    # --- Proposals, all published with every field the call requires ---------------------------
    proposal_commune: dict[int, tuple] = {}

    def proposal_rows() -> Iterator[dict]:
        for n, pid in enumerate(proposal_ids):
            association = association_ids[n % ASSOCIATIONS]
            commune = rng.choice(communes)
            proposal_commune[pid] = commune
            published = now - timedelta(minutes=5 * (proposals - n))
            yield {
                "id": pid,
                "association_id": association,
                "author_id": member_ids[(n % ASSOCIATIONS) * MEMBERS_PER_ASSOCIATION],
                "idea_id": idea_ids[n % n_ideas] if n % 10 == 0 else None,
                "state": ProposalState.PUBLISHED,
                "title": f"Proposition test {pid} : expérimentation de proximité",
                "summary": "Un lieu d'accueil itinérant pour aller vers les personnes qui ne demandent rien.",
                "domain_id": domains[n % len(domains)],
                "budget_eur": 5_000 + (n % 40) * 1_000,
                "duration_months": 6 + n % 19,
                "is_rural": commune.is_rural,
                "is_qpv": commune.has_qpv,
                "version": 1,
                "created_at": published - timedelta(days=7),
                "updated_at": published,
                "published_at": published,
                "support_count": support_counts[("proposal_id", pid)],
                "comment_count": comment_counts.get(("proposal_id", pid), 0),
            }

    _insert(Proposal.__table__, proposal_rows())
    # Every proposal answers the default questions, one row each.
    question_ids = {
        key: qid
        for key, qid in db.session.execute(
            select(ProposalQuestion.key, ProposalQuestion.id).where(ProposalQuestion.call_id.is_(None))
        )
    }
    _insert(
        ProposalAnswer.__table__,
        (
            {"proposal_id": pid, "question_id": question_ids[key], "body": body}
            for pid in proposal_ids
            for key, body in SEED_ANSWERS.items()
            if key in question_ids
        ),
    )
    _insert(
        proposal_publics,
        (
            {"proposal_id": pid, "public_id": p}
            for n, pid in enumerate(proposal_ids)
            for p in {publics[n % len(publics)], publics[(n * 7) % len(publics)]}
        ),
    )
    _insert(proposal_communes, ({"proposal_id": pid, "commune_id": c.id} for pid, c in proposal_commune.items()))
    _insert(proposal_poles, ({"proposal_id": pid, "pole_id": c.pole_id} for pid, c in proposal_commune.items()))

    # --- Comments: threads with replies (parent, root, depth consistent) ------------------------
    bodies = [(source, str(render_markdown(source))) for source in COMMENT_SOURCES]
    comment0 = _next_id(Comment)
    everyone = member_ids + supporter_ids
    oldest = now - timedelta(days=200)

    def comment_rows() -> Iterator[dict]:
        cid = comment0
        for subject, n in comment_counts.items():
            column, sid = subject
            # (id, root, depth) of this subject's comments that may still get a reply.
            open_to_replies: list[tuple[int, int, int]] = []
            for _ in range(n):
                parent = rng.choice(open_to_replies) if open_to_replies and rng.random() < REPLY_SHARE else None
                source, html = bodies[cid % len(bodies)]
                if parent is None:
                    parent_id = root_id = None
                    depth = 0
                else:
                    parent_id, parent_root, parent_depth = parent
                    root_id = parent_root or parent_id
                    depth = parent_depth + 1
                row = {
                    "id": cid,
                    "idea_id": None,
                    "proposal_id": None,
                    "author_id": rng.choice(everyone),
                    "parent_id": parent_id,
                    "root_id": root_id,
                    "reply_to_id": parent_id,
                    "depth": depth,
                    "body": source,
                    "body_html": html,
                    "created_at": oldest + timedelta(seconds=cid - comment0),
                    "edited_at": None,
                    "deleted_at": None,
                }
                row[column] = sid
                yield row
                if depth < MAX_DEPTH:
                    open_to_replies.append((cid, root_id or 0, depth))
                cid += 1

    _insert(Comment.__table__, comment_rows())

    # --- Supports: distinct people per subject ---------------------------------------------------
    def support_rows() -> Iterator[dict]:
        for (column, sid), n in support_counts.items():
            for uid in rng.sample(supporter_ids, n):
                yield {"user_id": uid, "idea_id": None, "proposal_id": None, column: sid, "created_at": now}

    _insert(Support.__table__, support_rows())

    if db.engine.dialect.name == "postgresql":
        # Explicit ids do not move PostgreSQL's sequences: catch them up for later inserts.
        for model in (User, Association, Membership, Idea, Proposal, Comment, Support):
            table = model.__tablename__
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', "
                    f"'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )
    db.session.commit()
    _analyze()

    return SeedResult(
        seconds=time.perf_counter() - started,
        counts={
            "users": n_members + n_supporters,
            "associations": ASSOCIATIONS,
            "ideas": n_ideas,
            "proposals": proposals,
            "comments": sum(comment_counts.values()),
            "supports": sum(support_counts.values()),
        },
        heavy_proposal_id=heavy,
        heavy_comments=heavy_comments,
    )
