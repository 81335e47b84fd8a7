"""Reading the taxonomies (app.models.taxonomy) for forms, filters and services.

Forms offer the values in use today (not retired); a form that edits existing content also keeps
the retired values that content already has, so that saving it never drops them silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.errors import RuleError
from app.extensions import db
from app.models.base import utcnow
from app.models.taxonomy import (
    Domain,
    LegalForm,
    SubDomain,
    TargetPublic,
    call_domains,
    call_legal_forms,
    call_publics,
    idea_publics,
    partner_domains,
    proposal_publics,
)
from app.text import slugify

T = TypeVar("T", Domain, TargetPublic, LegalForm)

__all__ = ["Domain", "LegalForm", "SubDomain", "TargetPublic"]


def values(model: type[T], *, include_retired: bool = False) -> list[T]:
    query = select(model).order_by(model.position, model.id)
    if not include_retired:
        query = query.where(model.retired_at.is_(None))
    return list(db.session.scalars(query))


def display_label(value: Domain | SubDomain | TargetPublic | LegalForm) -> str:
    # Filters still offer a retired value (content has it) but say it is no longer proposed.
    return _("%(label)s (retiré)", label=value.label) if value.retired_at else value.label


def choices(model: type[T]):
    """A WTForms ``choices`` callable: the values new content may take, by slug."""

    def _choices() -> list[SelectChoice]:
        return [SelectChoice(v.slug, v.label) for v in values(model)]

    return _choices


def keep_retired(field, kept: Iterable[Domain | TargetPublic | LegalForm]) -> None:
    """Offer again, on a form editing existing content, the retired values it already has."""
    present = {c.value if isinstance(c, SelectChoice) else c[0] for c in field.choices}
    extra = [SelectChoice(v.slug, display_label(v)) for v in kept if v.slug not in present]
    if extra:
        field.choices = list(field.choices) + extra


def by_slug(model: type[T], slug: str | None) -> T | None:
    if not slug:
        return None
    return db.session.scalar(select(model).where(model.slug == slug))


def by_slugs(model: type[T], slugs: Iterable[str]) -> list[T]:
    wanted = list(dict.fromkeys(s for s in slugs if s))
    if not wanted:
        return []
    found = db.session.scalars(select(model).where(model.slug.in_(wanted)).order_by(model.position, model.id))
    return list(found)


def subdomain_choices(keep: SubDomain | None = None) -> list[SelectChoice]:
    """Sub-domains grouped under their domain (one <optgroup> each), by id: a slug is unique per
    domain only. The first choice means "none": a sub-domain is optional."""
    result = [SelectChoice("", _("— Aucun en particulier —"))]
    domains = db.session.scalars(
        select(Domain).order_by(Domain.position, Domain.id).options(selectinload(Domain.subdomains))
    )
    for domain in domains:
        for sub in domain.subdomains:
            if (sub.retired_at is None and domain.retired_at is None) or (keep is not None and sub.id == keep.id):
                result.append(SelectChoice(str(sub.id), display_label(sub), optgroup=domain.label))
    return result


def subdomain_for(domain: Domain, subdomain_id: int | str | None) -> SubDomain | None:
    """The chosen sub-domain if it belongs to the chosen domain; a ValueError otherwise."""
    if subdomain_id in (None, ""):
        return None
    sub = db.session.get(SubDomain, int(subdomain_id))
    if sub is None or sub.domain_id != domain.id:
        raise ValueError(_("Ce sous-domaine n'appartient pas au domaine choisi."))
    return sub


def labels_by_slug(model: type[T], slugs: Iterable[str]) -> dict[str, str]:
    """Today's label of each slug (one query), for texts that kept slugs, like revisions."""
    wanted = set(slugs)
    if not wanted:
        return {}
    return dict(db.session.execute(select(model.slug, model.label).where(model.slug.in_(wanted))).all())


# --- Presets ------------------------------------------------------------------------------------

