"""Reading the taxonomies (app.models.taxonomy) for forms, filters and services.

Forms offer the values in use today (not retired); a form that edits existing content also keeps
the retired values that content already has, so that saving it never drops them silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from app.extensions import db
from app.models.taxonomy import Domain, LegalForm, SubDomain, TargetPublic

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
        existing = set(db.session.scalars(select(SubDomain.slug).where(SubDomain.domain_id == domain.id)))
        for sub_position, (sub_slug, sub_label) in enumerate(subs):
            if sub_slug not in existing:
                db.session.add(SubDomain(domain_id=domain.id, slug=sub_slug, label=sub_label, position=sub_position))
    for model, key in ((TargetPublic, "publics"), (LegalForm, "legal_forms")):
        for position, (slug, label) in enumerate(preset.get(key, [])):
            if slug not in have[model]:
                db.session.add(model(slug=slug, label=label, position=position))
    db.session.flush()
