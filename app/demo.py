"""Demo data: Gironde's nine Pôles territoriaux de solidarité, a sample of their communes, demo
accounts for every role, a few associations, the département's call for projects, and a little
participation to look at (ideas of residents, proposals — one co-authored, one taken up from an
idea, one still a draft — a discussion with replies, supports).

Loading is idempotent: every row is looked up by its natural key first, so running the command
twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from faker import Faker
from flask import current_app, has_request_context
from sqlalchemy import select

from app import identity, taxonomy
from app.extensions import db
from app.models import (
    Association,
    Call,
    Commune,
    Domain,
    LegalForm,
    Membership,
    MembershipRole,
    Pole,
    PoleRole,
    PoleRoleKind,
    TargetPublic,
    User,
)
from app.models.base import utcnow
from app.proposals import question_presets
from app.territory import load_slice
from app.text import slugify

DEMO_PASSWORD = "tisser-demo-2026"
DEMO_DOMAIN = "tisser.demo"
PARIS = ZoneInfo("Europe/Paris")


# (name, rural, has a priority neighbourhood). A realistic sample per pole, marked as demo data.
POLES: dict[str, tuple[str, list[tuple[str, bool, bool]]]] = {
    "Bassin": (
        "Le Bassin d'Arcachon et le Val de l'Eyre.",
        [
            ("Arcachon", False, False),
            ("La Teste-de-Buch", False, False),
            ("Gujan-Mestras", False, False),
            ("Andernos-les-Bains", False, False),
            ("Biganos", False, False),
            ("Audenge", True, False),
            ("Belin-Béliet", True, False),
        ],
    ),
    "Bordeaux": (
        "La ville de Bordeaux et ses quartiers.",
        [("Bordeaux", False, True)],
    ),
    "Graves": (
        "Les communes des Graves, au sud-ouest de la métropole.",
        [
            ("Pessac", False, True),
            ("Talence", False, True),
            ("Bègles", False, True),
            ("Villenave-d'Ornon", False, True),
            ("Gradignan", False, False),
            ("Léognan", False, False),
            ("Cestas", False, False),
        ],
    ),
    "Haute-Gironde": (
        "Le Blayais, le Bourgeais et le Cubzaguais.",
        [
            ("Blaye", True, False),
            ("Saint-André-de-Cubzac", False, False),
            ("Bourg", True, False),
            ("Saint-Ciers-sur-Gironde", True, False),
            ("Saint-Savin", True, False),
        ],
    ),
    "Hauts-de-Garonne": (
        "La rive droite de l'agglomération bordelaise.",
        [
            ("Lormont", False, True),
            ("Cenon", False, True),
            ("Floirac", False, True),
            ("Bassens", False, True),
            ("Ambarès-et-Lagrave", False, False),
            ("Carbon-Blanc", False, False),
        ],
    ),
    "Libournais": (
        "Le Libournais, du Fronsadais au Pays foyen.",
        [
            ("Libourne", False, True),
            ("Coutras", True, True),
            ("Saint-Émilion", True, False),
            ("Castillon-la-Bataille", True, True),
            ("Sainte-Foy-la-Grande", True, True),
        ],
    ),
    "Médoc": (
        "Le Médoc, de l'estuaire à l'océan.",
        [
            ("Lesparre-Médoc", True, True),
            ("Pauillac", True, False),
            ("Soulac-sur-Mer", True, False),
            ("Hourtin", True, False),
            ("Saint-Laurent-Médoc", True, False),
            ("Vendays-Montalivet", True, False),
        ],
    ),
    "Porte du Médoc": (
        "Les communes au nord-ouest de la métropole, aux portes du Médoc.",
        [
            ("Blanquefort", False, False),
            ("Eysines", False, True),
            ("Saint-Médard-en-Jalles", False, False),
            ("Le Haillan", False, False),
            ("Bruges", False, False),
            ("Castelnau-de-Médoc", True, False),
        ],
    ),
    "Sud-Gironde": (
        "Le Sud-Gironde : Langonnais, Réolais, Bazadais et Podensacais.",
        [
            ("Langon", True, True),
            ("La Réole", True, False),
            ("Bazas", True, False),
            ("Cadillac", True, False),
            ("Podensac", True, False),
            ("Captieux", True, False),
        ],
    ),
}


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: str


@dataclass(frozen=True)
class DemoAssociation:
    name: str
    legal_form: str  # a slug of the taxonomy (app.taxonomy.GIRONDE_TAXONOMY)
    commune: str
    description: str
    admin_email: str
    member_emails: tuple[str, ...] = ()
    # Demo identifiers: well-formed (RNA format, SIRET key) but invented.
    rna: str | None = None
    siret: str | None = None
    verified: bool = False


ASSOCIATIONS = [
    DemoAssociation(
        "Les Jardins partagés du Bassin",
        "association",
        "Gujan-Mestras",
        "Jardins partagés et ateliers cuisine avec les familles du Bassin.",
        f"asso.bassin@{DEMO_DOMAIN}",
        (f"membre.bassin@{DEMO_DOMAIN}",),
        rna="W332004512",
        siret="78451236000008",
        verified=True,
    ),
    DemoAssociation(
        "Épicerie solidaire du Libournais",
        "ess",
        "Libourne",
        "Épicerie solidaire, paniers de saison et accès aux droits.",
        f"asso.libournais@{DEMO_DOMAIN}",
        siret="81234567600009",
    ),
    DemoAssociation(
        "Médoc Entraide Seniors",
        "association",
        "Lesparre-Médoc",
        "Visites à domicile et pair-aidance pour les seniors isolés du Médoc.",
        f"asso.medoc@{DEMO_DOMAIN}",
        rna="W331009876",
    ),
]


# Demo names the COG writes otherwise (renamed in 2025): the code is what matches.
RENAMED_IN_COG = {"cadillac": "33081"}


def _demo_insee_codes() -> dict[str, str]:
    codes = {slugify(c.name): c.code for c in load_slice("gironde-33").communes}
    return codes | RENAMED_IN_COG


def _upsert_territory() -> dict[str, Commune]:
    communes: dict[str, Commune] = {}
    codes = _demo_insee_codes()
    for pole_name, (description, pole_communes) in POLES.items():
        slug = slugify(pole_name)
        pole = db.session.scalar(select(Pole).where(Pole.slug == slug))
        if pole is None:
            pole = Pole(slug=slug, name=pole_name, description=description)
            db.session.add(pole)
            db.session.flush()
        for name, rural, qpv in pole_communes:
            commune_slug = slugify(name)
            commune = db.session.scalar(select(Commune).where(Commune.slug == commune_slug))
            if commune is None:
                commune = Commune(
                    slug=commune_slug, name=name, pole_id=pole.id, is_rural=rural, has_qpv=qpv, is_demo=True
                )
                db.session.add(commune)
            commune.insee_code = commune.insee_code or codes[commune_slug]
            communes[name] = commune
    db.session.flush()
    return communes


def _account(email: str, display_name: str, **attrs) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        # Demo accounts are ready to take part: their addresses are confirmed.
        user = User(email=email, display_name=display_name, password=DEMO_PASSWORD, email_verified_at=utcnow(), **attrs)
        db.session.add(user)
        db.session.flush()
    return user


def demo_accounts() -> list[DemoAccount]:
    accounts = [DemoAccount(f"admin@{DEMO_DOMAIN}", "Administration Tisser", "administration")]
    for pole_name in POLES:
        accounts.append(
            DemoAccount(
                f"moderation.{slugify(pole_name)}@{DEMO_DOMAIN}",
                f"Modération {pole_name}",
                f"modération du pôle {pole_name}",
            )
        )
    accounts.append(
        DemoAccount(f"agent.medoc@{DEMO_DOMAIN}", "Agent Médoc", "agent du pôle Médoc (recueil en personne)")
    )
    for asso in ASSOCIATIONS:
        accounts.append(DemoAccount(asso.admin_email, "", f"administration de « {asso.name} »"))
        for email in asso.member_emails:
            accounts.append(DemoAccount(email, "", f"membre de « {asso.name} »"))
    for i in range(1, 4):
        accounts.append(DemoAccount(f"habitant{i}@{DEMO_DOMAIN}", "", "habitant·e"))
    return accounts


def load_demo(participation: bool = True) -> None:
    """``participation=False``: the territory, accounts, associations and call only (the benchmark's
    data set adds its own ideas and proposals, in exact numbers)."""
    fake = Faker("fr_FR")
    # Seeded: the same names every time, so a second run finds the same accounts.
    fake.seed_instance(2026)

    def pseudonym() -> str:
        return f"{fake.first_name()} {fake.last_name()[0]}."

    identity.load_preset("gironde")
    if not identity.current().dpo_contact:
        # The privacy page names a DPO; a demo address like the accounts' (a real one is set in the admin).
        identity.save({"dpo_contact": f"Délégué·e à la protection des données (démonstration)\ndpo@{DEMO_DOMAIN}"})
    taxonomy.load_taxonomy(taxonomy.GIRONDE_TAXONOMY)
    communes = _upsert_territory()
    poles = {p.name: p for p in db.session.scalars(select(Pole))}
    question_presets.install()  # the default questions (a migrated database has them already)

    _account(f"admin@{DEMO_DOMAIN}", "Administration Tisser", is_admin=True)
    for pole_name, pole in poles.items():
        moderator = _account(f"moderation.{pole.slug}@{DEMO_DOMAIN}", f"Modération {pole_name}")
        if db.session.get(PoleRole, (moderator.id, pole.id, PoleRoleKind.MODERATOR.value)) is None:
            db.session.add(PoleRole(user_id=moderator.id, pole_id=pole.id, role=PoleRoleKind.MODERATOR.value))
    # An agent of the Médoc unit, who records what residents say at the market (app.mediation).
    agent = _account(f"agent.medoc@{DEMO_DOMAIN}", "Agent Médoc")
    if db.session.get(PoleRole, (agent.id, poles["Médoc"].id, PoleRoleKind.AGENT.value)) is None:
        db.session.add(PoleRole(user_id=agent.id, pole_id=poles["Médoc"].id, role=PoleRoleKind.AGENT.value))

    for asso in ASSOCIATIONS:
        slug = slugify(asso.name)
        association = db.session.scalar(select(Association).where(Association.slug == slug))
        if association is None:
            association = Association(
                slug=slug,
                name=asso.name,
                legal_form=taxonomy.by_slug(LegalForm, asso.legal_form),
                commune_id=communes[asso.commune].id,
                description=asso.description,
                rna=asso.rna,
                siret=asso.siret,
                verified_at=utcnow() if asso.verified else None,
            )
            db.session.add(association)
            db.session.flush()
        people = [(asso.admin_email, MembershipRole.ADMIN)] + [(e, MembershipRole.MEMBER) for e in asso.member_emails]
        for email, role in people:
            user = _account(email, pseudonym())
            exists = db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id, Membership.association_id == association.id)
            )
            if not exists:
                db.session.add(
                    Membership(user_id=user.id, association_id=association.id, role=role, show_publicly=True)
                )

    for i in range(1, 4):
        _account(f"habitant{i}@{DEMO_DOMAIN}", pseudonym())
    _upsert_statutes(ASSOCIATIONS[0].name)

    _upsert_gironde_call()
    _upsert_partners(poles)
    db.session.commit()
    if participation:
        _upsert_participation(communes)


def _upsert_statutes(name: str) -> None:
    """Statutes on a demo association's profile (app/attachments): a one-page PDF, written once."""
    import secrets

    from app.attachments import storage
    from app.models import Attachment

    association = db.session.scalar(select(Association).where(Association.slug == slugify(name)))
    if db.session.scalar(select(Attachment.id).where(Attachment.association_id == association.id).limit(1)):
        return
    data = demo_pdf(f"Statuts de l'association {name}")
    key = secrets.token_urlsafe(24)
    storage.current().put(key, data, "application/pdf")
    db.session.add(
        Attachment(
            storage_key=key,
            filename="Statuts.pdf",
            content_type="application/pdf",
            size=len(data),
            kind="statuts",
            association_id=association.id,
        )
    )


