"""The Métropole de Lyon's demo (``flask demo load --preset lyon``, ``make run DEMO=lyon``): its 58
communes grouped into six solidarity territories, each with its Maison de la Métropole pour les
solidarités (an illustrative grouping, marked as demo data), its five fields of intervention, its
social-innovation fund, demo accounts for every role, and the fund's method at work: a project
piloted on a volunteer territory, funded by the fund's first edition, then replicated in another.

Source: ../shared/reference/lyon-fonds-innovation-sociale.txt. Amounts other than the 1 M€ envelope,
the associations, people and projects are invented. Idempotent like the first demo (app/demo.py): every row is
looked up by its natural key first, so loading twice changes nothing.
"""

from __future__ import annotations

from datetime import timedelta

from faker import Faker
from flask import current_app, has_request_context
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import identity, taxonomy
from app.demo import DEMO_DOMAIN, DemoAccount, _account, _demo_user, _paris_noon, _upsert_discussion, _upsert_supports
from app.extensions import db
from app.models import (
    Association,
    Call,
    CallEvaluator,
    Commune,
    Criterion,
    Decision,
    Domain,
    Idea,
    LegalForm,
    Membership,
    MembershipRole,
    Partner,
    Pole,
    PoleRole,
    PoleRoleKind,
    Proposal,
    ProposalQuestion,
    Replication,
    SubDomain,
    TargetPublic,
    User,
)
from app.models.base import utcnow
from app.models.calls import DEFAULT_STEPS
from app.proposals import question_presets
from app.scdl.terms import GrantTerms
from app.territory import load_units
from app.text import slugify

# Demo identifier, invented but well-formed (SIREN and SIRET keys).
DEMO_COLLECTIVITY_SIRET = "20004697700019"

SLICE = "metropole-de-lyon-200046977"

# --- Territory ------------------------------------------------------------------------------------
# ILLUSTRATIVE: the Métropole's own map of its Maisons is not reproduced here; the communes and their
# INSEE codes are official (Code officiel géographique), their grouping is the demo's.
ILLUSTRATIVE = " Regroupement illustratif des communes, propre à la démonstration."
TERRITORIES: dict[str, tuple[str, list[str]]] = {
    "Lyon": ("Les neuf arrondissements de Lyon." + ILLUSTRATIVE, ["69123"]),
    "Villeurbanne": ("Villeurbanne, de Saint-Jean aux Buers." + ILLUSTRATIVE, ["69266"]),
    "Portes du Sud": (
        "Vénissieux, Saint-Fons, Saint-Priest et le sud-est de la Métropole." + ILLUSTRATIVE,
        ["69259", "69199", "69276", "69273", "69296", "69283", "69290"],
    ),
    "Rhône Amont": (
        "Vaulx-en-Velin, Bron et les communes de l'est, le long du Rhône." + ILLUSTRATIVE,
        ["69256", "69029", "69275", "69282", "69279", "69271"],
    ),
    "Val de Saône et Monts d'Or": (
        "Du plateau nord et Rillieux-la-Pape au Val de Saône et aux Monts d'Or." + ILLUSTRATIVE,
        # Plateau nord, Val de Saône
        ["69286", "69034", "69292", "69293", "69088", "69087", "69033", "69143", "69278", "69284", "69085"]
        + ["69168", "69003", "69068", "69071", "69207", "69163"]
        # Monts d'Or
        + ["69063", "69191", "69194", "69233", "69153", "69040", "69116", "69117"],
    ),
    "Ouest et Sud-Ouest": (
        "L'ouest lyonnais, les coteaux et la vallée de la chimie jusqu'à Givors." + ILLUSTRATIVE,
        ["69072", "69081", "69244", "69044", "69127", "69250", "69069", "69089", "69205"]
        + ["69149", "69142", "69202", "69204", "69100", "69260", "69046", "69096", "69091"],
    ),
}
# Plausible flags, for the demo: communes with a priority neighbourhood (QPV), and the most rural ones.
QPV = {"69123", "69266", "69259", "69199", "69290", "69256", "69029", "69275", "69282", "69286", "69091", "69096"}
QPV |= {"69149", "69034", "69143", "69276"}
RURAL = {"69163", "69153", "69071", "69284", "69233", "69117", "69033"}