# The Gironde call's taxonomy: the demo loads it, and the migration that made taxonomies data wrote
# the same rows (with the same slugs: they were the enum values, kept in URLs and revisions).
GIRONDE_TAXONOMY = {
    "domains": [
        (
            "sante",
            "Santé, bien-être et handicap",
            [
                ("aller-vers", "Aller vers les publics vulnérables"),
                ("pair-aidance", "Favoriser la pair-aidance"),
                ("competences-psychosociales", "Valoriser les compétences psychosociales"),
            ],
        ),
        (
            "alimentation",
            "Solidarité alimentaire",
            [
                ("education-alimentation", "Éducation à l'alimentation"),
                ("bien-manger", "Transition écologique et accès au bien manger"),
            ],
        ),
        (
            "citoyennete",
            "Citoyenneté sociale et lutte contre le non-recours",
            [("acces-droits", "Accès aux droits fondamentaux")],
        ),
    ],
    "publics": [
        ("familles_monoparentales", "Familles monoparentales"),
        ("femmes", "Femmes"),
        ("enfants_jeunes", "Enfants et jeunes"),
        ("seniors", "Seniors"),
    ],
    "legal_forms": [
        ("association", "Association ou groupement d'associations (loi 1901)"),
        ("ess", "Structure de l'Économie sociale et solidaire"),
        ("bailleur_social", "Bailleur social"),
        ("collectivite", "Collectivité territoriale girondine ou groupement"),
        ("etablissement_public", "Établissement public"),
        ("autre", "Autre"),
    ],
}


def load_taxonomy(preset: dict) -> None:
    """Add the preset's values that are missing (by slug); loading twice changes nothing, and
    what an administrator renamed or retired stays as they left it."""
    have = {
        model: {v.slug: v for v in values(model, include_retired=True)} for model in (Domain, TargetPublic, LegalForm)
    }
    for position, (slug, label, subs) in enumerate(preset.get("domains", [])):
        domain = have[Domain].get(slug)
        if domain is None:
            domain = Domain(slug=slug, label=label, position=position)
            db.session.add(domain)
            db.session.flush()
            existing: set[str] = set()  # a new domain has no sub-domains yet: no query
        else:
            existing = set(db.session.scalars(select(SubDomain.slug).where(SubDomain.domain_id == domain.id)))
        for sub_position, (sub_slug, sub_label) in enumerate(subs):
            if sub_slug not in existing:
                db.session.add(SubDomain(domain_id=domain.id, slug=sub_slug, label=sub_label, position=sub_position))
    for model, key in ((TargetPublic, "publics"), (LegalForm, "legal_forms")):
        for position, (slug, label) in enumerate(preset.get(key, [])):
            if slug not in have[model]:
                db.session.add(model(slug=slug, label=label, position=position))
    db.session.flush()


# --- Editing (the back office: app.admin.taxonomy) ----------------------------------------------


class TaxonomyError(RuleError):
    """An edit the rules refuse (a value in use deleted, an empty label...)."""


# The kinds of values, as the back office's URLs name them.
KINDS: dict[str, type] = {
    "domaines": Domain,
    "sous-domaines": SubDomain,
    "publics": TargetPublic,
    "formes-juridiques": LegalForm,
}

Value = Domain | SubDomain | TargetPublic | LegalForm


def _siblings(value: Value) -> list[Value]:
    model = type(value)
    query = select(model).order_by(model.position, model.id)
    if model is SubDomain:
        query = query.where(SubDomain.domain_id == value.domain_id)
    return list(db.session.scalars(query))


def _clean_label(label: str) -> str:
    label = " ".join((label or "").split())
    if not label:
        raise TaxonomyError(_("Indiquez un libellé."), "label")
    if len(label) > 160:
        raise TaxonomyError(_("Le libellé doit faire au plus 160 caractères."), "label")
    return label