def demo_pdf(title: str) -> bytes:
    """A valid one-page PDF showing ``title`` (Latin-1 text, Helvetica): enough for a demo file."""
    text = title.encode("latin-1", "replace").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    stream = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += str(number).encode() + b" 0 obj\n" + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 " + str(len(objects) + 1).encode() + b"\n0000000000 65535 f \n"
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size " + str(len(objects) + 1).encode() + b" /Root 1 0 R >>\nstartxref\n"
    return out + str(xref).encode() + b"\n%%EOF\n"


# --- Moderation: two local partners per pole (looked up by pole and name: idempotent) ----------

DEMO_PARTNERS = [
    (
        "CCAS de {commune}",
        "Accompagnement social et aide alimentaire",
        "Accueil du CCAS, en mairie",
        ["alimentation", "citoyennete"],
    ),
    (
        "Maison départementale des solidarités — {pole}",
        "Accès aux droits",
        "Accueil de la MDS, sur rendez-vous",
        ["citoyennete", "sante"],
    ),
]


def _upsert_partners(poles: dict[str, Pole]) -> None:
    from app.models import Commune, Partner

    for pole in poles.values():
        commune = db.session.scalar(
            select(Commune.name).where(Commune.pole_id == pole.id).order_by(Commune.name).limit(1)
        )
        for organisation, service, contact, domains in DEMO_PARTNERS:
            name = organisation.format(commune=commune or pole.name, pole=pole.name)
            if (
                db.session.scalar(select(Partner.id).where(Partner.pole_id == pole.id, Partner.organisation == name))
                is None
            ):
                partner = Partner(pole_id=pole.id, organisation=name, service=service, contact=contact)
                partner.domains = taxonomy.by_slugs(Domain, domains)
                db.session.add(partner)