# --- Taxonomy (app.taxonomy.load_taxonomy's format) -------------------------------------------------
# The five fields of intervention of the Projet métropolitain des solidarités; the sub-domains carry
# the fund's focus, climate change and social justice.
LYON_TAXONOMY = {
    "domains": [
        (
            "enfance",
            "Prévention et protection de l'enfance",
            [("nature-enfance", "Nature et plein air pour les enfants protégés")],
        ),
        (
            "pmi",
            "Protection maternelle et infantile",
            [("sante-environnement", "Santé environnementale des tout-petits")],
        ),
        (
            "autonomie",
            "Personnes âgées et personnes en situation de handicap",
            [("fortes-chaleurs", "Faire face aux fortes chaleurs"), ("habitat-adapte", "Habitat adapté et sobre")],
        ),
        (
            "sante-publique",
            "Santé publique",
            [("alimentation-durable", "Alimentation durable et accessible")],
        ),
        (
            "developpement-social",
            "Développement social",
            [
                ("precarite-energetique", "Lutte contre la précarité énergétique"),
                ("reemploi", "Réemploi et consommation solidaire"),
                ("mobilite-solidaire", "Mobilité solidaire et décarbonée"),
            ],
        ),
    ],
    "publics": [
        ("familles", "Familles et parents de jeunes enfants"),
        ("enfants_jeunes", "Enfants et jeunes"),
        ("personnes_agees", "Personnes âgées"),
        ("personnes_handicap", "Personnes en situation de handicap"),
        ("menages_precaires", "Ménages en situation de précarité"),
    ],
    "legal_forms": [
        ("association", "Association (loi 1901)"),
        ("ess", "Entreprise de l'économie sociale et solidaire, dont start-up sociale (agrément ESUS)"),
        ("cooperative", "Coopérative (SCOP, SCIC)"),
        ("fondation", "Fondation ou fonds de dotation"),
        ("collectivite", "Commune de la Métropole ou groupement"),
        ("etablissement_public", "Établissement public (dont CCAS)"),
        ("autre", "Autre"),
    ],
}

# --- Questions --------------------------------------------------------------------------------------
# The fund's own questions (its keys meet the default questions' where they ask the same thing, so
# that a replica, drafted outside any call, keeps those answers).
FUND_QUESTIONS = [
    (
        "need",
        "Le besoin social",
        "Quel besoin, pour qui, sur quel territoire ; ce que les réponses actuelles ne couvrent pas.",
        True,
    ),
    (
        "climate",
        "Changement climatique et justice sociale",
        "Comment le projet agit à la fois pour le climat (adaptation, sobriété) et pour les personnes les plus "
        "exposées à ses effets.",
        True,
    ),
    (
        "pilot",
        "Le territoire pilote et la reproduction",
        "Où l'expérimentation commence, avec quels volontaires, et comment elle pourra être reproduite, en "
        "l'adaptant, sur d'autres territoires de la Métropole.",
        True,
    ),
    (
        "cooperation",
        "Partenaires",
        "Les acteurs mobilisés, notamment la Maison de la Métropole pour les solidarités du territoire.",
        False,
    ),
    (
        "impact_indicators",
        "Indicateurs de résultat",
        "Ce que vous mesurerez, avec des valeurs cibles (exemple : 60 logements rafraîchis en un été).",
        False,
    ),
]
# The default questions keep the first preset's keys and labels; only the help text naming its units changes.
DEFAULT_HELP = {
    "cooperation": "Les ressources locales et les partenaires mobilisés, notamment la Maison de la Métropole "
    "pour les solidarités."
}

FUND_CRITERIA = [
    ("Réponse à un besoin social identifié sur le territoire", 2),
    ("Conjugue lutte contre le changement climatique et justice sociale", 2),
    ("Caractère innovant de la démarche", 1),
    ("Expérimentation sur un territoire pilote volontaire et potentiel de reproduction", 2),
    ("Partenariats locaux, dont la Maison de la Métropole pour les solidarités", 1),
    ("Indicateurs de résultat mesurables", 1),
]

