"""Issue 16, first "Done when": a collectivity set up from an EMPTY database through the back office only.

The database is new and migrated to head; the set-up command creates the administrator; from then
on everything is done in Chromium, as people would: no factories, no demo loader, no service called
from the test (the test only reads the outbox's links, as a person reads their mail). The back
office sets the identity, imports the shipped COG slice of the Métropole de Lyon into two units,
creates two domains with sub-domains and publics, a call with its own three questions and its
criteria, appoints a moderator and an outside evaluator who registered through the normal page;
then a resident, an association and that moderator walk the core journey on it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select
from werkzeug.serving import make_server

from app import create_app
from app.calls import services as call_services
from app.extensions import db
from app.models import OutboxMessage
from app.models.base import utcnow
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots
from tests.conftest import PG_CLUSTER, _base_config

PASSWORD = "une phrase de passe solide"
# The taxonomies the administrator creates: nothing of Gironde's.
DOMAINS = {
    "Climat et solidarités": ("Mobilité solidaire", "Précarité énergétique"),
    "Développement social": ("Accès aux droits", "Lien social"),
}
PUBLICS = ("Familles monoparentales", "Personnes âgées")
LEGAL_FORMS = ("Association loi 1901", "Entreprise de l'économie sociale et solidaire")
DOMAIN, PUBLIC, LEGAL_FORM = "Climat et solidarités", PUBLICS[0], LEGAL_FORMS[0]
ADMIN_EMAIL = "numerique@collectivite.fr"


@dataclass
class Platform:
    app: Flask
    url: str


@pytest.fixture
def empty_platform(request: pytest.FixtureRequest, database_url: str, tmp_path) -> Iterator[Platform]:
    """A database of its own, migrated to head and never written by the test; a live server on it
    configured as a real instance (no preset shown until the identity is set)."""
    if request.config.getoption("--db") == "postgresql":
        url = request.config.stash[PG_CLUSTER].create_database("tisser_empty_platform")
    else:
        url = f"sqlite:///{tmp_path / 'empty-platform.sqlite3'}"
    app = create_app({**_base_config(url), "IDENTITY_FALLBACK_PRESET": None, "IDENTITY_CACHE_SECONDS": 0})
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="tisser-empty-platform", daemon=True)
    thread.start()
    try:
        yield Platform(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


def _paris(dt) -> str:
    return call_services.utc_to_paris(dt).strftime("%Y-%m-%dT%H:%M")


def _last_link_sent_to(platform: Platform, email: str) -> str:
    """The link of the last e-mail sent to this address, as its reader would follow it."""
    with platform.app.app_context():
        body = db.session.scalar(
            select(OutboxMessage.body)
            .where(OutboxMessage.recipient == email)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    assert body is not None, f"no e-mail to {email}"
    link = re.search(r"https?://\S+", body)
    assert link, body
    return urlsplit(link.group(0)).path


class People:
    """One browser context per person, all watched for console errors and server errors."""

    def __init__(self, browser: Browser, platform: Platform, problems) -> None:
        self.browser, self.platform, self.problems = browser, platform, problems
        self.contexts: list[BrowserContext] = []

    def new(self) -> Page:
        context = self.browser.new_context(base_url=self.platform.url, locale="fr-FR", timezone_id="Europe/Paris")
        self.contexts.append(context)
        return self.problems.watch(context.new_page())

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def register(people: People, name: str, email: str, *, confirm: bool = True) -> Page:
    """Registers through the public page (and confirms the address through the e-mail's link)."""
    page = people.new()
    page.goto("/inscription")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Nom public").fill(name)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_label("Confirmez le mot de passe").fill(PASSWORD)
    page.get_by_label(re.compile("J'ai lu comment")).check()
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.locator(".flashes")).to_contain_text("Votre compte est créé")
    if confirm:
        page.goto(_last_link_sent_to(people.platform, email))
        page.get_by_role("button", name="Confirmer mon adresse").click()
        expect(page.locator(".flashes")).to_contain_text("Votre adresse e-mail est confirmée")
    return page