def _paris_noon(day: datetime) -> datetime:
    local = datetime.combine(day.date(), time(12, 0), tzinfo=PARIS)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


GIRONDE_CALL_SLUG = "gironde-experimentation-innovation-sociale"


def _upsert_gironde_call() -> None:
    if db.session.scalar(select(Call.id).where(Call.slug == GIRONDE_CALL_SLUG)):
        _complete_gironde_call()
        return
    now = utcnow()
    db.session.add(
        Call(
            slug=GIRONDE_CALL_SLUG,
            title="Soutien à l'expérimentation et à l'innovation sociale",
            funder="Département de la Gironde",
            summary=(
                "Le Département soutient des projets innovants, conçus avec les acteurs locaux, qui "
                "répondent aux besoins sociaux de proximité et luttent contre toutes les formes d'exclusion."
            ),
            description=(
                "Associations, structures de l'ESS, bailleurs sociaux, collectivités girondines et "
                "établissements publics peuvent proposer une expérimentation au bénéfice des familles "
                "monoparentales, des femmes, des enfants et des jeunes, et des seniors. Une attention "
                "particulière est portée aux zones rurales et aux quartiers prioritaires. Domaines "
                "prioritaires : santé, bien-être et handicap ; solidarité alimentaire ; citoyenneté "
                "sociale et lutte contre le non-recours."
            ),
            # Demo figures: the reference text sets no amount.
            envelope_eur=300_000,
            # The CERFA 12156 dossier: a balanced budget prévisionnel is checked on submission.
            requires_budget=True,
            opens_at=_paris_noon(now - timedelta(days=30)),
            closes_at=_paris_noon(now + timedelta(days=60)),
        )
    )
    _complete_gironde_call()  # calls branch


