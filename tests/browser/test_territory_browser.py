"""The territory in Chromium: the back office's editors, and commune type-aheads with and without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Commune, Idea, Pole
from app.territory import OfficialCommune, import_communes, load_slice
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _gironde(territory) -> None:
    import_communes(load_slice("gironde-33").communes, territory.bassin)
    import_communes([OfficialCommune("86246", "Saint-Savin")], territory.medoc)
    db.session.commit()


def _no_js_page(browser: Browser, base_url: str, page_problems, user) -> Page:
    context = browser.new_context(base_url=base_url, locale="fr-FR", java_script_enabled=False)
    page = page_problems.watch(context.new_page())
    login(page, user.email, factories.PASSWORD)
    return page


def test_admin_edits_units_and_communes(page: Page, app, territory, admin):
    _gironde(territory)
    login(page, admin.email, factories.PASSWORD)
    page.goto("/admin/")
    page.get_by_role("link", name="Territoire : unités et communes").click()
    expect(page.locator("h1")).to_have_text("Territoire")
    page.get_by_label("Nom").fill("Graves")
    page.get_by_label("Description").fill("Au sud-ouest de la métropole.")
    page.get_by_role("button", name="Créer l'unité").click()
    expect(page.locator(".flashes")).to_contain_text("L'unité « Graves » est créée.")
    assert_accessible(page)

    # The communes: a search that narrows as one types (htmx), then one row saved in place.
    page.get_by_role("link", name=re.compile("Communes : rattacher")).click()
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.locator("#results [role=status]")).to_have_text("535 communes")
    assert_accessible(page)
    page.get_by_label("Nom ou code INSEE").fill("pessac")
    expect(page.locator("#results [role=status]")).to_have_text("2 communes")  # and Pessac-sur-Dordogne
    page.get_by_label("Nom ou code INSEE").fill("33318")
    expect(page.locator("#results [role=status]")).to_have_text("1 commune")
    expect(page).to_have_url(re.compile(r"q=33318"))
    pessac = db.session.scalar(select(Commune).where(Commune.insee_code == "33318"))
    row = page.locator(f"#commune-{pessac.id}")
    row.get_by_label("Unité de Pessac").select_option(label="Graves")
    row.get_by_label("Quartier prioritaire").check()
    with page.expect_response(re.compile(rf"/communes/{pessac.id}$")) as saved:
        row.get_by_role("button", name="Enregistrer").click()
    assert saved.value.status == 200
    expect(page.locator(f"#commune-{pessac.id} [role=status]")).to_have_text("Enregistré.")
    expect(page).to_have_url(re.compile(r"q=33318"))  # still the same list
    db.session.expire_all()
    graves = db.session.scalar(select(Pole).where(Pole.name == "Graves"))
    assert (db.session.get(Commune, pessac.id).pole_id, db.session.get(Commune, pessac.id).has_qpv) == (graves.id, True)

    page.goto("/admin/territoire/importer")
    assert_accessible(page)
    page.goto(f"/admin/territoire/unites/{graves.id}")
    assert_accessible(page)


def test_without_javascript_the_admin_moves_a_commune_and_imports_a_slice(
    browser: Browser, base_url: str, app, territory, admin, page_problems
):
    page = _no_js_page(browser, base_url, page_problems, admin)
    page.goto("/admin/territoire/importer")
    page.get_by_label(re.compile("Métropole de Lyon")).check()
    page.get_by_label("Unité des nouvelles communes").select_option(label="Bassin")
    page.get_by_role("button", name="Importer").click()
    expect(page.locator(".flashes")).to_contain_text("58 commune(s) créée(s)")
    page.goto("/admin/territoire/communes?q=villeurb")
    villeurbanne = db.session.scalar(select(Commune).where(Commune.insee_code == "69266"))
    row = page.locator(f"#commune-{villeurbanne.id}")
    row.get_by_label("Unité de Villeurbanne").select_option(label="Médoc")
    row.get_by_role("button", name="Enregistrer").click()
    expect(page.locator(".flashes")).to_contain_text("Villeurbanne est enregistrée.")
    expect(page).to_have_url(re.compile(r"q=villeurb"))
    db.session.expire_all()
    assert db.session.get(Commune, villeurbanne.id).pole_id == territory.medoc.id
    page.context.close()


def _idea(page: Page, commune: str) -> None:
    page.goto("/idees/nouvelle")
    page.get_by_label("Titre").fill("Un lieu pour les familles")
    page.get_by_label("Description").fill("Les familles manquent d'un lieu pour se retrouver le samedi.")
    page.get_by_label("Commune où vous constatez ce besoin").fill(commune)
    page.get_by_label("Solidarité alimentaire").check()
    page.get_by_label("Seniors").check()
    page.get_by_role("button", name="Publier mon idée").click()


def test_a_resident_types_part_of_a_commune_name_with_javascript(page: Page, app, territory, resident):
    _gironde(territory)
    login(page, resident.email, factories.PASSWORD)
    page.goto("/idees/nouvelle")
    suggestions = page.locator("#commune_id-choices option")
    expect(suggestions).to_have_count(535)
    # The browser's suggestions are "Nom (code)"; an ambiguous name is refused, what was typed kept.
    _idea(page, "Saint-Savin")
    expect(page.locator("#commune_id-error")).to_contain_text("Plusieurs communes correspondent à « Saint-Savin »")
    expect(page.get_by_label("Commune où vous constatez ce besoin")).to_have_value("Saint-Savin")
    assert_accessible(page)
    field = page.get_by_label("Commune où vous constatez ce besoin")
    field.fill("Saint-Savin (33473)")
    page.get_by_role("button", name="Publier mon idée").click()
    expect(page.locator(".flashes")).to_contain_text("Votre idée est publiée")
    # Part of a name that only one commune starts with is enough.
    _idea(page, "Lormo")
    expect(page.locator(".flashes")).to_contain_text("Votre idée est publiée")
    communes = [
        db.session.get(Commune, i.commune_id).insee_code for i in db.session.scalars(select(Idea).order_by(Idea.id))
    ]
    assert communes == ["33473", "33249"]


def test_a_resident_types_a_commune_without_javascript(
    browser: Browser, base_url: str, app, territory, resident, page_problems
):
    _gironde(territory)
    page = _no_js_page(browser, base_url, page_problems, resident)
    _idea(page, "Atlantide")
    expect(page.locator("#commune_id-error")).to_contain_text("Aucune commune ne s'appelle « Atlantide »")
    expect(page.get_by_label("Titre")).to_have_value("Un lieu pour les familles")
    page.get_by_label("Commune où vous constatez ce besoin").fill("pessac")
    page.get_by_role("button", name="Publier mon idée").click()
    expect(page.locator(".flashes")).to_contain_text("Votre idée est publiée")
    expect(page.locator("main")).to_contain_text("Pessac")
    page.context.close()


def test_the_filter_type_ahead_narrows_by_unit_and_filters(
    browser: Browser, base_url: str, page: Page, app, territory, page_problems
):
    _gironde(territory)
    factories.make_idea(
        title="Idée à Pessac", commune=db.session.scalar(select(Commune).where(Commune.insee_code == "33318"))
    )
    factories.make_idea(title="Idée à Lesparre", commune=territory.medoc_commune)
    # Without JavaScript: a typed name filters once the form is sent; an unknown one says so.
    context = browser.new_context(base_url=base_url, locale="fr-FR", java_script_enabled=False)
    nojs = page_problems.watch(context.new_page())
    nojs.goto("/idees/")
    nojs.get_by_label("Commune").fill("Pessac (33318)")
    nojs.get_by_role("button", name=re.compile("Filtrer|Appliquer|Rechercher")).first.click()
    expect(nojs.locator("#results")).to_contain_text("Idée à Pessac")
    expect(nojs.locator("#results")).not_to_contain_text("Idée à Lesparre")
    nojs.goto("/idees/?commune=Atlantide")
    expect(nojs.locator("#filter-commune-error")).to_contain_text("Aucune commune ne correspond à « Atlantide »")
    context.close()
    # With htmx: the unit narrows the suggestions, Enter filters in place.
    page.goto("/idees/")
    page.wait_for_function("() => window.htmx !== undefined")
    expect(page.locator("#filter-commune-choices option")).to_have_count(535)
    page.get_by_label("Pôle territorial").select_option(label="Médoc")
    expect(page.locator("#filter-commune-choices option")).to_have_count(2)
    page.get_by_label("Commune").fill("Lesparre")
    page.get_by_label("Commune").press("Enter")
    expect(page).to_have_url(re.compile(r"commune=Lesparre"))
    expect(page.locator("#results")).to_contain_text("Idée à Lesparre")
    expect(page.locator("#results")).not_to_contain_text("Idée à Pessac")
    assert_accessible(page, viewports=("desktop",))