FUND_SLUG = "metropole-de-lyon-fonds-innovation-sociale"
FIRST_EDITION_SLUG = "metropole-de-lyon-fonds-innovation-sociale-premiere-edition"
FUND_SUMMARY = (
    "Un million d'euros pour soutenir les propositions les plus innovantes des acteurs de terrain, notamment "
    "les initiatives qui combinent changement climatique et justice sociale."
)
FUND_DESCRIPTION = (
    "La méthode de la Métropole est simple : expérimenter sur des territoires volontaires, pilotes, puis "
    "diffuser et reproduire les expériences qui réussissent, en les adaptant. Associations, entreprises de "
    "l'économie sociale et solidaire et start-up sociales peuvent proposer une expérimentation dans l'un des "
    "cinq champs d'intervention de la Métropole : prévention et protection de l'enfance, protection "
    "maternelle et infantile, personnes âgées et personnes en situation de handicap, santé publique, "
    "développement social."
)

# --- People -----------------------------------------------------------------------------------------
ADMIN = f"admin@{DEMO_DOMAIN}"
AGENT = (f"agent.rhone-amont@{DEMO_DOMAIN}", "Rhône Amont")
EVALUATOR = f"evaluation.externe@{DEMO_DOMAIN}"

# (name, legal form slug, commune, description, admin handle, member handles, rna, siret, verified)
ASSOCIATIONS = [
    (
        "Vénissieux Solidarités Canicule",
        "association",
        "Vénissieux",
        "Des bénévoles du quartier veillent sur les personnes âgées isolées pendant les fortes chaleurs.",
        "asso.venissieux",
        ("membre.venissieux",),
        "W691098765",
        None,
        True,
    ),
    (
        "Régie de quartier Saint-Jean",
        "ess",
        "Villeurbanne",
        "Entreprise d'insertion du quartier Saint-Jean : petits travaux, entretien, services aux habitants.",
        "asso.saint-jean",
        (),
        None,
        "83214567900012",
        True,
    ),
    (
        "Les Petits Pas Verts",
        "ess",
        "Lyon",
        "Start-up sociale agréée ESUS : santé environnementale des tout-petits et des parents.",
        "asso.petits-pas",
        (),
        None,
        "90123456700015",
        True,
    ),
    (
        "Les Jardins du Plateau",
        "association",
        "Rillieux-la-Pape",
        "Jardins partagés et ateliers nature avec les familles et les enfants du plateau.",
        "asso.rillieux",
        (),
        "W691012345",
        None,
        False,
    ),
]
RESIDENTS = 3


def lyon_accounts() -> list[DemoAccount]:
    accounts = [DemoAccount(ADMIN, "Administration Tisser", "administration")]
    for unit in TERRITORIES:
        accounts.append(
            DemoAccount(
                f"moderation.{slugify(unit)}@{DEMO_DOMAIN}",
                f"Modération {unit}",
                f"modération de la Maison {unit}",
            )
        )
    accounts.append(DemoAccount(AGENT[0], f"Agent {AGENT[1]}", f"agent de la Maison {AGENT[1]}"))
    accounts.append(DemoAccount(EVALUATOR, "Évaluation externe", "évaluation du fonds (experte extérieure)"))
    for name, _form, _commune, _description, admin, members, *_ in ASSOCIATIONS:
        accounts.append(DemoAccount(f"{admin}@{DEMO_DOMAIN}", "", f"administration de « {name} »"))
        for member in members:
            accounts.append(DemoAccount(f"{member}@{DEMO_DOMAIN}", "", f"membre de « {name} »"))
    for i in range(1, RESIDENTS + 1):
        accounts.append(DemoAccount(f"habitant{i}@{DEMO_DOMAIN}", "", "habitant·e"))
    return accounts


# --- Loading ----------------------------------------------------------------------------------------


