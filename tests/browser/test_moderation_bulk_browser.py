"""Several reported items handled at once from the queue, in place with htmx."""

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Idea
from app.moderation import services as moderation
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def test_bulk_hide_in_place(page: Page, app, territory, resident):
    ideas = [factories.make_idea(resident, territory.medoc_commune, title=f"Idée signalée {n}") for n in range(3)]
    reporter = factories.make_user("Signaleuse")
    for idea in ideas:
        moderation.report(reporter, idea, "spam")
    factories.make_user("Modération Médoc", email="medoc@exemple.fr", moderated_pole_id=territory.medoc.id)
    login(page, "medoc@exemple.fr", factories.PASSWORD)
    page.goto(f"/moderation/{territory.medoc.slug}")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sameDocument = true }")
    expect(page.locator("#queue-title")).to_have_text("3 contenus à examiner")
    assert_accessible(page)

    for idea in ideas[:2]:
        page.get_by_role("checkbox", name=f"Idée signalée {idea.title[-1]}").check()
    bulk = page.get_by_role("group", name="Pour les contenus cochés")
    bulk.get_by_label("Action").select_option(label="Masquer")
    bulk.get_by_label("Motif écrit ou précisions").fill("Publicité répétée")
    page.get_by_role("button", name="Appliquer aux contenus cochés").click()
    expect(page.locator(".queue__message")).to_be_visible()
    assert page.evaluate("() => window.sameDocument") is True

    db.session.expire_all()
    hidden = {i.title: i.hidden_at is not None for i in db.session.scalars(select(Idea))}
    assert hidden == {"Idée signalée 0": True, "Idée signalée 1": True, "Idée signalée 2": False}