def add_value(model: type, label: str, domain: Domain | None = None) -> Value:
    """A new value at the end of its list. Its slug comes from the label and never changes
    (URLs and revision history name it), even when the label is renamed."""
    label = _clean_label(label)
    base = slugify(label)[:50] or "valeur"
    query = select(model.slug)
    if model is SubDomain:
        if domain is None:
            raise TaxonomyError(_("Choisissez le domaine de ce sous-domaine."))
        query = query.where(SubDomain.domain_id == domain.id)
    taken = set(db.session.scalars(query))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    position_query = select(func.coalesce(func.max(model.position), -1))
    if model is SubDomain:
        position_query = position_query.where(SubDomain.domain_id == domain.id)
    value = model(slug=slug, label=label, position=db.session.scalar(position_query) + 1)
    if model is SubDomain:
        value.domain_id = domain.id
    db.session.add(value)
    db.session.commit()
    return value


def rename(value: Value, label: str) -> None:
    value.label = _clean_label(label)
    db.session.commit()


def move(value: Value, offset: int) -> None:
    """One place up (-1) or down (+1) among its siblings; positions are rewritten 0..n so that
    gaps and ties left by older data never make a move do nothing."""
    siblings = _siblings(value)
    index = next(i for i, v in enumerate(siblings) if v.id == value.id)
    target = max(0, min(len(siblings) - 1, index + offset))
    siblings.insert(target, siblings.pop(index))
    for position, sibling in enumerate(siblings):
        sibling.position = position
    db.session.commit()


def retire(value: Value) -> None:
    """Hidden from new content; what already has it keeps showing it."""
    if value.retired_at is None:
        value.retired_at = utcnow()
        db.session.commit()


def restore(value: Value) -> None:
    if value.retired_at is not None:
        value.retired_at = None
        db.session.commit()


def _usage_selects() -> list:
    """(kind, value id, count) for every place a value is used: one UNION ALL, one query."""
    from app.models import Association, Idea, Proposal

    def grouped(kind: str, column) -> Any:
        return select(literal(kind).label("kind"), column.label("value_id"), func.count().label("n")).group_by(column)

    return [
        grouped("domaines", Idea.domain_id),
        grouped("domaines", Proposal.domain_id),
        grouped("domaines", call_domains.c.domain_id),
        grouped("domaines", partner_domains.c.domain_id),
        grouped("sous-domaines", Idea.subdomain_id),
        grouped("sous-domaines", Proposal.subdomain_id),
        grouped("publics", idea_publics.c.public_id),
        grouped("publics", proposal_publics.c.public_id),
        grouped("publics", call_publics.c.public_id),
        grouped("formes-juridiques", Association.legal_form_id),
        grouped("formes-juridiques", call_legal_forms.c.legal_form_id),
    ]


def usage_counts() -> dict[tuple[str, int], int]:
    """How many ideas, proposals, calls, associations or partners use each value."""
    counts: dict[tuple[str, int], int] = {}
    for kind, value_id, n in db.session.execute(union_all(*_usage_selects())).all():
        if value_id is not None:
            counts[(kind, value_id)] = counts.get((kind, value_id), 0) + n
    return counts


def kind_of(value: Value) -> str:
    return next(kind for kind, model in KINDS.items() if isinstance(value, model))


def delete(value: Value) -> None:
    """Only a value nothing uses: content never loses its domain, public or legal form."""
    kind = kind_of(value)
    if usage_counts().get((kind, value.id)):
        raise TaxonomyError(
            _("« %(label)s » est utilisé : il ne peut pas être supprimé. Retirez-le plutôt.", label=value.label)
        )
    if isinstance(value, Domain) and db.session.scalar(select(SubDomain.id).where(SubDomain.domain_id == value.id)):
        raise TaxonomyError(
            _("« %(label)s » a des sous-domaines : supprimez-les ou déplacez-les d'abord.", label=value.label)
        )
    db.session.delete(value)
    db.session.commit()


def overview() -> dict[str, Any]:
    """What the back office lists: every value, retired ones too, with its use count (five
    queries whatever the number of values)."""
    domains = list(
        db.session.scalars(select(Domain).order_by(Domain.position, Domain.id).options(selectinload(Domain.subdomains)))
    )
    return {
        "domains": domains,
        "publics": values(TargetPublic, include_retired=True),
        "legal_forms": values(LegalForm, include_retired=True),
        "usage": usage_counts(),
    }
