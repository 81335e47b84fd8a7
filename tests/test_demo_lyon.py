"""The Métropole de Lyon preset (app/demo_lyon.py): idempotent, its own territory, taxonomy, fund and
accounts, the fund's method at work (a funded pilot replicated elsewhere), and not one page that
still speaks of Gironde or of its poles."""

import re
from collections import deque
from urllib.parse import urlsplit

from sqlalchemy import func, select

from app.demo import DEMO_PASSWORD
from app.demo_lyon import FIRST_EDITION_SLUG, FUND_SLUG, PILOT, TERRITORIES, lyon_accounts
from app.demo_presets import load_preset
from app.extensions import db
from app.models import (
    Association,
    Call,
    CallEvaluator,
    Comment,
    Commune,
    Criterion,
    Domain,
    Idea,
    Membership,
    Partner,
    Pole,
    PoleRole,
    Proposal,
    ProposalQuestion,
    Replication,
    SubDomain,
    Submission,
    Support,
    User,
)
from app.models.calls import Decision
from tests.helpers import html, text


def _snapshot():
    models = (Pole, Commune, User, Association, Membership, PoleRole, CallEvaluator, Call, Criterion, Partner)
    models += (ProposalQuestion, Domain, SubDomain, Idea, Proposal, Submission, Replication, Comment, Support)
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in models} | {
        "users": db.session.execute(select(User.email, User.display_name, User.password_hash).order_by(User.id)).all(),
        "calls": db.session.execute(select(Call.slug, Call.opens_at, Call.closes_at).order_by(Call.id)).all(),
        "communes": db.session.execute(
            select(Commune.insee_code, Commune.pole_id, Commune.is_rural, Commune.has_qpv).order_by(Commune.id)
        ).all(),
        "counts": db.session.execute(
            select(Proposal.title, Proposal.state, Proposal.support_count, Proposal.comment_count).order_by(Proposal.id)
        ).all(),
    }


def test_lyon_load_is_idempotent(app):
    load_preset("lyon")
    first = _snapshot()
    assert first["Replication"] == 1 and first["Submission"] == 1
    load_preset("lyon")
    db.session.expire_all()
    assert _snapshot() == first


def test_lyon_territory_is_the_metropole_s_58_communes_in_illustrative_units(app):
    load_preset("lyon")
    units = {p.name: p for p in db.session.scalars(select(Pole))}
    assert set(units) == set(TERRITORIES) and 4 <= len(units) <= 6
    communes = db.session.scalars(select(Commune)).all()
    assert len(communes) == 58 and all(c.insee_code and c.insee_code.startswith("69") for c in communes)
    assert all(c.is_demo for c in communes)  # the grouping is the demo's, not an official one
    assert all("illustratif" in p.description for p in units.values())
    by_name = {c.name: c for c in communes}
    assert by_name["Vénissieux"].pole_id == units["Portes du Sud"].id and by_name["Vénissieux"].has_qpv
    assert by_name["Quincieux"].is_rural and not by_name["Lyon"].is_rural
    # The fund names its volunteer pilot territories.
    fund = db.session.scalar(select(Call).where(Call.slug == FUND_SLUG))
    pilots = db.session.scalars(select(Pole.name).join(Call.poles).where(Call.id == fund.id)).all()
    assert set(pilots) == {"Villeurbanne", "Rhône Amont", "Val de Saône et Monts d'Or"}


