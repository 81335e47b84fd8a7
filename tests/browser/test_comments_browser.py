"""The discussion in the real browser: comment, reply, live update by polling, edit, delete —
with htmx, and the same journey without JavaScript."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from app.extensions import db
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login


def _setup(app):
    territory = factories.make_territory()
    # The two people who talk in the browser tests log in with these e-mails.
    factories.make_user("Camille Habitante", email="camille@exemple.fr")
    factories.make_user("Bertrand Voisin", email="bertrand@exemple.fr")
    owner = factories.make_user("Odile Porteuse")
    idea = factories.make_idea(owner, territory.medoc_commune, title="Un lavoir partagé à Lesparre")
    ids = idea.id
    db.session.commit()
    return f"/idees/{ids}"


def _post_status(page: Page, action) -> int:
    with page.expect_response(lambda r: r.request.method == "POST" and "/commentaires" in r.url) as response:
        action()
    return response.value.status


def test_discussion_with_htmx(page: Page, browser: Browser, base_url: str, app, page_problems):
    url = _setup(app)
    page.on("dialog", lambda dialog: dialog.accept())
    page.clock.install()  # the poll interval is fast-forwarded below, not waited for
    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.goto(url)
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sameDocument = true }")  # gone if the page reloads

    # An empty message: the French error under the form, status 422, nothing posted.
    top_form = page.locator("#comment-form")
    assert _post_status(page, lambda: top_form.get_by_role("button", name="Publier").click()) == 422
    expect(page.locator("#commentaire-body-error")).to_contain_text("Écrivez votre commentaire avant de l'envoyer.")
    expect(page.locator("#comment-count")).to_have_text("Aucun commentaire pour l'instant.")

    # A comment: inserted in place without reload, the form reset, the count updated.
    top_form.get_by_label("Votre message").fill("Il faudrait **un toit** au-dessus du lavoir.")
    assert _post_status(page, lambda: top_form.get_by_role("button", name="Publier").click()) == 200
    first = page.locator("#comment-threads > article").first
    expect(first).to_contain_text("Il faudrait un toit au-dessus du lavoir.")
    expect(first.locator("strong")).to_have_text("un toit")
    expect(first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    expect(page.locator("#comment-form").get_by_label("Votre message")).to_have_value("")
    expect(page.locator("#comment-form .field__error")).to_have_count(0)
    expect(page.locator("#comment-count")).to_have_text("1 commentaire")
    comment_id = first.get_attribute("id")
    assert page.evaluate("() => window.sameDocument") is True

    # Someone else, in another browser, answers.
    other = browser.new_context(base_url=base_url, locale="fr-FR")
    bertrand = page_problems.watch(other.new_page())
    try:
        login(bertrand, "bertrand@exemple.fr", factories.PASSWORD)
        bertrand.goto(url)
        bertrand.wait_for_function("() => window.htmx !== undefined")
        bertrand.locator(f"#{comment_id}").get_by_role("link", name="Répondre à Camille Habitante").click()
        reply_form = bertrand.locator(f"#reponse-{comment_id.removeprefix('comment-')}-form")
        expect(reply_form.get_by_label("Votre message")).to_be_focused()
        reply_form.get_by_label("Votre message").fill("D'accord, et des bancs aussi.")
        assert (
            _post_status(bertrand, lambda: reply_form.get_by_role("button", name="Envoyer la réponse").click()) == 200
        )
        expect(bertrand.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text(
            "D'accord, et des bancs aussi."
        )
        expect(reply_form).to_have_count(0)
        expect(bertrand.locator("#comment-count")).to_have_text("2 commentaires")
    finally:
        other.close()

    # Camille's page, left open, shows the reply after one poll interval, without reload.
    page.clock.run_for(16_000)
    expect(page.locator(f"#replies-{comment_id.removeprefix('comment-')}")).to_contain_text(
        "D'accord, et des bancs aussi.", timeout=10_000
    )
    expect(page.locator("#comment-count")).to_have_text("2 commentaires")
    assert page.evaluate("() => window.sameDocument") is True
    assert_accessible(page)

    # The reply form open under a comment is accessible too.
    page.locator(f"#replies-{comment_id.removeprefix('comment-')}").get_by_role(
        "link", name="Répondre à Bertrand Voisin"
    ).click()
    expect(page.locator(".comment-form--reply")).to_have_count(1)
    assert_accessible(page)

    # Edit in place: "modifié".
    own = page.locator(f"#{comment_id}-main")
    own.get_by_role("link", name="Modifier votre message").click()
    edit_box = page.locator(f"#{comment_id}-main").get_by_label("Votre message")
    expect(edit_box).to_be_focused()
    edit_box.fill("Il faudrait un toit et un banc.")
    assert _post_status(page, lambda: page.get_by_role("button", name="Enregistrer").click()) == 200
    expect(page.locator(f"#{comment_id}-main")).to_contain_text("Il faudrait un toit et un banc.")
    expect(page.locator(f"#{comment_id}-main")).to_contain_text("modifié")

    # Delete: "message supprimé", the reply stays, the count goes down.
    assert (
        _post_status(
            page,
            lambda: page.locator(f"#{comment_id}-main").get_by_role("button", name="Supprimer votre message").click(),
        )
        == 200
    )
    expect(page.locator(f"#{comment_id}-main")).to_have_text("message supprimé")
    expect(page.locator(f"#{comment_id}")).to_contain_text("D'accord, et des bancs aussi.")
    expect(page.locator("#comment-count")).to_have_text("1 commentaire")
    assert page.evaluate("() => window.sameDocument") is True


def test_discussion_without_javascript(browser: Browser, base_url: str, app, page_problems):
    url = _setup(app)
    contexts = []
    try:
        pages = []
        for email in ("camille@exemple.fr", "bertrand@exemple.fr"):
            context = browser.new_context(base_url=base_url, java_script_enabled=False, locale="fr-FR")
            contexts.append(context)
            page = page_problems.watch(context.new_page())
            login(page, email, factories.PASSWORD)
            page.goto(url)
            pages.append(page)
        camille, bertrand = pages

        # An empty message: the page again, with the French error, status 422.
        form = camille.locator("#comment-form")
        assert _post_status(camille, lambda: form.get_by_role("button", name="Publier").click()) == 422
        expect(camille.locator("#commentaire-body-error")).to_contain_text(
            "Écrivez votre commentaire avant de l'envoyer."
        )

        camille.locator("#comment-form").get_by_label("Votre message").fill("Sans JavaScript, ça marche aussi.")
        camille.locator("#comment-form").get_by_role("button", name="Publier").click()
        expect(camille).to_have_url(re.compile(r"/idees/\d+#comment-\d+$"))
        expect(camille.locator(".flashes")).to_contain_text("Votre message est publié.")
        expect(camille.locator("#comment-threads")).to_contain_text("Sans JavaScript, ça marche aussi.")
        expect(camille.locator("#comment-count")).to_have_text("1 commentaire")

        bertrand.reload()
        bertrand.get_by_role("link", name="Répondre à Camille Habitante").click()
        expect(bertrand).to_have_url(re.compile(r"\?repondre=\d+#reponse-\d+$"))
        reply_form = bertrand.locator(".comment-form--reply")
        reply_form.get_by_label("Votre message").fill("Bien reçu, sans script.")
        reply_form.get_by_role("button", name="Envoyer la réponse").click()
        expect(bertrand).to_have_url(re.compile(r"#comment-\d+$"))
        expect(bertrand.locator(".comment__replies").first).to_contain_text("Bien reçu, sans script.")

        # Edit and delete through plain forms.
        camille.reload()
        camille.get_by_role("link", name="Modifier votre message").click()
        expect(camille.get_by_role("heading", name="Modifier votre message")).to_be_visible()
        camille.get_by_label("Votre message").fill("Corrigé sans JavaScript.")
        camille.get_by_role("button", name="Enregistrer").click()
        expect(camille.locator("#comment-threads")).to_contain_text("Corrigé sans JavaScript.")
        expect(camille.locator("#comment-threads")).to_contain_text("modifié")
        camille.get_by_role("button", name="Supprimer votre message").click()
        expect(camille.locator("#comment-threads")).to_contain_text("message supprimé")
        expect(camille.locator("#comment-threads")).to_contain_text("Bien reçu, sans script.")
        expect(camille.locator("#comment-count")).to_have_text("1 commentaire")
    finally:
        for context in contexts:
            context.close()