# --- Calls: the Gironde call's grid and conditions ---------------------------------------------

GIRONDE_CRITERIA = [
    ("Réponse à un besoin social peu ou pas couvert", 1),
    ("Caractère expérimental : renouvelle un mode de faire, les personnes au cœur de l'action", 1),
    ("Intervention de proximité : « aller vers » les moins visibles et les plus vulnérables", 1),
    ("Coopération avec les ressources locales, notamment les Pôles territoriaux de solidarité", 1),
    ("Mesure de l'impact par des critères mesurables", 1),
]


def _complete_gironde_call() -> None:
    """Fill in what the calls work added, only where still empty: loading twice changes nothing."""
    # Gironde's call asks its five questions, all required (as its eligibility check always did).
    call_id = db.session.scalar(select(Call.id).where(Call.slug == GIRONDE_CALL_SLUG))
    question_presets.install(call_id=call_id, all_required=True)
    from sqlalchemy.orm import selectinload

    from app.models import Criterion
    from app.models.calls import DEFAULT_STEPS

    db.session.flush()
    call = db.session.scalar(
        select(Call)
        .where(Call.slug == GIRONDE_CALL_SLUG)
        .options(
            selectinload(Call.criteria),
            selectinload(Call.poles),
            selectinload(Call.domains),
            selectinload(Call.publics),
            selectinload(Call.legal_forms),
        )
    )
    if not call.domains:
        call.domains = taxonomy.values(Domain)
    if not call.publics:
        call.publics = taxonomy.values(TargetPublic)
    if not call.legal_forms:
        call.legal_forms = [f for f in taxonomy.values(LegalForm) if f.slug != "autre"]
    if call.instruction_steps is None:
        call.instruction_steps = list(DEFAULT_STEPS)
    if call.min_grant_eur is None:  # demo figures: the reference text sets no amount
        call.min_grant_eur, call.max_grant_eur = 5_000, 50_000
    if not call.poles:  # the whole département: its nine poles
        call.poles = list(db.session.scalars(select(Pole).order_by(Pole.name)))
    if not call.criteria:
        call.criteria = [Criterion(label=label, weight=w, position=i) for i, (label, w) in enumerate(GIRONDE_CRITERIA)]


# --- Participation: a few ideas, proposals, a discussion and supports (looked up by title) -----

DEMO_IDEAS = [
    # (author, commune, domain, publics, title, description)
    (
        "habitant1",
        "Lesparre-Médoc",
        "citoyennete",
        ["seniors"],
        "Rompre l'isolement des seniors de Lesparre",
        "Beaucoup de personnes âgées de mon quartier ne sortent plus de chez elles depuis la fermeture du "
        "café. Un passage régulier, même court, changerait beaucoup de choses.",
    ),
    (
        "habitant2",
        "Bazas",
        "sante",
        ["seniors", "femmes"],
        "Aller aux consultations à Bazas sans voiture",
        "Sans voiture, aller à l'hôpital de Bazas prend une demi-journée. Un transport solidaire sur "
        "réservation aiderait les personnes qui renoncent à se soigner.",
    ),
    (
        "habitant3",
        "Pessac",
        "alimentation",
        ["enfants_jeunes"],
        "Des paniers de saison pour les étudiants de Pessac",
        "Des étudiantes et étudiants sautent des repas en fin de mois. Des paniers à petit prix, près du "
        "campus, avec les producteurs du coin ?",
    ),
]

