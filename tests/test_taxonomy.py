"""Taxonomies as data (issue 16): the back office edits them, the site reads them everywhere, a
retired value leaves new content but stays on existing content, a value in use is never deleted."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import taxonomy
from app.extensions import db
from app.models import Domain, Idea, LegalForm, SubDomain, TargetPublic
from tests import factories
from tests.helpers import count_queries, field_error, html, text

PAGE = "/admin/taxonomies"


def _domain(slug: str) -> Domain:
    return db.session.scalar(select(Domain).where(Domain.slug == slug))


def _public(slug: str) -> TargetPublic:
    return db.session.scalar(select(TargetPublic).where(TargetPublic.slug == slug))


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", PAGE),
        ("post", "/admin/taxonomies/domaines/ajouter"),
        ("post", "/admin/taxonomies/domaines/1/renommer"),
        ("post", "/admin/taxonomies/domaines/1/monter"),
        ("post", "/admin/taxonomies/publics/1/retirer"),
        ("post", "/admin/taxonomies/formes-juridiques/1/supprimer"),
        ("post", "/admin/taxonomies/domaines/1/sous-domaines/ajouter"),
    ],
)
def test_only_administrators_edit_taxonomies(app, resident_client, moderator_client, method, url):
    before = db.session.scalar(select(Domain.label).where(Domain.id == 1))

    def data():
        return {"label": "Piratage"} if method == "post" else None

    assert getattr(resident_client, method)(url, data=data()).status_code == 403
    assert getattr(moderator_client, method)(url, data=data()).status_code == 403
    anonymous = getattr(app.test_client(), method)(url, data=data())
    assert anonymous.status_code == 302 and "/connexion" in anonymous.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(select(Domain.label).where(Domain.id == 1)) == before
    assert db.session.scalar(select(Domain).where(Domain.label == "Piratage")) is None


def test_the_back_office_links_to_the_taxonomies(admin_client):
    assert 'href="/admin/taxonomies"' in html(admin_client.get("/admin/"))


def test_the_list_shows_every_value_in_a_constant_number_of_queries(admin_client, territory):
    factories.make_idea(commune=territory.medoc_commune, domain="sante", publics=("femmes",))
    admin_client.get(PAGE)  # warm up (session, user)
    with count_queries() as few:
        page = text(admin_client.get(PAGE))
    assert "Favoriser la pair-aidance" in page and "Bailleur social" in page and "Utilisé par 1 contenu" in page
    for n in range(3):
        domain = taxonomy.add_value(Domain, f"Domaine {n}")
        taxonomy.add_value(SubDomain, f"Sous-domaine {n}", domain=domain)
        taxonomy.add_value(TargetPublic, f"Public {n}")
        taxonomy.add_value(LegalForm, f"Forme {n}")
        factories.make_idea(commune=territory.medoc_commune, domain=domain.slug)
    with count_queries() as many:
        assert "Sous-domaine 2" in text(admin_client.get(PAGE))
    # The person and their session (2), domains, their sub-domains, publics, legal forms, every
    # use count in one UNION ALL (5).
    assert few.count == many.count == 7


# --- Adding, renaming, ordering -----------------------------------------------------------------


def test_an_administrator_adds_a_domain_and_a_sub_domain(admin_client):
    response = admin_client.post("/admin/taxonomies/domaines/ajouter", data={"label": "  Mobilité  solidaire "})
    assert response.status_code == 302 and response.headers["Location"].startswith(PAGE)
    domain = _domain("mobilite-solidaire")
    assert domain.label == "Mobilité solidaire" and domain.position == 3
    response = admin_client.post(
        f"/admin/taxonomies/domaines/{domain.id}/sous-domaines/ajouter", data={"label": "Covoiturage"}
    )
    assert response.status_code == 302
    sub = db.session.scalar(select(SubDomain).where(SubDomain.domain_id == domain.id))
    assert sub.label == "Covoiturage" and sub.slug == "covoiturage"
    # A second value of the same label gets a slug of its own.
    admin_client.post("/admin/taxonomies/domaines/ajouter", data={"label": "Mobilité solidaire"})
    assert _domain("mobilite-solidaire-2") is not None
    # It is offered at once on the idea form.
    assert "Covoiturage" in text(admin_client.get("/idees/nouvelle"))


def test_an_empty_label_is_refused_in_french_and_what_was_typed_stays(admin_client):
    sante = _domain("sante")
    response = admin_client.post(f"/admin/taxonomies/domaines/{sante.id}/renommer", data={"label": "   "})
    assert response.status_code == 422
    assert field_error(response, f"label-domaines-{sante.id}") == "Indiquez un libellé."
    response = admin_client.post("/admin/taxonomies/publics/ajouter", data={"label": "x" * 161})
    assert response.status_code == 422
    assert "au plus 160 caractères" in field_error(response, "add-publics")
    assert 'value="' + "x" * 161 + '"' in html(response)
    db.session.expire_all()
    assert _domain("sante").label == "Santé, bien-être et handicap"


def test_a_renamed_label_shows_everywhere_and_links_keep_working(admin_client, territory):
    idea = factories.make_idea(title="Jardin des aînés", commune=territory.medoc_commune, domain="sante")
    sante = _domain("sante")
    admin_client.post(f"/admin/taxonomies/domaines/{sante.id}/renommer", data={"label": "Santé et autonomie"})
    assert "Santé et autonomie" in text(admin_client.get(f"/idees/{idea.id}"))
    listing = text(admin_client.get("/idees/?domaine=sante"))  # the slug did not change
    assert "Jardin des aînés" in listing and "Santé et autonomie" in listing
    assert "Santé, bien-être" not in listing


def test_values_move_up_and_down(admin_client):
    order = lambda: [d.slug for d in taxonomy.values(Domain)]  # noqa: E731
    assert order() == ["sante", "alimentation", "citoyennete"]
    citoyennete = _domain("citoyennete")
    admin_client.post(f"/admin/taxonomies/domaines/{citoyennete.id}/monter")
    assert order() == ["sante", "citoyennete", "alimentation"]
    admin_client.post(f"/admin/taxonomies/domaines/{citoyennete.id}/monter")
    admin_client.post(f"/admin/taxonomies/domaines/{citoyennete.id}/monter")  # already first: stays
    assert order() == ["citoyennete", "sante", "alimentation"]
    admin_client.post(f"/admin/taxonomies/domaines/{citoyennete.id}/descendre")
    assert order() == ["sante", "citoyennete", "alimentation"]


# --- Retiring and deleting ----------------------------------------------------------------------


def test_a_retired_value_leaves_new_content_but_stays_on_existing_content(
    admin_client, resident, resident_client, territory
):
    idea = factories.make_idea(
        title="Paniers du marché", author=resident, commune=territory.medoc_commune, publics=("seniors",)
    )
    seniors = _public("seniors")
    response = admin_client.post(f"/admin/taxonomies/publics/{seniors.id}/retirer")
    assert response.status_code == 302
    assert "n'est plus proposé pour les nouveaux contenus" in text(admin_client.get(PAGE))
    # Not offered to new content, refused if sent anyway.
    assert 'value="seniors"' not in html(resident_client.get("/idees/nouvelle"))
    form = {
        "title": "Une idée nouvelle",
        "description": "Un besoin observé dans la commune.",
        "commune_id": territory.medoc_commune.id,
        "domain": "alimentation",
        "publics": ["seniors"],
    }
    assert resident_client.post("/idees/nouvelle", data=form).status_code == 422
    # Still shown on the idea that has it, still offered when that idea is edited, still filterable.
    assert "Seniors" in text(resident_client.get(f"/idees/{idea.id}"))
    edit = html(resident_client.get(f"/idees/{idea.id}/modifier"))
    assert re.search(r'<input checked[^>]*value="seniors"', edit), "offered and checked"
    listing = text(resident_client.get("/idees/?public=seniors"))
    assert "Paniers du marché" in listing and "Seniors (retiré)" in listing
    # Saving the idea unchanged keeps it.
    form.update(title="Paniers du marché", publics=["seniors"])
    assert resident_client.post(f"/idees/{idea.id}/modifier", data=form).status_code == 302
    saved = db.session.scalar(select(Idea).where(Idea.id == idea.id).options(selectinload(Idea.publics)))
    assert [p.slug for p in saved.publics] == ["seniors"]
    # Restored: offered again.
    admin_client.post(f"/admin/taxonomies/publics/{seniors.id}/retablir")
    assert 'value="seniors"' in html(resident_client.get("/idees/nouvelle"))


def test_a_value_in_use_is_never_deleted_an_unused_one_is(admin_client, territory):
    factories.make_association("Épicerie", territory.medoc_commune, legal_form="ess")
    ess = db.session.scalar(select(LegalForm).where(LegalForm.slug == "ess"))
    page = text(admin_client.get(PAGE))
    assert "En usage : ne peut pas être supprimé." in page
    response = admin_client.post(f"/admin/taxonomies/formes-juridiques/{ess.id}/supprimer")
    assert response.status_code == 409
    assert "« Structure de l'Économie sociale et solidaire » est utilisé" in text(response)
    assert db.session.get(LegalForm, ess.id) is not None
    # A domain with sub-domains waits for them to go first.
    sante = _domain("sante")
    assert admin_client.post(f"/admin/taxonomies/domaines/{sante.id}/supprimer").status_code == 409
    bailleur = db.session.scalar(select(LegalForm.id).where(LegalForm.slug == "bailleur_social"))
    assert admin_client.post(f"/admin/taxonomies/formes-juridiques/{bailleur}/supprimer").status_code == 302
    db.session.expire_all()
    assert db.session.get(LegalForm, bailleur) is None


@pytest.mark.parametrize("used_by", ["idea", "call", "partner"])
def test_a_domain_used_anywhere_counts_as_in_use(admin_client, territory, used_by):
    domain = taxonomy.add_value(Domain, "Logement")
    if used_by == "idea":
        factories.make_idea(commune=territory.medoc_commune, domain="logement")
    elif used_by == "call":
        call = factories.make_call(domains=["logement"])
        assert [d.slug for d in factories.call_services.get_call(call.slug).domains] == ["logement"]
    else:
        from app.accompaniment.services import add_partner

        add_partner(territory.medoc, factories.make_user(is_admin=True), "CCAS", "", "", ["logement"])
    with pytest.raises(taxonomy.TaxonomyError):
        taxonomy.delete(domain)


# --- Sub-domains on ideas and proposals ---------------------------------------------------------


def test_an_idea_names_a_sub_domain_of_its_domain_only(resident_client, territory):
    pair = db.session.scalar(select(SubDomain).where(SubDomain.slug == "pair-aidance"))
    form = {
        "title": "Des aidants qui s'entraident",
        "description": "Un groupe de pair-aidance pour les aidants familiaux.",
        "commune_id": territory.medoc_commune.id,
        "domain": "alimentation",
        "subdomain": str(pair.id),
        "publics": ["femmes"],
    }
    response = resident_client.post("/idees/nouvelle", data=form)
    assert response.status_code == 422
    assert field_error(response, "subdomain") == "Ce sous-domaine n'appartient pas au domaine choisi."
    form["domain"] = "sante"
    response = resident_client.post("/idees/nouvelle", data=form)
    assert response.status_code == 302
    page = text(resident_client.get(response.headers["Location"]))
    assert "Santé, bien-être et handicap" in page and "Favoriser la pair-aidance" in page


def test_a_proposal_s_sub_domain_is_kept_in_its_history_with_today_s_labels(admin_client, member, territory):
    from app.proposals import services as proposal_services

    association = factories.make_association("Aidants du Médoc", territory.medoc_commune, admins=[member])
    proposal = factories.make_proposal(association, member, communes=(territory.medoc_commune,), via_services=True)
    pair = db.session.scalar(select(SubDomain).where(SubDomain.slug == "pair-aidance"))
    result = proposal_services.update_proposal(
        proposal_services.get_proposal(proposal.id),
        {"domain": "sante", "subdomain": str(pair.id)},
        expected_version=proposal.version,
        author_id=member.id,
    )
    assert result.changed == ["domain", "subdomain"]
    # Renamed afterwards: the history shows today's labels (snapshots keep slugs and ids).
    taxonomy.rename(pair, "Pair-aidance entre aidants")
    history = text(admin_client.get(f"/propositions/{proposal.id}/historique"))
    assert "Sous-domaine" in history and "Pair-aidance entre aidants" in history
    assert "Santé, bien-être et handicap" in history and "Citoyenneté sociale" in history
    # Another domain without naming a sub-domain drops the one of the old domain.
    current = proposal_services.get_proposal(proposal.id)
    proposal_services.update_proposal(
        current, {"domain": "alimentation"}, expected_version=current.version, author_id=member.id
    )
    assert proposal_services.get_proposal(proposal.id).subdomain is None
