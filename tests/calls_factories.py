"""Builders for calls tests: an open call with its grid, and a co-authored proposal ready to submit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Call, Criterion, ProposalCoauthor
from app.models.base import utcnow
from app.proposals import coauthors, services
from tests import factories

FIELDS = {
    "title": "Garde solidaire du soir",
    "summary": "Des parents se relaient pour garder les enfants le soir, avec le pôle.",
    "need": "Les mères seules travaillent tard.",
    "experimentation": "Une garde entre parents, organisée par eux.",
    "outreach": "Nous allons au-devant des familles aux sorties d'école.",
    "cooperation": "Avec le Pôle territorial de solidarité et la mairie.",
    "impact_indicators": "40 familles accompagnées en 12 mois.",
    "domain": "citoyennete",
    "publics": ["femmes", "familles_monoparentales"],
    "poles": [],
    "is_rural": True,
    "is_qpv": False,
    "budget_eur": 20000,
    "duration_months": 12,
}

# (label, weight): the last one counts double.
CRITERIA = [
    ("Besoin non couvert", 1),
    ("Expérimentation", 1),
    ("Aller vers", 1),
    ("Coopération", 1),
    ("Impact mesurable", 2),
]


def make_call(
    poles,
    *,
    envelope=50_000,
    min_grant=1_000,
    max_grant=30_000,
    legal_forms=("association", "ess"),
    domains=None,
    opens=None,
    closes=None,
    slug="appel-test",
) -> Call:
    now = utcnow()
    call = Call(
        slug=slug,
        title="Appel d'essai",
        funder="Département",
        summary="Un appel pour les tests.",
        envelope_eur=envelope,
        min_grant_eur=min_grant,
        max_grant_eur=max_grant,
        opens_at=opens or now - timedelta(days=10),
        closes_at=closes or now + timedelta(days=10),
        legal_forms=list(legal_forms),
        domains=domains,
        publics=["femmes", "familles_monoparentales", "seniors"],
    )
    call.poles = list(poles)
    call.criteria = [Criterion(label=label, weight=w, position=i) for i, (label, w) in enumerate(CRITERIA)]
    db.session.add(call)
    db.session.commit()
    return call


def make_proposal(author, association, commune, coauthor_association=None, coauthor_admin=None, **overrides):
    proposal = services.create_proposal(author, association, {**FIELDS, "communes": [commune.id], **overrides})
    services.transition(proposal, "publish")
    if coauthor_association is not None:
        coauthors.invite(services.get_proposal(proposal.id), coauthor_association, author)
        invitation = db.session.scalar(select(ProposalCoauthor).where(ProposalCoauthor.proposal_id == proposal.id))
        coauthors.respond(invitation, True, coauthor_admin)
    return services.get_proposal(proposal.id)


def calls_world(territory) -> dict:
    """A world: associations A (lead, Médoc) and B (co-author, Bassin), C (unrelated, other
    territory), evaluators, pole moderators, a resident; an open call on both poles."""
    p = {
        name: factories.make_user(label)
        for name, label in [
            ("lead", "Admin A"),
            ("co", "Admin B"),
            ("other", "Admin C"),
            ("resident", "Habitante"),
        ]
    }
    p["admin"] = factories.make_user("Administration", is_admin=True)
    p["mod_medoc"] = factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    p["mod_bassin"] = factories.make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    third = factories.make_pole("Sud-Gironde")
    sud_commune = factories.make_commune("Langon", third)
    p["A"] = factories.make_association("Association A", territory.medoc_commune, admins=[p["lead"]])
    p["B"] = factories.make_association("Association B", territory.bassin_commune, admins=[p["co"]])
    p["C"] = factories.make_association("Association C", sud_commune, admins=[p["other"]])
    p["sud"], p["territory"] = third, territory
    p["call"] = make_call([territory.medoc, territory.bassin, third])
    return p