def set_up_the_administrator(platform: Platform) -> None:
    env = {
        "TISSER_ADMIN_EMAIL": ADMIN_EMAIL,
        "TISSER_ADMIN_NAME": "Service numérique",
        "TISSER_ADMIN_PASSWORD": PASSWORD,
    }
    # Its own app context: the command would otherwise run in the one the test fixtures pushed.
    with platform.app.app_context():
        result = platform.app.test_cli_runner().invoke(args=["setup", "admin"], env=env, input="")
    assert result.exit_code == 0, result.output


def first_log_in(admin: Page) -> None:
    """What an administrator sees first: neutral wording, and every step of the set-up to do."""
    admin.goto("/")
    expect(admin.locator("body")).not_to_contain_text("Gironde")
    expect(admin.get_by_role("contentinfo")).to_contain_text(
        "Plateforme participative, une plateforme proposée par la collectivité."
    )
    login(admin, ADMIN_EMAIL, PASSWORD)
    admin.goto("/admin/")
    setup = admin.get_by_role("region", name="Mise en route")
    expect(setup).to_contain_text("1 étape(s) faite(s) sur 7")
    expect(setup.locator(".setup-step--done")).to_have_count(1)  # the default questions the migration gives
    assert_accessible(admin)
    screenshots(admin, "empty-platform-admin-home")


def set_the_identity(admin: Page) -> None:
    admin.get_by_role("link", name="Donner le nom de la collectivité et de ses unités").click()
    expect(admin.get_by_label("Nom d'une unité territoriale")).to_have_value("unité territoriale")
    admin.get_by_label("Nom de la collectivité").fill("Métropole de Lyon")
    admin.get_by_role("group", name="Genre du nom de la collectivité").get_by_label("féminin").check()
    admin.get_by_label("Nom de la plateforme").fill("Solidarités Lyon")
    admin.get_by_label("Nom d'une unité territoriale").fill("Maison de la Métropole pour les solidarités")
    admin.get_by_label("Le même au pluriel").fill("Maisons de la Métropole pour les solidarités")
    admin.get_by_label("Forme courte", exact=True).fill("Maison")
    admin.get_by_label("Forme courte au pluriel").fill("Maisons")
    admin.get_by_role("group", name="Genre du nom des unités").get_by_label("féminin").check()
    admin.get_by_role("button", name="Enregistrer").click()
    expect(admin.locator(".flashes")).to_contain_text("est enregistrée")
    expect(admin.get_by_role("contentinfo")).to_contain_text(
        "Solidarités Lyon, une plateforme proposée par la Métropole de Lyon."
    )
    assert_accessible(admin, viewports=("desktop",))


def set_up_the_territory(admin: Page) -> None:
    """Two units; the official communes imported into one, one of them moved to the other."""
    admin.goto("/admin/")
    admin.get_by_role("link", name="Créer les unités territoriales").click()
    for name in ("Rhône amont", "Val de Saône"):
        admin.get_by_label("Nom").fill(name)
        admin.get_by_role("button", name="Créer l'unité").click()
        expect(admin.locator(".flashes")).to_contain_text(f"L'unité « {name} » est créée.")
    assert_accessible(admin, viewports=("desktop",))
    admin.goto("/admin/territoire/importer")
    assert_accessible(admin, viewports=("desktop",))
    admin.get_by_label(re.compile("Métropole de Lyon")).check()
    admin.get_by_label("Unité des nouvelles communes").select_option(label="Val de Saône")
    admin.get_by_role("button", name="Importer").click()
    expect(admin.locator(".flashes")).to_contain_text("58 commune(s) créée(s)")
    admin.goto("/admin/territoire/communes?q=villeurb")
    row = admin.locator("tr", has_text="Villeurbanne")
    row.get_by_label("Unité de Villeurbanne").select_option(label="Rhône amont")
    row.get_by_role("button", name="Enregistrer").click()
    expect(row).to_contain_text("Enregistré.")
    assert_accessible(admin, viewports=("desktop",))