def load_lyon(participation: bool = True) -> None:
    fake = Faker("fr_FR")
    fake.seed_instance(1969)  # the same names every run: a second run finds the same accounts

    def pseudonym() -> str:
        return f"{fake.first_name()} {fake.last_name()[0]}."

    identity.load_preset("lyon")
    if not identity.current().siret:
        identity.save({"siret": DEMO_COLLECTIVITY_SIRET})  # the SCDL file's granting authority (app.scdl)
    _taxonomy()
    poles = _upsert_territory()
    _default_questions()

    _account(ADMIN, "Administration Tisser", is_admin=True)
    for unit, pole in poles.items():
        _role(_account(f"moderation.{pole.slug}@{DEMO_DOMAIN}", f"Modération {unit}"), pole, PoleRoleKind.MODERATOR)
    _role(_account(AGENT[0], f"Agent {AGENT[1]}"), poles[AGENT[1]], PoleRoleKind.AGENT)
    evaluator = _account(EVALUATOR, "Évaluation externe")

    communes = {c.name: c for c in db.session.scalars(select(Commune))}
    for name, form, commune, description, admin, members, rna, siret, verified in ASSOCIATIONS:
        association = db.session.scalar(select(Association).where(Association.slug == slugify(name)))
        if association is None:
            association = Association(
                slug=slugify(name),
                name=name,
                legal_form=taxonomy.by_slug(LegalForm, form),
                commune_id=communes[commune].id,
                description=description,
                rna=rna,
                siret=siret,
                verified_at=utcnow() if verified else None,
            )
            db.session.add(association)
            db.session.flush()
        people = [(admin, MembershipRole.ADMIN)] + [(m, MembershipRole.MEMBER) for m in members]
        for handle, role in people:
            user = _account(f"{handle}@{DEMO_DOMAIN}", pseudonym())
            if not db.session.scalar(
                select(Membership.id).where(Membership.user_id == user.id, Membership.association_id == association.id)
            ):
                db.session.add(
                    Membership(user_id=user.id, association_id=association.id, role=role, show_publicly=True)
                )
    for i in range(1, RESIDENTS + 1):
        _account(f"habitant{i}@{DEMO_DOMAIN}", pseudonym())

    now = utcnow()
    # The fund opens mid-March of its year; the demo sets its dates around today so that it is open.
    fund = _upsert_call(
        FUND_SLUG,
        "Fonds d'innovation sociale",
        _paris_noon(now - timedelta(days=20)),
        _paris_noon(now + timedelta(days=70)),
        [poles["Villeurbanne"], poles["Rhône Amont"], poles["Val de Saône et Monts d'Or"]],
    )
    # Its first edition, closed with its results published, funded the pilot that is now replicated.
    _upsert_call(
        FIRST_EDITION_SLUG,
        "Fonds d'innovation sociale — première édition",
        _paris_noon(now - timedelta(days=420)),
        _paris_noon(now - timedelta(days=330)),
        [poles["Portes du Sud"], poles["Lyon"]],
    )
    _upsert_partners(poles)
    if db.session.get(CallEvaluator, (fund.id, evaluator.id)) is None:
        db.session.add(CallEvaluator(call_id=fund.id, user_id=evaluator.id))
    db.session.commit()
    if participation:
        if has_request_context():
            _upsert_participation(communes)
        else:  # the services' notifications link to pages: they need a request to build the links
            with current_app.test_request_context():
                _upsert_participation(communes)


def _upsert_territory() -> dict[str, Pole]:
    poles = load_units(SLICE, TERRITORIES, demo=True)
    codes = [code for _description, unit_codes in TERRITORIES.values() for code in unit_codes]
    for commune in db.session.scalars(select(Commune).where(Commune.insee_code.in_(codes))):
        commune.has_qpv = commune.insee_code in QPV
        commune.is_rural = commune.insee_code in RURAL
    db.session.commit()
    return poles


