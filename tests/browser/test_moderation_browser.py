"""Moderation and accompaniment in the real browser: reports hide a comment behind a placeholder,
the Médoc moderator restores it in place (htmx), the Bassin moderator sees nothing of it; an
association asks for accompaniment, the referent links a partner and a related proposal, the
private exchange stays private; the audit log shows every step. axe on every new page."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Partner, User
from app.models.participation import proposal_poles
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

PLACEHOLDER = "contenu masqué en attente de modération"


def _setup(app):
    territory = factories.make_territory()
    author = factories.make_user("Odile Autrice", email="odile@exemple.fr")
    for n in range(3):
        factories.make_user(f"Voisin {n}", email=f"voisin{n}@exemple.fr")
    factories.make_user("Modération Médoc", email="medoc@exemple.fr", moderated_pole_id=territory.medoc.id)
    factories.make_user("Modération Bassin", email="bassin@exemple.fr", moderated_pole_id=territory.bassin.id)
    factories.make_user("Administration", email="admin@exemple.fr", is_admin=True)
    member = factories.make_user("Dominique Membre", email="membre@exemple.fr")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[member])
    other_member = factories.make_user("Autre Membre")
    other_association = factories.make_association("Bassin Solidaire", territory.bassin_commune, admins=[other_member])
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir partagé")
    with app.test_request_context():
        comment = factories.make_comment(idea, author, "Un message qui sera signalé")
    proposal = factories.make_proposal(association, member, title="Un jardin partagé au Médoc")
    related = factories.make_proposal(other_association, other_member, title="Un potager au Bassin")
    db.session.execute(
        proposal_poles.insert(),
        [
            {"proposal_id": proposal.id, "pole_id": territory.medoc.id},
            {"proposal_id": related.id, "pole_id": territory.bassin.id},
        ],
    )
    db.session.add(Partner(pole_id=territory.medoc.id, organisation="CCAS de Lesparre", service="Aide alimentaire"))
    db.session.commit()
    return {"idea": idea.id, "comment": comment.id, "proposal": proposal.id, "author": author.id}


def _as(browser: Browser, base_url: str, page_problems, email: str) -> Page:
    context = browser.new_context(base_url=base_url, locale="fr-FR")
    page = page_problems.watch(context.new_page())
    login(page, email, factories.PASSWORD)
    return page


def test_moderation_and_accompaniment_journey(page: Page, browser: Browser, base_url: str, app, page_problems):
    ids = _setup(app)
    comment_main = f"#comment-{ids['comment']}-main"

    # Three residents report the comment; at the third it disappears behind a placeholder.
    for n in range(3):
        resident = _as(browser, base_url, page_problems, f"voisin{n}@exemple.fr")
        resident.goto(f"/idees/{ids['idea']}")
        resident.wait_for_function("() => window.htmx !== undefined")
        resident.get_by_role("link", name="Signaler le message de Odile Autrice").click()
        slot = resident.locator(f"#signaler-commentaire-{ids['comment']}")
        slot.get_by_label("Spam").check()
        slot.get_by_role("button", name="Envoyer le signalement").click()
        expect(slot).to_contain_text("Merci, votre signalement est transmis")
        if n == 2:
            expect(resident.locator(comment_main)).to_contain_text(PLACEHOLDER)
            resident.reload()
            expect(resident.locator(comment_main)).to_contain_text(PLACEHOLDER)
            expect(resident.locator("#comment-threads")).not_to_contain_text("Un message qui sera signalé")
        resident.context.close()

    # The Bassin moderator can neither see nor reach it.
    bassin = _as(browser, base_url, page_problems, "bassin@exemple.fr")
    bassin.goto("/moderation/")
    expect(bassin.locator("h1")).to_contain_text("Bassin")
    expect(bassin.locator("main")).not_to_contain_text("Un message qui sera signalé")
    response = bassin.goto("/moderation/medoc")
    assert response.status == 403
    bassin.context.close()

    # The Médoc moderator sees it in the queue and restores it in place, with a reason.
    login(page, "medoc@exemple.fr", factories.PASSWORD)
    page.goto("/moderation/medoc")
    page.wait_for_function("() => window.htmx !== undefined")
    page.evaluate("() => { window.sameDocument = true }")
    case = page.locator("article.case").filter(has_text="Un message qui sera signalé")
    expect(case).to_contain_text("3 signalements")
    assert_accessible(page)
    case.get_by_label("Motif écrit ou précisions").fill("Critique vive mais conforme à la charte")
    with page.expect_response(lambda r: r.request.method == "POST" and "/moderation/cas/" in r.url) as answer:
        case.get_by_role("button", name="Rétablir").click()
    assert answer.value.status == 200
    expect(page.locator("article.case").first).to_contain_text("Rétablir : c'est fait.")
    assert page.evaluate("() => window.sameDocument") is True
    db.session.expire_all()
    note = db.session.scalar(
        select(Notification).where(Notification.user_id == ids["author"], Notification.kind == "moderation_restore")
    )
    assert note is not None and "conforme à la charte" in note.text
    page.goto(f"/idees/{ids['idea']}")
    expect(page.locator(comment_main)).to_contain_text("Un message qui sera signalé")

    # The association asks its pole for accompaniment.
    member = _as(browser, base_url, page_problems, "membre@exemple.fr")
    member.goto(f"/propositions/{ids['proposal']}")
    member.get_by_role("button", name="Demander l'accompagnement du pôle").click()
    expect(member.locator(".flashes")).to_contain_text("Votre demande d'accompagnement est transmise")

    # The Médoc moderator accepts and becomes referent, links a partner and a related proposal.
    page.goto(f"/propositions/{ids['proposal']}")
    page.get_by_label("Référent·e").select_option(label="Modération Médoc")
    page.get_by_role("button", name="Accepter et nommer le ou la référent·e").click()
    expect(page.locator("#accompagnement")).to_contain_text("référent·e : Modération Médoc")
    page.get_by_label("Partenaire de l'annuaire").select_option(label="CCAS de Lesparre — Aide alimentaire")
    page.get_by_role("button", name="Relier ce partenaire").click()
    page.get_by_label("Proposition proche").select_option(label="Un potager au Bassin")
    page.get_by_role("button", name="Relier cette proposition").click()
    expect(page.locator("#accompagnement")).to_contain_text("CCAS de Lesparre")
    expect(page.locator("#accompagnement")).to_contain_text("Un potager au Bassin")
    assert_accessible(page)

    # The private exchange: the association writes; a resident cannot read it.
    member.goto(f"/propositions/{ids['proposal']}")
    member.get_by_role("link", name="Espace d'échange privé").click()
    member.get_by_label("Votre message").fill("Voici notre budget détaillé, à garder entre nous.")
    member.get_by_role("button", name="Envoyer").click()
    expect(member.locator(".private-space")).to_contain_text("budget détaillé")
    assert_accessible(member)
    member.context.close()
    outsider = _as(browser, base_url, page_problems, "voisin0@exemple.fr")
    response = outsider.goto(f"/propositions/{ids['proposal']}/echanges")
    assert response.status == 403
    expect(outsider.locator("main")).not_to_contain_text("budget détaillé")
    outsider.goto(f"/propositions/{ids['proposal']}")
    expect(outsider.locator("main")).not_to_contain_text("budget détaillé")
    expect(outsider.get_by_role("link", name="Espace d'échange privé")).to_have_count(0)
    outsider.context.close()

    # Public pages: the pole page and its partners directory.
    page.goto("/territoires/medoc")
    expect(page.locator("main")).to_contain_text("CCAS de Lesparre")
    assert_accessible(page)
    page.goto("/territoires/medoc/partenaires")
    assert_accessible(page)

    # The audit log shows every step.
    page.goto("/moderation/journal")
    log = page.locator("table.audit-table")
    for step in (
        "Masquage automatique",
        "Rétablissement",
        "Demande d'accompagnement",
        "Accompagnement accepté",
        "Partenaire relié à une proposition",
        "Projet proche relié",
    ):
        expect(log).to_contain_text(step)
    expect(log).to_contain_text("Critique vive mais conforme à la charte")
    assert_accessible(page)


def test_hiding_needs_a_reason_and_the_author_sees_it(browser: Browser, base_url: str, app, page_problems):
    from app.models import Idea, ReportReason
    from app.moderation import services as moderation

    ids = _setup(app)
    with app.test_request_context():
        idea = db.session.get(Idea, ids["idea"])
        for n in range(2):
            reporter = db.session.scalar(select(User).where(User.email == f"voisin{n}@exemple.fr"))
            moderation.report(reporter, idea, ReportReason.PERSONAL_DATA)

    moderator = _as(browser, base_url, page_problems, "medoc@exemple.fr")
    moderator.goto("/moderation/")
    moderator.wait_for_function("() => window.htmx !== undefined")
    case = moderator.locator("article.case").filter(has_text="Un lavoir partagé")
    case.get_by_role("button", name="Masquer").click()
    # Refused in place (htmx), the choice to make pointed at.
    expect(case.locator(".field__error")).to_contain_text("Choisissez un motif ou écrivez-le")
    expect(case.get_by_label("Motif du masquage")).to_have_attribute("aria-invalid", "true")
    assert_accessible(moderator)
    for width in (375, 1280):
        moderator.set_viewport_size({"width": width, "height": 900})
        case.screenshot(path=f"/tmp/journeys-finish-hide-error-{width}.png", caret="initial")
    case.get_by_label("Motif du masquage").select_option(label="Données personnelles")
    case.get_by_label("Motif écrit ou précisions").fill("numéro de téléphone")
    case.get_by_role("button", name="Masquer").click()
    expect(moderator.locator("article.case").filter(has_text="Un lavoir partagé")).to_contain_text(
        "Masquer : c'est fait."
    )
    moderator.context.close()

    author = _as(browser, base_url, page_problems, "odile@exemple.fr")
    author.goto(f"/idees/{ids['idea']}")
    notice = author.locator(".moderation-notice")
    expect(notice).to_contain_text("Masqué par la modération : Données personnelles : numéro de téléphone.")
    expect(notice).not_to_contain_text("en attente de modération")
    expect(notice.get_by_role("link", name="Contester cette décision")).to_be_visible()
    assert_accessible(author)
    for width in (375, 1280):
        author.set_viewport_size({"width": width, "height": 900})
        author.screenshot(path=f"/tmp/journeys-finish-hidden-notice-{width}.png", caret="initial")
    author.context.close()