def set_up_the_taxonomies(admin: Page) -> None:
    admin.goto("/admin/")
    admin.get_by_role("link", name="Définir les domaines, les publics et les formes juridiques").click()
    flashes = admin.locator(".flashes")
    for domain, subdomains in DOMAINS.items():
        admin.get_by_role("region", name="Domaines et sous-domaines").get_by_label("Nouveau domaine").fill(domain)
        admin.get_by_role("button", name="Ajouter le domaine").click()
        expect(flashes).to_contain_text(f"« {domain} » est ajouté")
        for subdomain in subdomains:
            admin.get_by_label(f"Nouveau sous-domaine de « {domain} »").fill(subdomain)
            admin.locator("li.taxonomy-value", has_text=domain).first.get_by_role(
                "button", name="Ajouter le sous-domaine"
            ).click()
            expect(flashes).to_contain_text(f"« {subdomain} » est ajouté sous « {domain} »")
    for title, values in (("Publics visés", PUBLICS), ("Formes juridiques des structures", LEGAL_FORMS)):
        for value in values:
            section = admin.get_by_role("region", name=title)
            section.get_by_label("Nouvelle valeur").fill(value)
            section.get_by_role("button", name="Ajouter", exact=True).click()
            expect(flashes).to_contain_text(f"« {value} » est ajouté")
    assert_accessible(admin, viewports=("desktop",))


CALL = "Fonds d'innovation sociale 2027"
QUESTIONS = (
    ("Le besoin", "Quel besoin, pour qui, constaté comment ?"),
    ("Climat et justice sociale", "Ce que le projet change pour le climat et pour les plus fragiles."),
    ("Essaimage", "Ce qui pourrait être reproduit sur un autre territoire."),
)


def create_the_call(admin: Page) -> str:
    """A call with its criteria, then its own three questions in place of the default ones."""
    admin.goto("/admin/")
    admin.get_by_role("link", name="Créer un appel à projets").click()
    admin.get_by_role("link", name=re.compile("Nouvel appel|Créer un appel")).first.click()
    admin.get_by_label("Titre").fill(CALL)
    admin.get_by_label("Financeur").fill("Métropole de Lyon")
    admin.get_by_label("Résumé").fill("Des initiatives qui allient transition climatique et justice sociale.")
    admin.get_by_label("Enveloppe totale (en euros)").fill("1000000")
    admin.get_by_label("Subvention maximum (en euros)").fill("50000")
    admin.get_by_label("Ouverture (heure de Paris)").fill(_paris(utcnow() - timedelta(days=1)))
    admin.get_by_label("Clôture (heure de Paris)").fill(_paris(utcnow() + timedelta(days=30)))
    admin.get_by_label(LEGAL_FORM).check()
    admin.get_by_label("Grille d'évaluation").fill("Besoin avéré | 1\nClimat et justice sociale | 2\nEssaimage | 1")
    admin.get_by_role("button", name="Enregistrer l'appel").click()
    expect(admin.locator(".flashes")).to_contain_text("L'appel est enregistré")
    assert_accessible(admin, viewports=("desktop",))

    admin.goto("/appels/gestion")
    admin.get_by_role("link", name="Questions").first.click()
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Questions de l'appel")
    # The call started from the default questions: it asks its own instead.
    retire = admin.locator(".question-list").get_by_role("button", name=re.compile("^Retirer"))
    while retire.count():
        retire.first.click()
        expect(admin.get_by_text("La question est supprimée")).to_be_visible()
    for label, help_text in QUESTIONS:
        admin.get_by_label("Intitulé de la question").fill(label)
        admin.get_by_label("Aide affichée sous la question").fill(help_text)
        admin.get_by_label("Réponse obligatoire pour publier et pour déposer").check()
        admin.get_by_role("button", name="Ajouter la question").click()
        expect(admin.get_by_text("La question est ajoutée.")).to_be_visible()
    expect(admin.locator(".question-list > li h2")).to_have_text([label for label, _help in QUESTIONS])
    assert_accessible(admin, viewports=("desktop",))
    return admin.url


def appoint(admin: Page, email: str, role: str, *, unit: str | None = None, call: str | None = None) -> None:
    admin.goto("/admin/")
    admin.get_by_role("link", name="Personnes et rôles").click()
    admin.get_by_label("Nom ou adresse e-mail").fill(email)
    admin.get_by_role("button", name="Chercher").click()
    admin.locator("main table").get_by_role("link").first.click()
    form = admin.get_by_role("region", name="Confier un rôle")
    form.get_by_label("Rôle à confier").select_option(role)
    if unit:
        form.get_by_label("Maison").select_option(label=unit)
    if call:
        form.get_by_label("Appel à projets").select_option(label=call)
    form.get_by_label("Motif").fill("Mise en route de la plateforme")
    form.get_by_role("button", name="Confier ce rôle").click()
    expect(admin.locator(".flash--success")).to_be_visible()
    assert_accessible(admin, viewports=("desktop",))