def _taxonomy() -> None:
    """A migrated database already holds the first preset's values (the migration that made taxonomies
    data wrote them). Those it wrote that nothing uses and nobody edited give way to Lyon's: relabelled
    where Lyon has the same slug, deleted otherwise. Then Lyon's missing values are added."""
    first = taxonomy.GIRONDE_TAXONOMY
    used = taxonomy.usage_counts()
    lyon_values = {
        TargetPublic: {slug: (position, label) for position, (slug, label) in enumerate(LYON_TAXONOMY["publics"])},
        LegalForm: {slug: (position, label) for position, (slug, label) in enumerate(LYON_TAXONOMY["legal_forms"])},
    }
    for model, key, kind in ((TargetPublic, "publics", "publics"), (LegalForm, "legal_forms", "formes-juridiques")):
        as_written = set(first[key])
        for value in taxonomy.values(model, include_retired=True):
            if (value.slug, value.label) not in as_written or used.get((kind, value.id)):
                continue
            if value.slug in lyon_values[model]:
                value.position, value.label = lyon_values[model][value.slug]
            else:
                db.session.delete(value)
    lyon_domains = {slug for slug, _label, _subs in LYON_TAXONOMY["domains"]}
    for slug, label, subs in first["domains"]:
        domain = taxonomy.by_slug(Domain, slug)
        if domain is None or domain.label != label or used.get(("domaines", domain.id)) or slug in lyon_domains:
            continue
        left = False
        for sub in db.session.scalars(select(SubDomain).where(SubDomain.domain_id == domain.id)):
            if (sub.slug, sub.label) in set(subs) and not used.get(("sous-domaines", sub.id)):
                db.session.delete(sub)
            else:
                left = True
        if not left:
            db.session.delete(domain)
    db.session.flush()
    taxonomy.load_taxonomy(LYON_TAXONOMY)
    db.session.commit()


# Two local partners per Maison, in its directory (looked up by unit and name: idempotent).
PARTNERS = [
    (
        "CCAS de {commune}",
        "Accompagnement social et aide alimentaire",
        "Accueil du CCAS, en mairie",
        ["sante-publique"],
    ),
    (
        "Maison de la Métropole pour les solidarités — {unit}",
        "Accès aux droits, PMI, autonomie",
        "Accueil de la Maison, sur rendez-vous",
        ["pmi", "autonomie", "developpement-social"],
    ),
]


def _upsert_partners(poles: dict[str, Pole]) -> None:
    for unit, pole in poles.items():
        commune = db.session.scalar(
            select(Commune.name).where(Commune.pole_id == pole.id, Commune.has_qpv).order_by(Commune.name).limit(1)
        )
        for organisation, service, contact, domains in PARTNERS:
            name = organisation.format(commune=commune or unit, unit=unit)
            if db.session.scalar(select(Partner.id).where(Partner.pole_id == pole.id, Partner.organisation == name)):
                continue
            partner = Partner(pole_id=pole.id, organisation=name, service=service, contact=contact)
            partner.domains = taxonomy.by_slugs(Domain, domains)
            db.session.add(partner)


def _default_questions() -> None:
    """The defaults a migrated database already has are the first preset's: their help text names its
    units. Rewrite what still says so (an administrator's own text is left alone)."""
    question_presets.install()
    gironde_help = {key: help_text for key, _label, help_text, _required in question_presets.GIRONDE}
    for question in db.session.scalars(select(ProposalQuestion).where(ProposalQuestion.call_id.is_(None))):
        if question.key in DEFAULT_HELP and question.help_text == gironde_help.get(question.key):
            question.help_text = DEFAULT_HELP[question.key]
    db.session.commit()


def _role(user: User, pole: Pole, kind: PoleRoleKind) -> None:
    if db.session.get(PoleRole, (user.id, pole.id, kind.value)) is None:
        db.session.add(PoleRole(user_id=user.id, pole_id=pole.id, role=kind.value))


def _upsert_call(slug: str, title: str, opens_at, closes_at, pilots: list[Pole]) -> Call:
    call = db.session.scalar(
        select(Call)
        .where(Call.slug == slug)
        .options(
            selectinload(Call.criteria),
            selectinload(Call.poles),
            selectinload(Call.domains),
            selectinload(Call.publics),
            selectinload(Call.legal_forms),
        )
    )
    if call is None:
        call = Call(
            slug=slug,
            title=title,
            funder="Métropole de Lyon",
            summary=FUND_SUMMARY,
            description=FUND_DESCRIPTION,
            envelope_eur=1_000_000,
            min_grant_eur=10_000,  # demo figures: the source sets only the envelope
            max_grant_eur=100_000,
            opens_at=opens_at,
            closes_at=closes_at,
            instruction_steps=list(DEFAULT_STEPS),
        )
        call.domains = taxonomy.values(Domain)
        call.publics = taxonomy.values(TargetPublic)
        call.legal_forms = [f for f in taxonomy.values(LegalForm) if f.slug != "autre"]
        call.poles = pilots  # the volunteer pilot territories
        call.criteria = [Criterion(label=label, weight=w, position=i) for i, (label, w) in enumerate(FUND_CRITERIA)]
        db.session.add(call)
        db.session.commit()
    question_presets.install(FUND_QUESTIONS, call_id=call.id)
    return call