DEMO_PROPOSALS = [
    # (association slug, author, title, state, idea title or None, commune, domain, publics, fields)
    (
        "les-jardins-partages-du-bassin",
        "asso.bassin",
        "Cuisine partagée et jardin pour les familles du Bassin",
        "published",
        None,
        "Gujan-Mestras",
        "alimentation",
        ["familles_monoparentales", "enfants_jeunes"],
        {
            "summary": "Un jardin et une cuisine partagés où les familles monoparentales cultivent, cuisinent "
            "et repartent avec des repas pour la semaine.",
            "need": "Les familles monoparentales du Bassin disent manquer de temps et de moyens pour cuisiner "
            "des produits frais ; l'aide alimentaire ne propose presque pas de légumes.",
            "experimentation": "Des ateliers du samedi où l'on récolte puis cuisine ensemble, avec une garde "
            "d'enfants assurée par des bénévoles.",
            "outreach": "Invitation par les écoles, la CAF et le CCAS ; une première séance ouverte sans inscription.",
            "cooperation": "Avec l'Épicerie solidaire du Libournais, co-autrice, pour l'approvisionnement.",
            "impact_indicators": "Familles venues trois fois ou plus ; repas emportés ; avis des participantes.",
            "budget_eur": 18000,
            "duration_months": 12,
            # A balanced budget prévisionnel (app.proposals.budget): its amount asked is budget_eur.
            "budget_lines": [
                {"side": "expense", "category": "personnel", "label": "Animatrice cuisine, mi-temps", "amount": 14000},
                {"side": "expense", "category": "achats", "label": "Semences, outils et ustensiles", "amount": 4500},
                {"side": "expense", "category": "services", "label": "Intervenante en nutrition", "amount": 2000},
                {"side": "expense", "category": "deplacements", "label": "Navette des familles", "amount": 1500},
                {"side": "resource", "category": "asked", "label": "", "amount": 18000},
                {"side": "resource", "category": "public", "label": "CAF de la Gironde", "amount": 2500},
                {"side": "resource", "category": "own", "label": "", "amount": 1000},
                {"side": "resource", "category": "in_kind", "label": "Terrain prêté par la commune", "amount": 500},
            ],
        },
    ),
    (
        "medoc-entraide-seniors",
        "asso.medoc",
        "Visites de convivialité et pair-aidance à Lesparre",
        "published",
        "Rompre l'isolement des seniors de Lesparre",
        "Lesparre-Médoc",
        "citoyennete",
        ["seniors"],
        {
            "summary": "Des binômes de bénévoles, souvent eux-mêmes retraités, rendent visite chaque semaine "
            "aux personnes âgées isolées et les accompagnent dans leurs démarches.",
            "need": "Nos bénévoles rencontrent chaque semaine des personnes de plus de 75 ans qui vivent "
            "seules ; beaucoup ne demandent pas les aides auxquelles elles ont droit.",
            "experimentation": "La pair-aidance : ce sont des seniors qui vont vers d'autres seniors.",
            "outreach": "Repérage avec les facteurs, les pharmacies et les infirmières libérales.",
            "cooperation": "Avec le Pôle territorial de solidarité du Médoc et le CCAS.",
            "impact_indicators": "Personnes visitées, démarches ouvertes, sentiment d'isolement mesuré à 6 mois.",
            "budget_eur": 24000,
            "duration_months": 18,
            "budget_lines": [
                {"side": "expense", "category": "personnel", "label": "Coordinatrice des bénévoles", "amount": 20000},
                {"side": "expense", "category": "deplacements", "label": "Trajets des binômes", "amount": 6000},
                {"side": "expense", "category": "autres", "label": "Assurance et formation", "amount": 2000},
                {"side": "resource", "category": "asked", "label": "", "amount": 24000},
                {"side": "resource", "category": "public", "label": "Commune de Lesparre-Médoc", "amount": 3000},
                {"side": "resource", "category": "own", "label": "", "amount": 1000},
            ],
        },
    ),
    (
        "epicerie-solidaire-du-libournais",
        "asso.libournais",
        "Une épicerie mobile dans les villages du Libournais",
        "draft",
        None,
        "Coutras",
        "alimentation",
        ["familles_monoparentales", "seniors"],
        {
            "summary": "Un camion-épicerie qui passe chaque semaine dans les villages sans commerce.",
            "need": "",
            "experimentation": "",
        },
    ),
]

DEMO_DISCUSSION = [
    # (proposal title, author, body, index of the comment answered or None)
    (
        "Cuisine partagée et jardin pour les familles du Bassin",
        "habitant2",
        "Très bonne idée ! Est-ce que les ateliers auront lieu aussi pendant les vacances scolaires ?",
        None,
    ),
    (
        "Cuisine partagée et jardin pour les familles du Bassin",
        "asso.bassin",
        "Oui : pendant les vacances, deux ateliers par semaine, le mercredi et le samedi.",
        0,
    ),
    (
        "Cuisine partagée et jardin pour les familles du Bassin",
        "habitant2",
        "Merci, je passerai l'information à l'école.",
        1,
    ),
    (
        "Visites de convivialité et pair-aidance à Lesparre",
        "habitant1",
        "C'est exactement ce que je souhaitais en postant mon idée. Comment devenir bénévole ?",
        None,
    ),
]

