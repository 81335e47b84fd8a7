"""My data in the real browser: a resident asks for a copy, opens the e-mailed link, downloads
the zip; its JSON and HTML hold her contributions and no one else's e-mail or name."""

import io
import json
import re
import zipfile
from pathlib import Path

from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login, screenshots
from tests.test_mydata import rich_world


def _link(base_url: str, recipient: str) -> str:
    from app.extensions import db
    from app.models import OutboxMessage

    db.session.expire_all()
    message = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
    )
    assert message.subject.startswith("La copie de vos données")
    return base_url + re.search(r"https?://[^/\s]+(/compte/mes-donnees/\S+)", message.body).group(1)


def test_a_resident_downloads_her_data(page: Page, base_url: str, app):
    territory = factories.make_territory()
    resident = factories.make_user("Camille Habitante", email="camille.privee@exemple.fr")
    world = rich_world(territory, resident)

    login(page, resident.email, factories.PASSWORD)
    section = page.get_by_role("region", name="Mes données")
    section.get_by_role("button", name="Recevoir une copie de mes données").click()
    expect(page.locator(".flashes")).to_contain_text("le lien vient de vous être envoyé par courriel")
    expect(page.get_by_role("region", name="Mes données")).to_contain_text("Votre copie est prête")
    assert_accessible(page)

    page.goto(_link(base_url, resident.email))
    expect(page.locator("h1")).to_have_text("Télécharger mes données")
    assert_accessible(page, viewports=("desktop", "mobile"))
    screenshots(page, "mydata-download")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Télécharger l'archive").click()
    download = download_info.value
    assert re.fullmatch(r"mes-donnees-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    data = json.loads(archive.read("donnees.json"))
    readable = archive.read("donnees.html").decode()

    assert [i["titre"] for i in data["idees"]] == ["Un four à pain partagé"]
    assert [c["texte"] for c in data["commentaires"]] == ["Je peux prêter des bocaux."]
    assert {p["titre"] for p in data["propositions"]} == {"Cuisine mobile", "Jardins ouvriers"}
    for text in ("Un four à pain partagé", "Je peux prêter des bocaux.", "Cuisine mobile", resident.email):
        assert text in readable
    for person in world["others"]:
        assert person.email not in readable and person.email not in json.dumps(data)
    assert "Gaspard Signaleur" not in readable + json.dumps(data, ensure_ascii=False)

    # The readable copy is a page of its own (opened apart from the site, as from the zip):
    # accessible, and nothing fetched from anywhere.
    offline = page.context.new_page()
    requests = []
    offline.on("request", lambda request: requests.append(request.url))
    offline.set_content(readable)
    expect(offline.locator("h1")).to_contain_text("Mes données sur")
    assert requests == []
    assert_accessible(offline, viewports=("desktop", "mobile"))
    screenshots(offline, "mydata-export-html")
    offline.close()

    # Downloaded once: the link now says so, and the account page offers a new copy.
    page.goto(_link(base_url, resident.email))
    expect(page.locator(".flashes")).to_contain_text("Ce lien ne donne plus rien")
    expect(page.get_by_role("button", name="Recevoir une copie de mes données")).to_be_visible()
    screenshots(page, "mydata-account")


def test_the_privacy_page_links_to_the_copy(page: Page, app):
    resident = factories.make_user("Camille Habitante")
    page.goto("/donnees-personnelles")
    expect(page.get_by_role("heading", name="Les traitements")).to_be_visible()
    assert_accessible(page, viewports=("desktop", "mobile"))
    screenshots(page, "privacy")
    page.get_by_role("link", name="Recevoir une copie de mes données").click()
    expect(page).to_have_url(re.compile(r"/connexion"))
    page.get_by_label("Adresse e-mail").fill(resident.email)
    page.get_by_label("Mot de passe", exact=True).fill(factories.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("region", name="Mes données")).to_be_visible()
