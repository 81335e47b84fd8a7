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
        "Plateforme participative est proposé par la collectivité."
    )
    login(admin, ADMIN_EMAIL, PASSWORD)
    admin.goto("/admin/")
    setup = admin.get_by_role("region", name="Mise en route")
    expect(setup).to_contain_text("1 étape(s) faite(s) sur")
    expect(setup.locator(".setup-step--done")).to_have_count(1)  # the default questions the migration gives
    assert_accessible(admin)
    screenshots(admin, "empty-platform-admin-home")


def set_the_identity(admin: Page) -> None:
    admin.get_by_role("link", name="Renseigner l'identité de la collectivité").click()
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
    expect(admin.get_by_role("contentinfo")).to_contain_text("Solidarités Lyon est proposé par la Métropole de Lyon.")


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
    admin.get_by_label(re.compile("Métropole de Lyon")).check()
    admin.get_by_label("Unité des nouvelles communes").select_option(label="Val de Saône")
    admin.get_by_role("button", name="Importer").click()
    expect(admin.locator(".flashes")).to_contain_text("58 commune(s) créée(s)")
    admin.goto("/admin/territoire/communes?q=villeurb")
    row = admin.locator("tr", has_text="Villeurbanne")
    row.get_by_label("Unité de Villeurbanne").select_option(label="Rhône amont")
    row.get_by_role("button", name="Enregistrer").click()
    expect(row).to_contain_text("Enregistré.")


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
    finally:
        people.close()