# --- Participation: ideas, proposals, a discussion, supports, and the replicated pilot ---------------

IDEAS = [
    # (author, commune, domain, sub-domain, publics, title, description)
    (
        "habitant1",
        "Vaulx-en-Velin",
        "developpement-social",
        "precarite-energetique",
        ["menages_precaires", "familles"],
        "Des appartements moins étouffants l'été au Mas du Taureau",
        "Dans nos tours, il fait 32 degrés la nuit en juillet et les factures d'électricité explosent l'hiver. "
        "Des conseils et des petits travaux aideraient beaucoup de familles.",
    ),
    (
        "habitant2",
        "Saint-Fons",
        "developpement-social",
        "reemploi",
        ["menages_precaires"],
        "Un atelier de réparation d'électroménager à Saint-Fons",
        "Quand le frigo tombe en panne, on en rachète un à crédit. Un atelier où apprendre à réparer, avec "
        "des pièces de réemploi, ferait des économies et moins de déchets.",
    ),
    (
        "habitant3",
        "Rillieux-la-Pape",
        "enfance",
        "nature-enfance",
        ["enfants_jeunes"],
        "Des sorties nature pour les enfants placés du plateau",
        "Les enfants accueillis en foyer à Rillieux sortent peu. Des jardins et des sorties en forêt leur "
        "feraient du bien, et aux éducateurs aussi.",
    ),
]

PILOT = "Veille canicule et îlots de fraîcheur pour les seniors de Vénissieux"
REPLICA_ASSOCIATION = "Régie de quartier Saint-Jean"

REPLICA = "Veille canicule et îlots de fraîcheur pour les seniors de Saint-Jean"
REPLICA_CHANGES = {
    "title": REPLICA,
    "summary": "Pendant les alertes canicule, des salariés de la Régie appellent et visitent les seniors isolés du "
    "quartier Saint-Jean, et une salle du centre social les accueille au frais l'après-midi.",
    "need": "À Saint-Jean aussi, des personnes âgées isolées restent seules dans des logements surchauffés pendant "
    "les canicules, sans que le registre communal les connaisse toutes.",
    "experimentation": "Reprendre la veille canicule des Minguettes dans le quartier Saint-Jean : les salariés en "
    "insertion de la Régie font les appels et les visites, une salle du centre social sert d'îlot de fraîcheur.",
    "cooperation": "La Maison de la Métropole pour les solidarités de Villeurbanne, le centre social, "
    "Vénissieux Solidarités Canicule qui partage son guide.",
}