def create_an_association(member: Page) -> None:
    member.goto("/associations/nouvelle")
    member.get_by_label("Nom de la structure").fill("Vélos Solidaires Villeurbanne")
    member.get_by_label(LEGAL_FORM).check()
    member.get_by_label("Commune du siège").fill("Villeurbanne")
    member.get_by_role("button", name="Inscrire la structure").click()
    expect(member.locator(".flashes")).to_contain_text("Vélos Solidaires Villeurbanne")


def verify_the_association(admin: Page) -> None:
    admin.goto("/admin/")
    admin.get_by_role("link", name="Vérification des associations").click()
    entry = admin.locator("[id^=verification-]", has_text="Vélos Solidaires Villeurbanne")
    entry.get_by_role("button", name="Vérifier").click()
    expect(entry).to_contain_text("Vérifiée")
    assert_accessible(admin, viewports=("desktop",))


def post_an_idea(resident: Page) -> str:
    resident.goto("/idees/nouvelle")
    resident.get_by_label("Titre").fill("Des vélos cargos pour les familles")
    resident.get_by_label("Description").fill("Sans voiture, les familles peinent à faire leurs courses au marché.")
    resident.get_by_label("Commune où vous constatez ce besoin").fill("Villeurbanne")
    resident.get_by_label(DOMAIN).check()
    resident.get_by_label("Sous-domaine (facultatif)").select_option(label="Mobilité solidaire")
    resident.get_by_label(PUBLIC, exact=True).check()
    resident.get_by_role("button", name="Publier mon idée").click()
    expect(resident.locator(".flashes")).to_contain_text("Votre idée est publiée")
    expect(resident.locator("main")).to_contain_text("Mobilité solidaire")
    assert_accessible(resident, viewports=("desktop",))
    return resident.url


def draft_and_publish_for_the_call(member: Page) -> str:
    member.goto("/appels/")
    member.get_by_role("link", name=CALL).first.click()
    member.get_by_role("link", name="Rédiger une proposition pour cet appel").click()
    for label, _help in QUESTIONS:
        expect(member.get_by_label(label)).to_be_visible()
    assert_accessible(member, viewports=("desktop",))
    member.get_by_label("Titre").fill("Vélos cargos partagés")
    member.get_by_label("Résumé").fill("Des vélos cargos prêtés aux familles, entretenus par des jeunes en insertion.")
    member.get_by_label("Le besoin").fill("Les familles du quartier n'ont pas de voiture.")
    member.get_by_label("Climat et justice sociale").fill(
        "Moins de voitures, et des trajets pour ceux qui n'en ont pas."
    )
    member.get_by_label("Essaimage").fill("Un atelier par Maison, sur le même modèle.")
    member.get_by_label(DOMAIN).check()
    member.get_by_label("Sous-domaine (facultatif)").select_option(label="Mobilité solidaire")
    member.get_by_label(PUBLIC, exact=True).check()
    member.get_by_label("Rhône amont", exact=True).check()
    member.get_by_label("Budget demandé (en euros)").fill("30000")
    member.get_by_label("Durée de l'expérimentation (en mois)").fill("12")
    member.get_by_role("button", name="Enregistrer").click()
    expect(member.locator(".flashes")).to_contain_text("enregistré")
    member.get_by_role("button", name="Publier").click()
    expect(member.locator(".flashes")).to_contain_text("La proposition est publiée")
    expect(member.get_by_role("heading", name="Climat et justice sociale")).to_be_visible()
    return member.url


def comment_and_support(resident: Page, proposal_url: str) -> None:
    resident.goto(proposal_url)
    resident.wait_for_function("() => window.htmx !== undefined")
    resident.locator("#comment-form").get_by_label("Votre message").fill("Pensez aux familles du haut de la colline !")
    resident.locator("#comment-form").get_by_role("button", name="Publier").click()
    expect(resident.locator("#comment-threads")).to_contain_text("Pensez aux familles du haut de la colline !")
    resident.get_by_role("button", name="Soutenir").click()
    expect(resident.get_by_role("button", name="Soutenir")).to_have_attribute("aria-pressed", "true")
    expect(resident.get_by_role("status").filter(has_text="soutien")).to_have_text("1 soutien")