DEMO_SUPPORTS = [
    ("habitant1", "proposal", "Cuisine partagée et jardin pour les familles du Bassin"),
    ("habitant2", "proposal", "Cuisine partagée et jardin pour les familles du Bassin"),
    ("habitant3", "proposal", "Visites de convivialité et pair-aidance à Lesparre"),
    ("habitant2", "idea", "Rompre l'isolement des seniors de Lesparre"),
    ("habitant3", "idea", "Aller aux consultations à Bazas sans voiture"),
]


def _demo_user(handle: str) -> User:
    return db.session.scalar(select(User).where(User.email == f"{handle}@{DEMO_DOMAIN}"))


def _upsert_participation(communes: dict[str, Commune]) -> None:
    """Made through the site's own services where they send no notification (those need a request
    for their links); comments and the co-authorship are written directly, with the same thread
    rules, and the comment counts recounted."""
    from app.ideas.services import create_idea
    from app.models import CoauthorStatus, Idea, Proposal, ProposalCoauthor
    from app.proposals import services as proposals

    ideas: dict[str, Idea] = {}
    for handle, commune, domain, publics, title, description in DEMO_IDEAS:
        idea = db.session.scalar(select(Idea).where(Idea.title == title))
        if idea is None:
            idea = create_idea(
                _demo_user(handle),
                title=title,
                description=description,
                commune_id=communes[commune].id,
                domain=domain,
                publics=publics,
            )
        ideas[title] = idea

    found: dict[str, Proposal] = {}
    for slug, handle, title, state, idea_title, commune, domain, publics, fields in DEMO_PROPOSALS:
        proposal = db.session.scalar(select(Proposal).where(Proposal.title == title))
        if proposal is None:
            association = db.session.scalar(select(Association).where(Association.slug == slug))
            proposal = proposals.create_proposal(
                _demo_user(handle),
                association,
                {
                    **fields,
                    "title": title,
                    "domain": domain,
                    "publics": publics,
                    "communes": [communes[commune].id],
                },
            )
            if idea_title:
                # Taken up from a resident's idea (the service would also notify its author).
                proposal.idea_id = ideas[idea_title].id
            if state == "published":
                proposals.transition(proposal, "publish")
            db.session.commit()
        found[title] = proposal

    # The Bassin's proposal is co-authored with the Libournais grocery.
    bassin = found["Cuisine partagée et jardin pour les familles du Bassin"]
    grocery = db.session.scalar(select(Association).where(Association.slug == "epicerie-solidaire-du-libournais"))
    if db.session.scalar(select(ProposalCoauthor.id).where(ProposalCoauthor.proposal_id == bassin.id)) is None:
        now = utcnow()
        db.session.add(
            ProposalCoauthor(
                proposal_id=bassin.id,
                association_id=grocery.id,
                status=CoauthorStatus.ACCEPTED,
                invited_by_id=_demo_user("asso.bassin").id,
                invited_at=now,
                responded_by_id=_demo_user("asso.libournais").id,
                responded_at=now,
            )
        )
        db.session.commit()

    _upsert_discussion(found, DEMO_DISCUSSION)
    _upsert_supports(found, ideas, DEMO_SUPPORTS)
    _upsert_voices(found, ideas)
    _upsert_erased_account(found)
    _upsert_mediation(communes, ideas)
    _upsert_past_edition(communes)


# --- A past edition with published results: its grants are the SCDL open-data file (app.scdl) ---

PAST_CALL_SLUG = "gironde-innovation-sociale-2025"
# Demo identifier, invented but well-formed (SIREN and SIRET keys).
DEMO_COLLECTIVITY_SIRET = "22330001300016"
# (association slug, co-author slug or None, author, title, commune, domain, publics, amount, decision number)
PAST_GRANTS = [
    (
        "les-jardins-partages-du-bassin",
        "epicerie-solidaire-du-libournais",
        "asso.bassin",
        "Paniers de saison et ateliers cuisine itinérants sur le Bassin",
        "Gujan-Mestras",
        "alimentation",
        ["familles_monoparentales"],
        16_000,
        "114",
    ),
    (
        "medoc-entraide-seniors",
        None,
        "asso.medoc",
        "Un café des aidants à Lesparre",
        "Lesparre-Médoc",
        "citoyennete",
        ["seniors"],
        9_000,
        "115",
    ),
]