PROPOSALS = [
    # (association, author, title, call slug, state, idea, commune, domain, sub-domain, publics, fields)
    (
        "Vénissieux Solidarités Canicule",
        "asso.venissieux",
        PILOT,
        FIRST_EDITION_SLUG,
        "selected",
        None,
        "Vénissieux",
        "autonomie",
        "fortes-chaleurs",
        ["personnes_agees", "personnes_handicap"],
        {
            "summary": "Pendant les alertes canicule, des binômes de voisins appellent et visitent les seniors "
            "isolés, et une salle rafraîchie les accueille l'après-midi au cœur des Minguettes.",
            "need": "Lors des dernières canicules, des personnes âgées isolées des Minguettes sont restées seules "
            "dans des logements surchauffés ; le registre communal n'en connaissait qu'une partie.",
            "climate": "Les vagues de chaleur se multiplient et frappent d'abord les logements mal isolés et les "
            "personnes seules : le projet adapte le quartier sans climatisation, par la solidarité de voisinage.",
            "pilot": "Le quartier des Minguettes, avec trente voisins volontaires ; un guide de démarrage permettra "
            "à d'autres quartiers de reprendre la démarche.",
            "cooperation": "La Maison de la Métropole pour les solidarités de Vénissieux, le CCAS, les bailleurs.",
            "impact_indicators": "Seniors suivis pendant l'été (cible : 150) ; visites ; passages en salle fraîche.",
            "budget_eur": 45000,
            "duration_months": 12,
            # Submitted with a balanced budget prévisionnel (app.proposals.budget).
            "budget_lines": [
                {
                    "side": "expense",
                    "category": "personnel",
                    "label": "Coordination des binômes de voisins",
                    "amount": 38000,
                },
                {"side": "expense", "category": "achats", "label": "Ventilateurs et brumisateurs", "amount": 7000},
                {
                    "side": "expense",
                    "category": "services",
                    "label": "Formation aux gestes de prévention",
                    "amount": 5000,
                },
                {"side": "resource", "category": "asked", "label": "", "amount": 45000},
                {"side": "resource", "category": "public", "label": "Ville de Vénissieux", "amount": 3000},
                {
                    "side": "resource",
                    "category": "in_kind",
                    "label": "Salle rafraîchie prêtée par le bailleur",
                    "amount": 2000,
                },
            ],
        },
    ),
    (
        "Les Petits Pas Verts",
        "asso.petits-pas",
        "Couches lavables et ateliers santé-environnement dans les PMI de Vaulx-en-Velin",
        FUND_SLUG,
        "published",
        "Des appartements moins étouffants l'été au Mas du Taureau",
        "Vaulx-en-Velin",
        "pmi",
        "sante-environnement",
        ["familles", "menages_precaires"],
        {
            "summary": "Des kits de couches lavables prêtés aux familles suivies en PMI, et des ateliers pour "
            "un logement plus sain et plus frais pour les tout-petits.",
            "need": "Les couches jetables pèsent lourd dans le budget des familles modestes, et les parents "
            "manquent d'informations sur l'air intérieur et la chaleur dans les logements.",
            "climate": "Moins de déchets, des logements mieux ventilés l'été : le projet réduit l'empreinte des "
            "familles tout en allégeant leur budget.",
            "pilot": "Deux centres de PMI volontaires de Vaulx-en-Velin, puis les autres PMI de Rhône Amont.",
            "cooperation": "Les PMI de la Maison de la Métropole pour les solidarités de Rhône Amont, une "
            "blanchisserie d'insertion.",
            "impact_indicators": "Familles équipées (cible : 80) ; tonnes de déchets évitées ; économies déclarées.",
            "budget_eur": 60000,
            "duration_months": 18,
        },
    ),
    (
        "Les Jardins du Plateau",
        "asso.rillieux",
        "Un jardin thérapeutique pour les enfants accueillis du plateau",
        FUND_SLUG,
        "draft",
        "Des sorties nature pour les enfants placés du plateau",
        "Rillieux-la-Pape",
        "enfance",
        "nature-enfance",
        ["enfants_jeunes"],
        {"summary": "Un jardin partagé entre un foyer de l'enfance et les familles du quartier.", "need": ""},
    ),
]

DISCUSSION = [
    # (proposal title, author, body, index of the comment answered or None)
    (
        "Couches lavables et ateliers santé-environnement dans les PMI de Vaulx-en-Velin",
        "habitant1",
        "Est-ce que les ateliers seront aussi ouverts aux papas, et le samedi ?",
        None,
    ),
    (
        "Couches lavables et ateliers santé-environnement dans les PMI de Vaulx-en-Velin",
        "asso.petits-pas",
        "Oui : un samedi matin par mois, ouvert à tous les parents.",
        0,
    ),
    (PILOT, "habitant2", "Les appels pendant la canicule ont vraiment aidé ma voisine. Merci !", None),
]

