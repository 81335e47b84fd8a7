"""Upgrading a database from before the questions migration keeps every text: the proposal page,
its history (word diffs under the questions' labels) and its amendments read the same afterwards."""

from __future__ import annotations

import itertools
import json

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from app.models import Proposal, ProposalAnswer, ProposalQuestion, User
from tests.conftest import PG_CLUSTER, TisserClient, _base_config
from tests.helpers import text as page_text

BEFORE = "642e7e10c1ea"  # the head before proposal questions became data
_names = itertools.count()

TEXTS = {
    "need": "Les familles du Médoc attendent trois mois un premier rendez-vous.",
    "experimentation": "Une permanence itinérante tenue par des habitantes formées.",
    "outreach": "Nous frappons aux portes avec les facteurs du canton.",
    "cooperation": "Avec le centre social de Lesparre et la mission locale.",
    "impact_indicators": "Soixante familles reçues en douze mois.",
}
LABELS = {
    "need": "Le besoin social peu ou pas couvert",
    "experimentation": "Ce qui est expérimental",
    "outreach": "La démarche « aller vers »",
    "cooperation": "Coopération et partenaires",
    "impact_indicators": "Indicateurs d'impact mesurables",
}


@pytest.fixture
def scratch_url(request, tmp_path):
    """An empty database of its own: a file, or a new database in the session's PostgreSQL cluster."""
    if request.config.getoption("--db") == "postgresql":
        request.getfixturevalue("database_url")  # starts the cluster
        return request.config.stash[PG_CLUSTER].create_database(f"tisser_upgrade_{next(_names)}")
    return f"sqlite:///{tmp_path / 'before.sqlite3'}"