def _upsert_past_edition(communes: dict[str, Commune]) -> None:
    """Last year's edition, closed and decided, its results published: through the site's services."""
    from app.calls import decisions
    from app.calls import services as calls
    from app.models import CoauthorStatus, Decision, Proposal, ProposalCoauthor
    from app.proposals import services as proposals
    from app.scdl.terms import GrantTerms

    if not identity.current().siret:
        identity.save({"siret": DEMO_COLLECTIVITY_SIRET})
    if db.session.scalar(select(Call.id).where(Call.slug == PAST_CALL_SLUG)) is not None:
        return
    now = utcnow()
    call = Call(
        slug=PAST_CALL_SLUG,
        title="Innovation sociale : édition 2025",
        funder="Département de la Gironde",
        summary="La première édition de l'appel : ses projets retenus sont financés et suivis.",
        description="Édition close ; ses résultats sont publiés, avec le fichier des subventions accordées.",
        envelope_eur=100_000,
        opens_at=_paris_noon(now - timedelta(days=420)),
        closes_at=_paris_noon(now - timedelta(days=330)),
    )
    call.domains = taxonomy.values(Domain)
    call.publics = taxonomy.values(TargetPublic)
    call.legal_forms = [f for f in taxonomy.values(LegalForm) if f.slug != "autre"]
    call.requires_verified_association = False
    db.session.add(call)
    db.session.commit()
    submitted_at = call.opens_at + timedelta(days=10)
    for slug, co_slug, handle, title, commune, domain, publics, amount, number in PAST_GRANTS:
        association = db.session.scalar(select(Association).where(Association.slug == slug))
        proposal = proposals.create_proposal(
            _demo_user(handle),
            association,
            {
                **DEMO_PROPOSALS[0][8],
                "budget_lines": None,
                "budget_eur": amount,
                "title": title,
                "summary": title + " : un projet retenu par l'édition 2025.",
                "domain": domain,
                "publics": publics,
                "communes": [communes[commune].id],
            },
            call_id=call.id,
        )
        proposals.transition(proposal, "publish")
        if co_slug is not None:
            co = db.session.scalar(select(Association).where(Association.slug == co_slug))
            db.session.add(
                ProposalCoauthor(
                    proposal_id=proposal.id,
                    association_id=co.id,
                    status=CoauthorStatus.ACCEPTED,
                    invited_by_id=_demo_user(handle).id,
                    invited_at=submitted_at,
                    responded_at=submitted_at,
                )
            )
        db.session.commit()
        calls.submit(
            calls.get_call(PAST_CALL_SLUG), proposals.get_proposal(proposal.id), _demo_user(handle), now=submitted_at
        )
        submission = calls.submission_of(db.session.get(Proposal, proposal.id))
        calls.set_step(submission, call.steps[1])
        decided = (call.closes_at + timedelta(days=30)).date()
        decisions.decide(
            submission.id,
            Decision.SELECTED,
            amount,
            "Un besoin bien décrit et une coopération locale solide.",
            terms=GrantTerms(
                reference=f"CP-{decided.year}-{number}",
                convention_date=decided,
                purpose=title,
                conditions="unique",
                payment_dates=(decided + timedelta(days=15)).isoformat(),
            ),
        )
    if has_request_context():
        decisions.publish_results(calls.get_call(PAST_CALL_SLUG))
    else:  # its notifications link to pages: they need a request to build the links
        with current_app.test_request_context():
            decisions.publish_results(calls.get_call(PAST_CALL_SLUG))


# A resident who commented, supported, then deleted their account (GDPR art. 17): the comment
# stays under "Compte supprimé", the support left the count.
ERASED_COMMENT = (
    "Visites de convivialité et pair-aidance à Lesparre",
    "Je quitte la région, mais j'ai vu ces visites faire du bien à ma voisine. Bonne continuation !",
)


def _upsert_erased_account(found: dict) -> None:
    from app.auth.erasure import erase
    from app.comments.services import recount_comments
    from app.markdown import render_markdown
    from app.models import Comment
    from app.supports.services import toggle_support

    title, body = ERASED_COMMENT
    proposal = found[title]
    # Found by its comment: an erased account has no address left to look it up by.
    if db.session.scalar(select(Comment.id).where(Comment.proposal_id == proposal.id, Comment.body == body)):
        return
    user = _account(f"ancien.habitant@{DEMO_DOMAIN}", "Ancien Habitant")
    comment = Comment(proposal_id=proposal.id, author_id=user.id, body=body, body_html=str(render_markdown(body)))
    db.session.add(comment)
    db.session.flush()
    recount_comments([comment.id])
    db.session.commit()
    toggle_support(proposal, user)
    erase(user)


