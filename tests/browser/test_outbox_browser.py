"""The administration page lists the e-mails given up on, readable at 375 and 1280 px (issue 14,
finding 2)."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from app.demo import DEMO_PASSWORD, load_demo
from app.extensions import db
from app.models.base import utcnow
from app.outbox import MAX_ATTEMPTS, queue_email
from tests.browser.axe import VIEWPORTS, assert_accessible
from tests.browser.conftest import login


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_dead_letters_and_retries_are_shown_to_the_administrator(page: Page, app, viewport):
    load_demo()
    dead = queue_email("inconnu@exemple.fr", "Invitation à rejoindre « Les Jardins du Médoc »", "Bonjour")
    dead.attempts, dead.failed_at = MAX_ATTEMPTS, utcnow()
    dead.last_error = "SMTPRecipientsRefused: {'inconnu@exemple.fr': (550, b'5.1.1 Mailbox unavailable')}"
    waiting = queue_email("camille@exemple.fr", "Tisser : nouvelle réponse", "Bonjour")
    waiting.attempts, waiting.next_attempt_at = 1, utcnow() + timedelta(minutes=5)
    waiting.last_error = "SMTPServerDisconnected: Connection unexpectedly closed"
    db.session.commit()
    page.set_viewport_size(VIEWPORTS[viewport])
    login(page, "admin@tisser.demo", DEMO_PASSWORD)
    page.goto("/admin/")
    section = page.get_by_role("region", name="Courriels abandonnés")
    expect(section).to_contain_text("inconnu@exemple.fr")
    expect(section).to_contain_text("550")
    assert_accessible(page)
    page.goto("/admin/courriels")
    expect(page.locator("main")).to_contain_text(f"abandonné après {MAX_ATTEMPTS} essais")
    expect(page.locator("main")).to_contain_text("1 essai échoué, nouvel essai après le")
    assert_accessible(page)