def test_lyon_taxonomy_fund_and_its_questions(app, client):
    load_preset("lyon")
    domains = db.session.scalars(select(Domain.label).order_by(Domain.position)).all()
    assert domains == [
        "Prévention et protection de l'enfance",
        "Protection maternelle et infantile",
        "Personnes âgées et personnes en situation de handicap",
        "Santé publique",
        "Développement social",
    ]
    assert db.session.scalar(select(func.count(SubDomain.id))) >= 5
    fund = db.session.scalar(select(Call).where(Call.slug == FUND_SLUG))
    assert fund.envelope_eur == 1_000_000 and fund.funder == "Métropole de Lyon" and fund.is_open()
    keys = db.session.scalars(
        select(ProposalQuestion.key).where(ProposalQuestion.call_id == fund.id).order_by(ProposalQuestion.position)
    ).all()
    assert keys == ["need", "climate", "pilot", "cooperation", "impact_indicators"]
    page = text(client.get(f"/appels/{FUND_SLUG}"))
    assert "Fonds d'innovation sociale" in page and "1 000 000" in page.replace("\u202f", " ").replace("\xa0", " ")
    assert "changement climatique et justice sociale" in page
    assert "start-up sociale" in page  # an eligible legal form besides associations
    # The default questions no longer name the first preset's units.
    help_texts = db.session.scalars(select(ProposalQuestion.help_text).where(ProposalQuestion.call_id.is_(None)))
    assert not [h for h in help_texts if "ôle" in h]