def _upsert_mediation(communes: dict[str, Commune], ideas: dict) -> None:
    """At the Lesparre market, the Médoc agent collects an idea and two supports (by title: idempotent)."""
    from datetime import date

    from app.mediation import services as mediation
    from app.models import Idea

    title = "Un bus pour venir au marché le samedi"
    if db.session.scalar(select(Idea.id).where(Idea.title == title)) is not None:
        return
    agent = _demo_user("agent.medoc")
    lesparre = communes["Lesparre-Médoc"].id

    def met(name: str, year: int) -> mediation.Resident:
        return mediation.Resident(name, lesparre, year, "market", date.today(), "Marché de Lesparre")

    mediation.record_idea(
        agent,
        met("Josiane", 1951),
        title=title,
        description=(
            "Sans voiture, je ne peux pas venir au marché : le bus du samedi matin ne passe plus par mon hameau."
        ),
        commune_id=lesparre,
        domain="citoyennete",
        publics=[],
    )
    seniors = ideas["Rompre l'isolement des seniors de Lesparre"]
    for name, year in (("Josiane", 1951), ("M.", 1947)):
        mediation.record_support(agent, met(name, year), seniors)


def _upsert_discussion(found: dict, discussion: list) -> None:
    """Comments on proposals (by title), each a reply to an earlier one of the list when it says so."""
    from app.comments.official import official_role
    from app.comments.services import place_reply, recount_comments
    from app.markdown import render_markdown
    from app.models import Comment

    posted: list[Comment] = []
    for title, handle, body, answered in discussion:
        proposal = found[title]
        comment = db.session.scalar(select(Comment).where(Comment.proposal_id == proposal.id, Comment.body == body))
        if comment is None:
            comment = Comment(
                proposal_id=proposal.id,
                author_id=_demo_user(handle).id,
                body=body,
                body_html=str(render_markdown(body)),
            )
            # The authors' answers carry their badge, as when posted on the site.
            if (role := official_role(proposal, _demo_user(handle))) is not None:
                comment.official_role, comment.official_name = role
            if answered is not None:
                place_reply(comment, posted[answered])
            db.session.add(comment)
            db.session.flush()
        posted.append(comment)
    recount_comments([c.id for c in posted])
    db.session.commit()


def _upsert_supports(found: dict, ideas: dict, supports: list) -> None:
    from app.supports.services import is_supported, toggle_support

    for handle, kind, title in supports:
        subject = found[title] if kind == "proposal" else ideas[title]
        person = _demo_user(handle)
        if not is_supported(subject, person):
            toggle_support(subject, person)


def _upsert_voices(found: dict, ideas: dict) -> None:
    """Issue 18 on the demo: the Médoc unit's official answer, pinned on the Lesparre proposal; the
    Libournais grocery speaking and supporting in its own name on residents' ideas."""
    from app.comments.official import official_role
    from app.comments.services import place_reply, recount_comments
    from app.markdown import render_markdown
    from app.models import AssociationSupport, Comment
    from app.supports.services import toggle_association_support

    proposal = found["Visites de convivialité et pair-aidance à Lesparre"]
    grocery = db.session.scalar(select(Association).where(Association.slug == "epicerie-solidaire-du-libournais"))
    said = [
        (
            proposal,
            "moderation.medoc",
            None,
            "Le pôle Médoc soutient ce projet : nous présenterons les bénévoles aux familles que nous suivons.",
        ),
        (
            ideas["Aller aux consultations à Bazas sans voiture"],
            "asso.libournais",
            grocery.id,
            "Notre épicerie peut relayer un appel à conducteurs bénévoles auprès de ses adhérents.",
        ),
    ]
    posted: list[Comment] = []
    for subject, handle, association_id, body in said:
        column = Comment.proposal_id if subject.kind == "proposal" else Comment.idea_id
        comment = db.session.scalar(select(Comment).where(column == subject.id, Comment.body == body))
        if comment is None:
            author = _demo_user(handle)
            comment = Comment(
                **{f"{subject.kind}_id": subject.id},
                author_id=author.id,
                association_id=association_id,
                body=body,
                body_html=str(render_markdown(body)),
            )
            if (role := official_role(subject, author, association_id)) is not None:
                comment.official_role, comment.official_name = role
            if subject.kind == "proposal":
                # It answers the resident's question about volunteering.
                question = db.session.scalar(
                    select(Comment).where(Comment.proposal_id == subject.id, Comment.parent_id.is_(None))
                )
                if question is not None:
                    place_reply(comment, question)
            db.session.add(comment)
            db.session.flush()
        posted.append(comment)
    proposal.pinned_comment_id = posted[0].id
    recount_comments([c.id for c in posted])
    db.session.commit()
    idea = ideas["Aller aux consultations à Bazas sans voiture"]
    given = db.session.scalar(
        select(AssociationSupport.id).where(
            AssociationSupport.association_id == grocery.id, AssociationSupport.idea_id == idea.id
        )
    )
    if given is None:
        toggle_association_support(idea, _demo_user("asso.libournais"), grocery.id)