SUPPORTS = [
    ("habitant1", "proposal", "Couches lavables et ateliers santé-environnement dans les PMI de Vaulx-en-Velin"),
    ("habitant2", "proposal", "Couches lavables et ateliers santé-environnement dans les PMI de Vaulx-en-Velin"),
    ("habitant3", "idea", "Un atelier de réparation d'électroménager à Saint-Fons"),
    ("habitant2", "idea", "Des appartements moins étouffants l'été au Mas du Taureau"),
    ("habitant1", "idea", "Un atelier de réparation d'électroménager à Saint-Fons"),
]


def _association(name: str) -> Association:
    return db.session.scalar(select(Association).where(Association.slug == slugify(name)))


def _upsert_participation(communes: dict[str, Commune]) -> None:
    """Through the site's own services (submission, decision, results, replication), as people would."""
    from app.calls import decisions, followup
    from app.calls import services as calls
    from app.ideas.services import create_idea
    from app.proposals import services as proposals

    ideas: dict[str, Idea] = {}
    for handle, commune, domain, subdomain, publics, title, description in IDEAS:
        idea = db.session.scalar(select(Idea).where(Idea.title == title))
        if idea is None:
            fields = dict(title=title, description=description, commune_id=communes[commune].id)
            idea = create_idea(_demo_user(handle), **fields, domain=domain, publics=publics, **_sub(domain, subdomain))
        ideas[title] = idea

    found: dict[str, Proposal] = {}
    for name, handle, title, call_slug, state, idea, commune, domain, subdomain, publics, fields in PROPOSALS:
        association = _association(name)
        proposal = db.session.scalar(
            select(Proposal).where(Proposal.title == title, Proposal.association_id == association.id)
        )
        call = calls.get_call(call_slug)
        if proposal is None:
            values = {
                **fields,
                "title": title,
                "domain": domain,
                "publics": publics,
                "communes": [communes[commune].id],
                **_sub(domain, subdomain),
            }
            proposal = proposals.create_proposal(_demo_user(handle), association, values, call_id=call.id)
            if idea:
                proposal.idea_id = ideas[idea].id  # taken up from a resident's idea
            if state != "draft":
                proposals.transition(proposal, "publish")
            db.session.commit()
        if state == "selected" and calls.submission_of(proposal) is None:
            # Submitted while the first edition was open, instructed, funded, results published.
            proposal = proposals.get_proposal(proposal.id)  # with what the eligibility check reads
            calls.submit(call, proposal, _demo_user(handle), now=call.opens_at + timedelta(days=10))
            submission = calls.submission_of(proposal)
            calls.set_step(submission, call.steps[1])
            decided = (call.closes_at + timedelta(days=30)).date()
            decisions.decide(
                submission.id,
                Decision.SELECTED,
                40_000,
                "Une réponse simple et reproductible.",
                # What the SCDL open-data file of the grants publishes (app.scdl).
                terms=GrantTerms(
                    reference=f"CP-{decided.year}-042",
                    convention_date=decided,
                    purpose=title[:256],
                    conditions="échelonné",
                    payment_dates=f"{decided.isoformat()}/{(decided + timedelta(days=365)).isoformat()}",
                ),
            )
            decisions.publish_results(call)
        found[title] = db.session.get(Proposal, proposal.id)

    # The pilot, funded, is replicated by a Villeurbanne enterprise (its lineage is shown on both pages).
    pilot = found[PILOT]
    if db.session.scalar(select(Replication.proposal_id).where(Replication.original_id == pilot.id)) is None:
        replica = followup.replicate(
            proposals.get_proposal(pilot.id), _association(REPLICA_ASSOCIATION), _demo_user("asso.saint-jean")
        )
        # The replicating enterprise adapts it to its quarter, then publishes it.
        proposals.update_proposal(replica, REPLICA_CHANGES, replica.version, note="Adapté au quartier Saint-Jean.")
        proposals.transition(proposals.get_proposal(replica.id), "publish")
        db.session.commit()

    _upsert_discussion(found, DISCUSSION)
    _upsert_supports(found, ideas, SUPPORTS)


def _sub(domain: str, subdomain: str) -> dict:
    """The sub-domain field, by id (a sub-domain's slug is unique within its domain only)."""
    found = db.session.scalar(
        select(SubDomain.id).join(Domain).where(Domain.slug == domain, SubDomain.slug == subdomain)
    )
    return {"subdomain": found}
