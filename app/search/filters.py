"""Filters and sort orders of the idea, proposal and search pages, read from the query string.

Anything unexpected in the URL (unknown values, wrong types) is ignored, never an error: these
URLs are shared and bookmarked.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal, select

from app.extensions import db
from app.inputs import page_value
from app.models import PUBLIC_STATES, Call, Commune, Domain, Pole, ProposalState, TargetPublic
from app.territory import LABELLED, commune_label
from app.text import slugify

MAX_QUERY_CHARS = 200

SORTS = {
    "pertinence": _l("Pertinence"),
    "recent": _l("Les plus récentes"),
    "soutiens": _l("Les plus soutenues"),
    "commentaires": _l("Les plus commentées"),
    "hasard": _l("Ordre aléatoire"),
}

# What the search page looks in.
TYPES = {
    "idea": _l("Idées"),
    "proposal": _l("Propositions"),
    "association": _l("Associations"),
    "call": _l("Appels à projets"),
}

# The fixed choices of the filter forms on the idea, proposal, pole and search pages (template globals).
FILTER_CHOICES = {
    "proposal_states": [s for s in ProposalState if s in PUBLIC_STATES],
    "sorts": SORTS,
    "search_types": TYPES,
}

SEED_KEY = "shuffle_seed"  # the per-visitor seed of old sessions, no longer read
PARIS = ZoneInfo("Europe/Paris")
SEED_MODULUS = 2147483647  # a prime: (id * a + b) mod p reorders ids differently for each (a, b)


@dataclass(frozen=True)
class Option:
    """A domain or a public as a filter offers it: filters find existing content, so a retired
    value stays (marked as such), unlike on the forms of new content."""

    id: int
    slug: str
    label: str
    retired: bool

    @property
    def display(self) -> str:
        return str(_l("%(label)s (retiré)", label=self.label)) if self.retired else self.label


def taxonomy_options() -> tuple[list[Option], list[Option]]:
    """Domains and publics, in one query for both (filter pages count their queries)."""
    columns = (Domain.id, Domain.slug, Domain.label, Domain.position, Domain.retired_at)
    rows = db.session.execute(
        select(literal("domain").label("kind"), *columns).union_all(
            select(
                literal("public"),
                TargetPublic.id,
                TargetPublic.slug,
                TargetPublic.label,
                TargetPublic.position,
                TargetPublic.retired_at,
            )
        )
    ).all()
    rows = sorted(rows, key=lambda r: (r.position, r.id))
    options = {"domain": [], "public": []}
    for row in rows:
        options[row.kind].append(Option(row.id, row.slug, row.label, row.retired_at is not None))
    return options["domain"], options["public"]


@dataclass
class Territory:
    """The options of the territory, taxonomy and call filters, loaded once per request (four
    queries)."""

    poles: list[Pole]
    communes: list[Commune]
    calls: list[Call] = field(default_factory=list)
    domains: list[Option] = field(default_factory=list)
    publics: list[Option] = field(default_factory=list)

    @classmethod
    def load(cls) -> Territory:
        poles = list(db.session.scalars(select(Pole).order_by(Pole.name)))
        communes = list(db.session.scalars(select(Commune).order_by(Commune.name)))
        calls = list(db.session.scalars(select(Call).order_by(Call.opens_at.desc())))
        domains, publics = taxonomy_options()
        return cls(poles, communes, calls, domains, publics)

    def commune_choices(self, pole: Pole | None = None) -> list[tuple[str, str]]:
        """The type-ahead's suggestions ("Nom (code)", unit): only ``pole``'s communes when one is chosen."""
        names = {p.id: p.name for p in self.poles}
        return [(commune_label(c), names[c.pole_id]) for c in self.communes if pole is None or c.pole_id == pole.id]


@dataclass
class Filters:
    q: str = ""
    pole: Pole | None = None
    commune: Commune | None = None
    # What was typed in the commune type-ahead when it names no single commune: shown back, with a hint.
    commune_typed: str = ""
    domain: Option | None = None
    public: Option | None = None
    state: ProposalState = ProposalState.PUBLISHED
    call: Call | None = None
    rural: bool = False
    qpv: bool = False
    type: str | None = None
    sort: str = "recent"
    page: int = 1
    seed: tuple[int, int] = field(default=(1, 0))

    @property
    def active(self) -> bool:
        return bool(
            self.q
            or self.pole
            or self.commune
            or self.domain
            or self.public
            or self.call
            or self.rural
            or self.qpv
            or self.type
        )

    def summary(self) -> list[str]:
        """What each active filter (words typed aside: they stay in view) shows folded on a phone."""
        labels = [
            self.type and str(TYPES[self.type]),
            self.pole and self.pole.name,
            self.commune and self.commune.name,
            self.domain and self.domain.label,
            self.public and self.public.label,
            self.call and self.call.title,
            self.state != ProposalState.PUBLISHED and str(self.state.label),
            self.rural and str(_l("En milieu rural")),
            self.qpv and str(_l("En quartier prioritaire")),
        ]
        return [label for label in labels if label]


def _commune(communes: list[Commune], typed: str) -> tuple[Commune | None, str]:
    """The commune the type-ahead names: its slug (older links), "Nom (code)" as suggested, a code,
    a name, or the start of a name only one commune has. Read among the communes already loaded:
    no query more."""
    if not typed:
        return None, ""
    label = LABELLED.match(typed)
    code = label["code"] if label else typed.upper()
    slug = slugify(label["name"] if label else typed)
    for matches in (
        [c for c in communes if c.slug == typed or c.insee_code == code],
        [c for c in communes if slugify(c.name) == slug],
        [c for c in communes if slug and slugify(c.name).startswith(slug)],
    ):
        if len(matches) == 1:
            return matches[0], ""
        if matches:
            break
    return None, typed


def _enum(enum_cls: Any, raw: str | None) -> Any:
    try:
        return enum_cls(raw) if raw else None
    except ValueError:
        return None


def today() -> date:
    """The day of the shared order, in the collectivity's time (a function: tests move the clock)."""
    return datetime.now(PARIS).date()