def _insert(conn, table: str, **values) -> int:
    columns = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    return conn.execute(text(f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING id"), values).scalar_one()


def _old_data(conn) -> dict[str, int]:
    """Plain SQL, with the columns as they were at BEFORE."""
    when = "2026-03-02 10:00:00"
    pole = _insert(conn, "poles", slug="medoc", name="Médoc", description="")
    commune = _insert(
        conn, "communes", slug="lesparre", name="Lesparre-Médoc", pole_id=pole, is_rural=True, has_qpv=False,
        is_demo=True,
    )  # fmt: skip
    users = [
        _insert(
            conn,
            "users",
            email=f"u{n}@exemple.fr",
            display_name=name,
            display_name_key=name.lower(),
            password_hash="x",
            is_admin=n == 0,
            created_at=when,
            email_verified_at=when,
            session_token=f"jeton-de-session-{n:04d}",
        )  # fmt: skip
        for n, name in enumerate(["Admin", "Camille Autrice", "Dominique Relectrice"])
    ]
    association = _insert(
        conn, "associations", slug="asso", name="Les Jardins du Médoc", legal_form="association", description="",
        created_at=when, contact_email="", contact_phone="", updated_at=when,
    )  # fmt: skip
    idea = _insert(
        conn, "ideas", title="Des rendez-vous plus proches", description="Trop loin, trop tard.", author_id=users[2],
        commune_id=commune, pole_id=pole, domain="citoyennete", created_at=when, updated_at=when, support_count=0,
        comment_count=0,
    )  # fmt: skip
    call = _insert(
        conn, "calls", slug="appel", title="Appel à expérimentations", funder="Département", summary="", description="",
        envelope_eur=100000, opens_at="2026-01-01 00:00:00", closes_at="2026-12-31 00:00:00", created_at=when,
    )  # fmt: skip
    criterion = _insert(
        conn, "call_criteria", call_id=call, position=0, label="Besoin non couvert", description="", weight=2
    )

    def proposal(title, state, **texts):
        return _insert(
            conn, "proposals", association_id=association, author_id=users[1], idea_id=idea, state=state,
            title=title, summary="Une permanence qui va vers les familles.", domain="citoyennete", is_rural=True,
            is_qpv=False, version=2, created_at=when, updated_at=when, published_at=when, support_count=0,
            comment_count=0, budget_eur=20000, duration_months=12,
            **{key: texts.get(key, "") for key in TEXTS},
        )  # fmt: skip

    submitted = proposal("Permanence itinérante", "submitted", **TEXTS)
    published = proposal("Sans appel", "published", need="Un besoin écrit hors de tout appel.")
    for pid in (submitted, published):
        conn.execute(
            text("INSERT INTO proposal_poles (proposal_id, pole_id) VALUES (:p, :pole)"), {"p": pid, "pole": pole}
        )
    first = {**TEXTS, "need": "Les familles attendent un rendez-vous.", "title": "Permanence itinérante"}
    for version, snap, changed in ((1, first, list(first)), (2, {**first, "need": TEXTS["need"]}, ["need"])):
        _insert(
            conn, "proposal_revisions", proposal_id=submitted, version=version, author_id=users[1], created_at=when,
            changed_fields=json.dumps(changed), snapshot=json.dumps(snap), note="",
        )  # fmt: skip
    _insert(
        conn, "amendments", proposal_id=submitted, author_id=users[2], field="outreach", base_text=TEXTS["outreach"],
        new_text="Nous frappons aux portes avec les facteurs et les pharmaciens.", reason="Les pharmacies aussi.",
        status="pending", created_at=when, decline_reason="",
    )  # fmt: skip
    submission = _insert(
        conn, "call_submissions", call_id=call, proposal_id=submitted, submitted_by_id=users[1], submitted_at=when,
        step="Reçu", step_at=when, sent_back_message="", decision_reason="",
    )  # fmt: skip
    assignment = _insert(
        conn, "evaluation_assignments", submission_id=submission, evaluator_id=users[0], assigned_at=when
    )
    _insert(conn, "evaluation_scores", assignment_id=assignment, criterion_id=criterion, value=3, comment="Solide.")
    return {"submitted": submitted, "published": published, "call": call, "admin": users[0], "assignment": assignment}


def test_upgrading_keeps_every_answer_revision_and_amendment(scratch_url):
    app = create_app(_base_config(scratch_url))
    app.test_client_class = TisserClient
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            ids = _old_data(conn)
        upgrade()
        try:
            # The data: defaults plus the call's own copy (all required), answers on the right set.
            defaults = db.session.scalars(
                db.select(ProposalQuestion).where(ProposalQuestion.call_id.is_(None)).order_by("position")
            ).all()
            assert [(q.key, q.label) for q in defaults] == list(LABELS.items())
            assert [q.required for q in defaults] == [True, True, False, False, False]
            own = db.session.scalars(db.select(ProposalQuestion).where(ProposalQuestion.call_id == ids["call"])).all()
            assert sorted(q.key for q in own) == sorted(TEXTS) and all(q.required for q in own)
            assert db.session.get(Proposal, ids["submitted"]).call_id == ids["call"]
            answered = db.session.execute(
                db.select(ProposalQuestion.key, ProposalQuestion.call_id, ProposalAnswer.body)
                .join(ProposalAnswer, ProposalAnswer.question_id == ProposalQuestion.id)
                .where(ProposalAnswer.proposal_id == ids["submitted"])
            ).all()
            assert {key: body for key, _call, body in answered} == TEXTS
            assert {call for _key, call, _body in answered} == {ids["call"]}

            client = app.test_client()
            page = page_text(client.get(f"/propositions/{ids['submitted']}"))
            for key, body in TEXTS.items():
                assert LABELS[key] in page and body in page
            other = page_text(client.get(f"/propositions/{ids['published']}"))
            assert "Un besoin écrit hors de tout appel." in other

            history = client.get(f"/propositions/{ids['submitted']}/historique")
            assert history.status_code == 200
            html = history.get_data(as_text=True)
            # The second version's word diff, under the question's label, never its key.
            assert LABELS["need"] in html and "Médoc" in html and "trois mois" in html
            assert "<ins>" in html and ">need<" not in html

            amendments = page_text(client.get(f"/propositions/{ids['submitted']}/amendements"))
            assert "La démarche « aller vers », par Dominique Relectrice" in amendments
            assert "pharmaciens" in amendments

            found = page_text(client.get("/recherche/?q=facteurs"))
            assert "Permanence itinérante" in found

            # The evaluator's view still shows every answer beside the grid, and the score given.
            client.login_as(db.session.get(User, ids["admin"]))
            evaluation = client.get(f"/appels/evaluations/{ids['assignment']}")
            assert evaluation.status_code == 200, evaluation.headers.get("Location")
            evaluation_page = page_text(evaluation)
            for key, body in TEXTS.items():
                assert LABELS[key] in evaluation_page and body in evaluation_page
            assert "Solide." in evaluation.get_data(as_text=True)
        finally:
            db.session.remove()
            db.engine.dispose()
