"""Back office: the taxonomies (domains and sub-domains, target publics, legal forms).

One page lists them all; every change is a small POST form that comes back to it (no JavaScript
needed). A refused change shows the page again, the error next to its form, what was typed kept.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from app import taxonomy
from app.access import access
from app.extensions import db
from app.models import Domain
from app.rendering import render


def _value(kind: str, value_id: int):
    model = taxonomy.KINDS.get(kind)
    if model is None:
        abort(404)
    return db.get_or_404(model, value_id)


def _page(status: int = 200, error: tuple[str, str] | None = None, typed: str = ""):
    """``error``: (the key of the form that failed, its message); ``typed``: what it held."""
    overview = taxonomy.overview()
    return render(
        "admin/taxonomies.html",
        status=status,
        domains=overview["domains"],
        usage=overview["usage"],
        # The flat lists, each in its section: (kind in URLs, title, values).
        lists=[
            ("publics", _("Publics visés"), overview["publics"]),
            ("formes-juridiques", _("Formes juridiques des structures"), overview["legal_forms"]),
        ],
        error=error,
        typed=typed,
    )


def _back(anchor: str):
    return redirect(url_for("admin.taxonomies") + f"#{anchor}")


@access("taxonomy.manage")
def taxonomies():
    return _page()


@access("taxonomy.manage")
def add_value(kind: str):
    label = request.form.get("label", "")
    try:
        value = taxonomy.add_value(taxonomy.KINDS[kind], label)
    except taxonomy.TaxonomyError as error:
        return _page(422, (f"add-{kind}", error.message), label)
    flash(_("« %(label)s » est ajouté.", label=value.label), "success")
    return _back(f"{kind}-{value.id}")


@access("taxonomy.manage")
def add_subdomain(domain_id: int):
    domain = db.get_or_404(Domain, domain_id)
    label = request.form.get("label", "")
    try:
        value = taxonomy.add_value(taxonomy.SubDomain, label, domain=domain)
    except taxonomy.TaxonomyError as error:
        return _page(422, (f"add-sous-domaines-{domain.id}", error.message), label)
    flash(_("« %(label)s » est ajouté sous « %(domain)s ».", label=value.label, domain=domain.label), "success")
    return _back(f"sous-domaines-{value.id}")


@access("taxonomy.manage")
def rename_value(kind: str, value_id: int):
    value = _value(kind, value_id)
    label = request.form.get("label", "")
    try:
        taxonomy.rename(value, label)
    except taxonomy.TaxonomyError as error:
        db.session.rollback()
        return _page(422, (f"{kind}-{value_id}", error.message), label)
    flash(
        _("Libellé enregistré : « %(label)s ». Partout sur le site, il s'affiche désormais ainsi.", label=value.label),
        "success",
    )
    return _back(f"{kind}-{value_id}")


@access("taxonomy.manage")
def move_value(kind: str, value_id: int, direction: str):
    taxonomy.move(_value(kind, value_id), -1 if direction == "monter" else 1)
    return _back(f"{kind}-{value_id}")


@access("taxonomy.manage")
def retire_value(kind: str, value_id: int, action: str):
    value = _value(kind, value_id)
    if action == "retirer":
        taxonomy.retire(value)
        flash(
            _(
                "« %(label)s » est retiré : il n'est plus proposé pour les nouveaux contenus ; "
                "ceux qui l'ont le gardent et l'affichent toujours.",
                label=value.label,
            ),
            "success",
        )
    else:
        taxonomy.restore(value)
        flash(_("« %(label)s » est de nouveau proposé.", label=value.label), "success")
    return _back(f"{kind}-{value_id}")


@access("taxonomy.manage")
def delete_value(kind: str, value_id: int):
    value = _value(kind, value_id)
    label = value.label
    try:
        taxonomy.delete(value)
    except taxonomy.TaxonomyError as error:
        return _page(409, (f"{kind}-{value_id}", error.message))
    flash(_("« %(label)s » est supprimé.", label=label), "success")
    return _back(kind)


def register(bp: Blueprint) -> None:
    """Its URLs, on the back office's blueprint (app.admin.routes calls it: no import cycle)."""
    bp.add_url_rule("/taxonomies", view_func=taxonomies)
    bp.add_url_rule(
        "/taxonomies/<any(domaines, publics, 'formes-juridiques'):kind>/ajouter", view_func=add_value, methods=["POST"]
    )
    bp.add_url_rule(
        "/taxonomies/domaines/<int:domain_id>/sous-domaines/ajouter", view_func=add_subdomain, methods=["POST"]
    )
    bp.add_url_rule("/taxonomies/<kind>/<int:value_id>/renommer", view_func=rename_value, methods=["POST"])
    bp.add_url_rule(
        "/taxonomies/<kind>/<int:value_id>/<any(monter, descendre):direction>", view_func=move_value, methods=["POST"]
    )
    bp.add_url_rule(
        "/taxonomies/<kind>/<int:value_id>/<any(retirer, retablir):action>", view_func=retire_value, methods=["POST"]
    )
    bp.add_url_rule("/taxonomies/<kind>/<int:value_id>/supprimer", view_func=delete_value, methods=["POST"])