def report_the_comment(member: Page, proposal_url: str) -> None:
    member.goto(proposal_url)
    member.wait_for_function("() => window.htmx !== undefined")
    member.get_by_role("link", name="Signaler le message de Rose Habitante").click()
    opened = member.locator(".report-slot", has=member.get_by_role("radio", name="Spam"))
    slot = member.locator(f"#{opened.get_attribute('id')}")
    slot.get_by_label("Spam").check()
    slot.get_by_role("button", name="Envoyer le signalement").click()
    expect(slot).to_contain_text("Merci, votre signalement est transmis")


def moderator_sees_the_report(moderator: Page) -> None:
    moderator.goto("/moderation/")
    expect(moderator.locator("h1")).to_contain_text("Rhône amont")
    case = moderator.locator("article.case").filter(has_text="Pensez aux familles du haut de la colline !")
    expect(case).to_contain_text("1 signalement")
    assert_accessible(moderator, viewports=("desktop",))


def submit_to_the_call(member: Page, proposal_url: str) -> None:
    member.goto(proposal_url)
    member.get_by_role("link", name=f"Vérifier l'éligibilité et déposer à « {CALL} »").click()
    assert_accessible(member, viewports=("desktop",))
    member.get_by_role("button", name="Déposer la proposition").click()
    expect(member.locator(".flashes")).to_contain_text("La proposition est déposée")


def evaluate(admin: Page, evaluator: Page, proposal_title: str) -> None:
    admin.goto("/appels/gestion")
    admin.get_by_role("link", name=re.compile("Instruction")).first.click()
    admin.get_by_label("Affecter un évaluateur").select_option(label="Élise Experte")
    admin.get_by_role("button", name="Affecter").click()
    expect(admin.locator(".flashes")).to_contain_text("évaluera")
    evaluator.goto("/appels/")
    evaluator.get_by_role("link", name=CALL).first.click()
    evaluator.goto(evaluator.url.rstrip("/") + "/classement")
    evaluator.get_by_role("link", name=proposal_title).first.click()
    assert_accessible(evaluator, viewports=("desktop",))
    for radio in evaluator.locator("input[type=radio][name^=score-][value='3']").all():
        radio.check()
    evaluator.get_by_role("button", name="Finaliser l'évaluation").click()
    expect(evaluator.locator(".flashes")).to_contain_text("Votre évaluation est finalisée")


def test_a_collectivity_is_set_up_from_an_empty_database_and_used(
    browser: Browser, empty_platform: Platform, page_problems
):
    set_up_the_administrator(empty_platform)
    people = People(browser, empty_platform, page_problems)
    try:
        admin = people.new()
        first_log_in(admin)
        set_the_identity(admin)
        set_up_the_territory(admin)
        set_up_the_taxonomies(admin)
        create_the_call(admin)

        # People register through the public page; the administrator gives two of them their roles.
        moderator = register(people, "Morgane Vidal", "morgane@exemple.fr")
        evaluator = register(people, "Élise Experte", "elise@exemple.fr")
        resident = register(people, "Rose Habitante", "rose@exemple.fr")
        member = register(people, "Marc Associatif", "marc@exemple.fr")
        appoint(admin, "morgane@exemple.fr", "moderator", unit="Rhône amont")
        appoint(admin, "elise@exemple.fr", "evaluator", call=CALL)
        create_an_association(member)
        verify_the_association(admin)
        admin.goto("/admin/")
        expect(admin.get_by_role("region", name="Mise en route")).to_have_count(0)

        # The core journey on the new collectivity.
        post_an_idea(resident)
        proposal_url = draft_and_publish_for_the_call(member)
        comment_and_support(resident, proposal_url)
        report_the_comment(member, proposal_url)
        moderator_sees_the_report(moderator)
        submit_to_the_call(member, proposal_url)
        evaluate(admin, evaluator, "Vélos cargos partagés")
    finally:
        people.close()