def test_lyon_accounts_cover_every_role_and_log_in(app):
    load_preset("lyon")
    accounts = lyon_accounts()
    users = {u.email: u for u in db.session.scalars(select(User))}
    assert {a.email for a in accounts} == set(users)
    assert all(u.is_verified for u in users.values()) and any(u.is_admin for u in users.values())
    roles = db.session.execute(select(PoleRole.role, PoleRole.pole_id)).all()
    assert {pole for role, pole in roles if role == "moderator"} == set(db.session.scalars(select(Pole.id)))
    assert any(role == "agent" for role, _pole in roles)
    # The outside evaluator is neither an administrator nor a moderator.
    evaluator = db.session.get(User, db.session.scalar(select(CallEvaluator.user_id)))
    assert not evaluator.is_admin and evaluator.id not in set(db.session.scalars(select(PoleRole.user_id)))
    for email in (
        "admin@tisser.demo",
        "moderation.portes-du-sud@tisser.demo",
        "agent.rhone-amont@tisser.demo",
        "evaluation.externe@tisser.demo",
        "asso.petits-pas@tisser.demo",
        "habitant1@tisser.demo",
    ):
        response = app.test_client().post("/connexion", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email


def test_demo_cli_loads_lyon_and_prints_its_accounts(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--preset", "lyon"])
    assert result.exit_code == 0, (result.output, repr(result.exception))
    assert "evaluation.externe@tisser.demo" in result.output and "moderation.medoc" not in result.output
    listed = app.test_cli_runner().invoke(args=["demo", "accounts"])
    assert "moderation.portes-du-sud@tisser.demo" in listed.output and "Maison Portes du Sud" in listed.output
    assert "moderation.medoc" not in listed.output


def test_lyon_pilot_funded_then_replicated_with_its_lineage(app, client):
    load_preset("lyon")
    pilot = db.session.scalar(select(Proposal).where(Proposal.title == PILOT))
    assert pilot.state.value == "selected"
    submission = db.session.scalar(select(Submission).where(Submission.proposal_id == pilot.id))
    first = db.session.scalar(select(Call).where(Call.slug == FIRST_EDITION_SLUG))
    assert submission.call_id == first.id and submission.decision is Decision.SELECTED
    assert first.results_published_at is not None
    replication = db.session.scalar(select(Replication))
    assert replication.original_id == pilot.id
    replica = db.session.get(Proposal, replication.proposal_id)
    page = text(client.get(f"/propositions/{pilot.id}"))
    assert "Reproductions sur d'autres territoires" in page and "Régie de quartier Saint-Jean" in page
    assert "Villeurbanne" in page
    assert "Reproduit le projet" in text(client.get(f"/propositions/{replica.id}"))
    assert "Reproduit sur :" in text(client.get(f"/appels/{FIRST_EDITION_SLUG}/resultats"))


# --- Every page a visitor, a resident and a Maison's moderator reach ------------------------------

OLD_WORDING = re.compile(r"Gironde|girondin|pôle|Pôle territorial", re.IGNORECASE)
SKIPPED = ("/static/", "/auth/deconnexion", "/deconnexion")


def _crawl(client, limit: int = 400) -> dict[str, tuple[int, str]]:
    """Every page reachable from the home page through the site's own links (query strings dropped)."""
    pages: dict[str, tuple[int, str]] = {}
    todo = deque(["/"])
    while todo and len(pages) < limit:
        path = todo.popleft()
        if path in pages or path.startswith(SKIPPED):
            continue
        # A link that needs a log-in leads to the log-in page, a no-JS fallback to its page: followed.
        response = client.get(path, follow_redirects=True)
        if response.mimetype != "text/html":
            pages[path] = (response.status_code, "")
            continue
        pages[path] = (response.status_code, text(response))
        for href in re.findall(r'href="([^"#]+)', html(response)):
            target = urlsplit(href)
            if not target.netloc and target.path.startswith("/"):
                todo.append(target.path)
    return pages


def _assert_lyon_everywhere(pages: dict[str, tuple[int, str]], must_reach: list[str]) -> None:
    assert not {path: status for path, (status, _page) in pages.items() if status != 200}
    for path in must_reach:
        assert path in pages, f"{path} was not reached"
    old = {path: sorted(set(OLD_WORDING.findall(page))) for path, (_s, page) in pages.items() if page}
    assert not {path: words for path, words in old.items() if words}


def _lyon_pages() -> list[str]:
    pilot = db.session.scalar(select(Proposal.id).where(Proposal.title == PILOT))
    unit = db.session.scalar(select(Pole.slug).where(Pole.name == "Portes du Sud"))
    return ["/", "/idees/", "/propositions/", "/appels/", f"/appels/{FUND_SLUG}", f"/propositions/{pilot}"] + [
        f"/territoires/{unit}"
    ]


def test_a_visitor_crawling_lyon_meets_no_gironde_nor_pole(app, client):
    load_preset("lyon")
    pages = _crawl(client)
    _assert_lyon_everywhere(pages, _lyon_pages() + ["/mentions-legales", "/accessibilite"])
    assert len(pages) >= 40
    assert "Maisons de la Métropole pour les solidarités" in pages["/"][1]


def test_a_resident_and_a_maison_moderator_crawling_lyon_meet_no_gironde_nor_pole(app):
    load_preset("lyon")
    for email in ("habitant1@tisser.demo", "moderation.portes-du-sud@tisser.demo"):
        user = db.session.scalar(select(User).where(User.email == email))
        pages = _crawl(app.test_client().login_as(user))
        _assert_lyon_everywhere(pages, _lyon_pages())
        assert len(pages) >= 40, email


def test_the_fund_page_shows_someone_without_an_association_the_way_not_a_refusal(app, client):
    load_preset("lyon")
    link = f'href="/propositions/nouvelle?appel={FUND_SLUG}"'
    assert link in html(client.get(f"/appels/{FUND_SLUG}"))  # a visitor is asked to log in first
    resident = db.session.scalar(select(User).where(User.email == "habitant1@tisser.demo"))
    page = html(app.test_client().login_as(resident).get(f"/appels/{FUND_SLUG}"))
    assert link not in page and 'href="/associations/nouvelle"' in page
    member = db.session.scalar(select(User).where(User.email == "asso.petits-pas@tisser.demo"))
    assert link in html(app.test_client().login_as(member).get(f"/appels/{FUND_SLUG}"))


def test_the_audit_log_names_roles_with_the_collectivity_s_unit(app):
    from app.moderation.services import log_labels

    load_preset("lyon")
    with app.test_request_context():
        labels = log_labels()
    assert labels["appoint_moderator"] == "Nomination à la modération d'une Maison"
    assert labels["revoke_agent"] == "Retrait du rôle d'agent d'une Maison"