def daily_seed(day: date | None = None) -> tuple[int, int]:
    """The random order of the day, the same for every visitor.

    It used to be drawn per visitor and kept in the session: fair, but every new visitor saw twenty
    different cards, so no page could be cached (bench/README.md). One order per day keeps the
    fairness that matters (the earliest proposals do not always come first, and each day puts others
    on top) while every anonymous reader gets the same page, served from the cache
    (app/page_cache.py); within a day the order is stable, so paging neither skips nor repeats.
    Derived from the secret key so that the order of a coming day cannot be worked out in advance.
    """
    day = day or today()
    secret = str(current_app.config.get("SECRET_KEY", ""))
    digest = hashlib.sha256(f"{day.isoformat()}:{secret}".encode()).digest()
    a = int.from_bytes(digest[:8], "big") % (SEED_MODULUS - 1) + 1
    b = int.from_bytes(digest[8:16], "big") % SEED_MODULUS
    return a, b


def parse(args: Any, territory: Territory, *, default_sort: str = "recent") -> Filters:
    f = Filters()
    f.q = " ".join((args.get("q") or "")[:MAX_QUERY_CHARS].split())
    f.pole = next((p for p in territory.poles if p.slug == args.get("pole")), None)
    typed = " ".join((args.get("commune") or "")[:MAX_QUERY_CHARS].split())
    f.commune, f.commune_typed = _commune(territory.communes, typed)
    if f.pole and f.commune and f.commune.pole_id != f.pole.id:
        # A commune of another pole (the pole changed after it was chosen): the pole wins.
        f.commune = None
    elif f.pole and f.commune_typed:
        # Several communes start so, but maybe a single one in the chosen pole.
        f.commune, f.commune_typed = _commune([c for c in territory.communes if c.pole_id == f.pole.id], typed)
    # Slugs, as the enum values were: links shared before the taxonomies became data still work.
    f.domain = next((d for d in territory.domains if d.slug == args.get("domaine")), None)
    f.public = next((p for p in territory.publics if p.slug == args.get("public")), None)
    state = _enum(ProposalState, args.get("etat"))
    f.state = state if state in PUBLIC_STATES else ProposalState.PUBLISHED
    f.call = next((c for c in territory.calls if c.slug == args.get("appel")), None)
    f.rural = args.get("rural") == "1"
    f.qpv = args.get("qpv") == "1"
    f.type = args.get("type") if args.get("type") in TYPES else None
    sort = args.get("tri")
    if sort not in SORTS or (sort == "pertinence" and not f.q):
        # With words typed, the best matches come first unless the person chose otherwise.
        sort = "pertinence" if f.q else default_sort
    f.sort = sort
    f.page = page_value(args)
    if f.sort == "hasard":
        f.seed = daily_seed()
    return f
