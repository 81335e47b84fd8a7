"""The one place tests build their data: explicit, readable, no magic.

Each builder commits what it makes. Two ways to make content, named at the call:
- by default, plain rows (any state, counters, dates set by hand, no side effect): what listing, search,
  moderation and permission tests need;
- ``via_services=True``, through the app's own services, as a member would (revision 1, the author follows
  what they wrote, transitions, co-author invitations, call submission): what the rules' tests need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import count

from sqlalchemy import select

from app import taxonomy
from app.calls import services as call_services
from app.comments import services as comment_services
from app.extensions import db
from app.ideas import services as idea_services
from app.models import (
    Association,
    Call,
    Comment,
    Commune,
    Criterion,
    Domain,
    Idea,
    LegalForm,
    Membership,
    MembershipRole,
    Notification,
    Pole,
    PoleRole,
    PoleRoleKind,
    Proposal,
    ProposalAnswer,
    ProposalCoauthor,
    ProposalQuestion,
    ProposalState,
    TargetPublic,
    User,
)
from app.models.base import utcnow
from app.proposals import coauthors as coauthor_services
from app.proposals import question_presets
from app.proposals import services as proposal_services
from app.text import slugify

PASSWORD = "mot-de-passe-de-test"
_seq = count(1)


# --- Territory and people -------------------------------------------------------------------


@dataclass
class Territory:
    medoc: Pole
    bassin: Pole
    medoc_commune: Commune
    bassin_commune: Commune


def make_pole(name: str) -> Pole:
    pole = Pole(slug=slugify(name), name=name, description=f"Le territoire {name}.")
    db.session.add(pole)
    db.session.flush()
    return pole


def make_commune(name: str, pole: Pole, *, rural: bool = False, qpv: bool = False) -> Commune:
    commune = Commune(slug=slugify(name), name=name, pole_id=pole.id, is_rural=rural, has_qpv=qpv)
    db.session.add(commune)
    db.session.flush()
    return commune


def make_territory() -> Territory:
    medoc = make_pole("Médoc")
    bassin = make_pole("Bassin")
    territory = Territory(
        medoc=medoc,
        bassin=bassin,
        medoc_commune=make_commune("Lesparre-Médoc", medoc, rural=True, qpv=True),
        bassin_commune=make_commune("Arcachon", bassin),
    )
    db.session.commit()
    return territory


def make_user(display_name: str | None = None, *, email: str | None = None, password: str = PASSWORD, **attrs) -> User:
    """Roles are attributes: ``is_admin=True``, ``moderated_pole_id=pole.id``, ``agent_pole_id=pole.id``. The address is
    confirmed unless ``email_verified_at=None`` (a new account)."""
    n = next(_seq)
    attrs.setdefault("email_verified_at", utcnow())
    pole_id = attrs.pop("moderated_pole_id", None)
    agent_pole_id = attrs.pop("agent_pole_id", None)
    user = User(
        email=email or f"personne{n}@exemple.fr",
        display_name=display_name or f"Personne {n}",
        password=password,
        **attrs,
    )
    db.session.add(user)
    if pole_id is not None:
        db.session.flush()
        db.session.add(PoleRole(user_id=user.id, pole_id=pole_id, role=PoleRoleKind.MODERATOR.value))
    if agent_pole_id is not None:
        db.session.flush()
        db.session.add(PoleRole(user_id=user.id, pole_id=agent_pole_id, role=PoleRoleKind.AGENT.value))
    db.session.commit()
    return user


def make_association(
    name: str,
    commune: Commune | None = None,
    *,
    admins: list[User] = (),
    members: list[User] = (),
    legal_form: str = "association",
    verified: bool = False,
) -> Association:
    """``verified``: checked by the platform, as calls require by default to deposit."""
    association = Association(
        slug=f"{slugify(name)}-{next(_seq)}",
        name=name,
        legal_form=taxonomy.by_slug(LegalForm, legal_form),
        commune_id=commune.id if commune else None,
        verified_at=utcnow() if verified else None,
    )
    db.session.add(association)
    db.session.flush()
    for user in admins:
        db.session.add(Membership(association_id=association.id, user_id=user.id, role=MembershipRole.ADMIN))
    for user in members:
        db.session.add(Membership(association_id=association.id, user_id=user.id, role=MembershipRole.MEMBER))
    db.session.commit()
    return association


# --- Ideas ----------------------------------------------------------------------------------


def make_idea(
    author: User | None = None,
    commune: Commune | None = None,
    *,
    title: str | None = None,
    description: str | None = None,
    domain: str = "alimentation",
    publics: tuple[str, ...] = (),
    via_services: bool = False,
    **attrs,
) -> Idea:
    """``commune`` is required (it gives the pole); ``attrs`` are other Idea columns
    (``support_count``, ``comment_count``, ``created_at``), rows only."""
    n = next(_seq)
    author = author or make_user()
    title = title or f"Idée {n}"
    description = description or f"Un besoin observé sur le terrain, numéro {n}."
    if via_services:
        assert not attrs, "set by hand: not through the services"
        return idea_services.create_idea(
            author,
            title=title,
            description=description,
            commune_id=commune.id,
            domain=domain,
            publics=list(publics),
        )
    idea = Idea(
        title=title,
        description=description,
        author_id=author.id,
        commune_id=commune.id,
        pole_id=commune.pole_id,
        domain=taxonomy.by_slug(Domain, domain),
        **attrs,
    )
    idea.publics = taxonomy.by_slugs(TargetPublic, publics)
    db.session.add(idea)
    db.session.commit()
    return idea


# --- Proposals ------------------------------------------------------------------------------

ANSWER_KEYS = [key for key, *_rest in question_presets.GIRONDE]

# What a member types in the proposal form: complete, and eligible to the call make_call builds.
PROPOSAL_FIELDS = {
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
    "communes": [],
    "is_rural": True,
    "is_qpv": False,
    "budget_eur": 20000,
    "duration_months": 12,
}


def make_proposal(
    association: Association,
    author: User | None = None,
    *,
    state: ProposalState = ProposalState.PUBLISHED,
    communes: tuple[Commune, ...] = (),
    poles: tuple[Pole, ...] | None = None,
    publics: tuple[str, ...] | None = None,
    coauthors: tuple[tuple[Association, User], ...] = (),
    call: Call | None = None,
    idea: Idea | None = None,
    published_at: datetime | None = None,
    via_services: bool = False,
    **fields,
) -> Proposal:
    """A proposal of ``association``; ``fields`` are Proposal columns (``title``, ``need``, ``budget_eur``,
    ``is_rural``, ``support_count``...); ``idea`` is the idea it takes up.

    Rows: ``poles`` default to the communes' poles, ``publics`` to none. Through the services
    (``via_services=True``): the fields start from PROPOSAL_FIELDS, ``state`` is DRAFT or PUBLISHED (reached
    by the publish transition), each ``(association, admin)`` of ``coauthors`` is invited by the author and
    accepted by that admin, and ``call`` receives the submission.
    """
    author = author or make_user()
    if via_services:
        return _proposal_via_services(
            association, author, state, communes, poles, publics, coauthors, call, idea, fields
        )
    assert call is None and not coauthors, "submissions and co-authors go through the services: via_services=True"
    n = next(_seq)
    if poles is None:
        poles = [db.session.get(Pole, pole_id) for pole_id in dict.fromkeys(c.pole_id for c in communes)]
    # The answers to the default questions, by key (``need=...``): rows of their own.
    answers = {"need": "Un besoin social.", "experimentation": "Ce qui est expérimental."}
    answers.update({key: fields.pop(key) for key in ANSWER_KEYS if key in fields})
    proposal = Proposal(
        association_id=association.id,
        author_id=author.id,
        idea_id=idea.id if idea else None,
        state=state,
        title=fields.pop("title", f"Proposition {n}"),
        summary=fields.pop("summary", f"Le résumé de la proposition {n}."),
        domain=taxonomy.by_slug(Domain, fields.pop("domain", "alimentation")),
        budget_eur=fields.pop("budget_eur", 20_000),
        duration_months=fields.pop("duration_months", 12),
        published_at=(published_at or utcnow()) if state != ProposalState.DRAFT else None,
        **fields,
    )
    proposal.publics = taxonomy.by_slugs(TargetPublic, publics or ())
    proposal.communes = list(communes)
    proposal.poles = list(poles)
    db.session.add(proposal)
    db.session.flush()
    for question in db.session.scalars(select(ProposalQuestion).where(ProposalQuestion.call_id.is_(None))):
        if answers.get(question.key):
            db.session.add(ProposalAnswer(proposal_id=proposal.id, question_id=question.id, body=answers[question.key]))
    db.session.commit()
    return proposal


def _proposal_via_services(association, author, state, communes, poles, publics, coauthors, call, idea, fields):
    assert state in (ProposalState.DRAFT, ProposalState.PUBLISHED), "other states: plain rows"
    data = {**PROPOSAL_FIELDS, **fields}
    if communes:
        data["communes"] = [c.id for c in communes]
    if poles is not None:
        data["poles"] = [p.id for p in poles]
    if publics is not None:
        data["publics"] = list(publics)
    proposal = proposal_services.create_proposal(author, association, data, idea=idea)
    if state == ProposalState.PUBLISHED:
        proposal_services.transition(proposal, "publish")
    for co_association, admin in coauthors:
        coauthor_services.invite(proposal_services.get_proposal(proposal.id), co_association, author)
        invitation = db.session.scalar(
            select(ProposalCoauthor).where(
                ProposalCoauthor.proposal_id == proposal.id, ProposalCoauthor.association_id == co_association.id
            )
        )
        coauthor_services.respond(invitation, True, admin)
    if call is not None:
        call_services.submit(call_services.get_call(call.slug), proposal_services.get_proposal(proposal.id), author)
    return proposal_services.get_proposal(proposal.id)


# --- Calls for projects ---------------------------------------------------------------------

# (label, weight): the last one counts double.
CRITERIA = [
    ("Besoin non couvert", 1),
    ("Expérimentation", 1),
    ("Aller vers", 1),
    ("Coopération", 1),
    ("Impact mesurable", 2),
]


def make_call(
    title: str = "Appel d'essai",
    *,
    poles: tuple[Pole, ...] = (),
    slug: str | None = None,
    summary: str = "Un appel pour les tests.",
    funder: str = "Département",
    envelope: int = 50_000,
    min_grant: int = 1_000,
    max_grant: int = 30_000,
    legal_forms: tuple[str, ...] = ("association", "ess"),
    domains: list[str] | None = None,
    opens: datetime | None = None,
    closes: datetime | None = None,
) -> Call:
    """An open call (opened ten days ago, closing in ten) with its evaluation grid."""
    now = utcnow()
    call = Call(
        slug=slug or f"appel-{next(_seq)}",
        title=title,
        funder=funder,
        summary=summary,
        envelope_eur=envelope,
        min_grant_eur=min_grant,
        max_grant_eur=max_grant,
        opens_at=opens or now - timedelta(days=10),
        closes_at=closes or now + timedelta(days=10),
        legal_forms=taxonomy.by_slugs(LegalForm, legal_forms),
        domains=taxonomy.by_slugs(Domain, domains or []),
        publics=taxonomy.by_slugs(TargetPublic, ["femmes", "familles_monoparentales", "seniors"]),
    )
    call.poles = list(poles)
    call.criteria = [Criterion(label=label, weight=w, position=i) for i, (label, w) in enumerate(CRITERIA)]
    db.session.add(call)
    db.session.commit()
    # Its questions: Gironde's five, all required, like a call the questions migration copied.
    question_presets.install(call_id=call.id, all_required=True)
    return call


# --- Discussion and notices -----------------------------------------------------------------


def make_comment(
    subject, author: User, body: str | None = None, reply_to: Comment | None = None, association_id: int | None = None
) -> Comment:
    """Through the service, so depth, counts and notifications are the real ones.

    Needs a request context (notifications carry a link): the ``app`` fixture runs the test in one.
    """
    return comment_services.create_comment(
        subject, author, body or f"Message numéro {next(_seq)}", reply_to=reply_to, association_id=association_id
    )


def make_notification(
    user: User, text: str = "Quelque chose s'est passé.", *, kind: str = "comment", url: str = "/idees/"
) -> Notification:
    notification = Notification(user_id=user.id, kind=kind, text=text, url=url)
    db.session.add(notification)
    db.session.commit()
    return notification


def calls_world(territory) -> dict:
    """A world: associations A (lead, Médoc) and B (co-author, Bassin), C (unrelated, other
    territory), evaluators, pole moderators, a resident; an open call on both poles."""
    p = {
        name: make_user(label)
        for name, label in [
            ("lead", "Admin A"),
            ("co", "Admin B"),
            ("other", "Admin C"),
            ("resident", "Habitante"),
        ]
    }
    p["admin"] = make_user("Administration", is_admin=True)
    p["mod_medoc"] = make_user("Modération Médoc", moderated_pole_id=territory.medoc.id)
    p["mod_bassin"] = make_user("Modération Bassin", moderated_pole_id=territory.bassin.id)
    third = make_pole("Sud-Gironde")
    sud_commune = make_commune("Langon", third)
    p["A"] = make_association("Association A", territory.medoc_commune, admins=[p["lead"]], verified=True)
    p["B"] = make_association("Association B", territory.bassin_commune, admins=[p["co"]], verified=True)
    p["C"] = make_association("Association C", sud_commune, admins=[p["other"]], verified=True)
    p["sud"], p["territory"] = third, territory
    p["call"] = make_call(poles=[territory.medoc, territory.bassin, third])
    return p


def world_proposal(w: dict, coauthored: bool = True, **overrides):
    """A proposal of ``calls_world``'s association A in Médoc, co-written with B unless told otherwise."""
    return make_proposal(
        w["A"],
        w["lead"],
        communes=[w["territory"].medoc_commune],
        coauthors=((w["B"], w["co"]),) if coauthored else (),
        via_services=True,
        **overrides,
    )
