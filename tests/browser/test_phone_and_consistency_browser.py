"""Issue 15, "The phone is where residents are" and "Consistency": what a person sees at 375 and
1280 px, measured in Chromium (positions, sizes, focus, computed styles), with axe on each page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from app.calls import decisions, evaluation, followup
from app.calls import services as call_services
from app.extensions import db
from app.models import Call, Decision, Submission
from app.models.base import utcnow
from app.proposals import services as proposal_services
from tests import factories
from tests.browser.axe import assert_accessible
from tests.browser.conftest import login

PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 900}


def _new_page(browser: Browser, base_url: str, problems, *, javascript: bool = True) -> Page:
    context = browser.new_context(
        base_url=base_url, locale="fr-FR", timezone_id="Europe/Paris", java_script_enabled=javascript
    )
    return problems.watch(context.new_page())


def _box(locator) -> dict:
    box = locator.bounding_box()
    assert box is not None, "not rendered"
    return box


def _style(locator, prop: str, pseudo: str | None = None) -> str:
    return locator.evaluate("(el, [p, ps]) => getComputedStyle(el, ps).getPropertyValue(p)", [prop, pseudo])


@pytest.fixture
def w(app, territory) -> dict:
    """An open call on the Médoc, an association that answers it, an administrator and an evaluator."""
    lead = factories.make_user("Admin A")
    return {
        "lead": lead,
        "admin": factories.make_user("Administration", is_admin=True),
        "mod_medoc": factories.make_user("Modération Médoc", moderated_pole_id=territory.medoc.id),
        "A": factories.make_association("Association A", territory.medoc_commune, admins=[lead], verified=True),
        "territory": territory,
        "call": factories.make_call(poles=[territory.medoc, territory.bassin]),
    }


def _submitted(w, **overrides):
    communes = [w["territory"].medoc_commune]
    return factories.make_proposal(w["A"], w["lead"], communes=communes, call=w["call"], via_services=True, **overrides)


def _submission(proposal) -> Submission:
    return db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))


def _selected(w):
    proposal = _submitted(w, title="Projet à suivre")
    # Decisions come after the closing, on an instructed file.
    w["call"].closes_at = utcnow() - timedelta(hours=1)
    call_services.set_step(_submission(proposal), "En instruction")
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 20_000, "Excellent.")
    decisions.publish_results(db.session.get(Call, w["call"].id))
    return proposal_services.get_proposal(proposal.id)


# --- The header ---------------------------------------------------------------------------------


def test_header_is_one_row_on_a_phone_with_a_keyboard_menu(page: Page, app, territory):
    factories.make_user("Alice Administratrice", email="admin@exemple.fr", is_admin=True)
    login(page, "admin@exemple.fr", factories.PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/idees/")
    header = page.locator(".site-header")
    # One row: the brand and the menu button (it used to take five rows, ~60 % of the screen).
    assert _box(header)["height"] < 100, _box(header)
    toggle = page.get_by_text("Menu", exact=True)
    expect(toggle).to_be_visible()
    expect(page.get_by_role("link", name="Administration")).to_be_hidden()
    # The keyboard opens it: the summary is focusable and Enter toggles it.
    page.locator("summary.site-menu__toggle").focus()
    page.keyboard.press("Enter")
    for name in ("Idées", "Propositions", "Administration", "Mon fil"):
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert page.locator(".site-menu").get_attribute("open") is not None
    assert_accessible(page, viewports=("mobile",))
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Administration")).to_be_hidden()

    # Wide screens: no toggle, every link in view.
    page.set_viewport_size(DESKTOP)
    expect(page.locator("summary.site-menu__toggle")).to_be_hidden()
    expect(page.get_by_role("link", name="Administration")).to_be_visible()
    # "Se déconnecter" looks like the links around it (it was the only underlined one).
    logout = page.get_by_role("button", name="Se déconnecter")
    feed = page.get_by_role("link", name="Mon fil")
    assert _style(logout, "text-decoration-line") == _style(feed, "text-decoration-line") == "none"
    assert _style(logout, "color") == _style(feed, "color")
    assert_accessible(page, viewports=("desktop",))


def test_header_menu_opens_without_javascript(browser: Browser, base_url: str, app, territory, page_problems):
    factories.make_user("Camille", email="camille@exemple.fr")
    page = _new_page(browser, base_url, page_problems, javascript=False)
    page.set_viewport_size(PHONE)
    login(page, "camille@exemple.fr", factories.PASSWORD)
    expect(page.get_by_role("link", name="Mon fil")).to_be_hidden()
    page.locator("summary.site-menu__toggle").click()
    expect(page.get_by_role("link", name="Mon fil")).to_be_visible()
    expect(page.get_by_role("link", name="Camille")).to_be_visible()
    page.context.close()


# --- Filters ------------------------------------------------------------------------------------


def _lists(territory):
    author = factories.make_user("Dominique Porteuse")
    association = factories.make_association("Les Jardins du Médoc", territory.medoc_commune, admins=[author])
    for i in range(3):
        factories.make_idea(title=f"Idée numéro {i}", commune=territory.medoc_commune)
        factories.make_proposal(
            association, title=f"Proposition numéro {i}", communes=(territory.medoc_commune,), is_rural=True
        )


def test_first_result_is_on_the_first_phone_screen(page: Page, app, territory):
    _lists(territory)
    factories.make_user("Camille", email="camille@exemple.fr")
    for logged_in in (False, True):
        if logged_in:
            login(page, "camille@exemple.fr", factories.PASSWORD)
        page.set_viewport_size(PHONE)
        for path in ("/idees/", "/propositions/"):
            page.goto(path)
            first = page.locator("#results .card").first
            assert _box(first)["y"] < PHONE["height"], (path, _box(first))
            # The filters are folded; the words box stays in view.
            expect(page.get_by_label("Pôle territorial")).to_be_hidden()
            expect(page.get_by_label("Mots recherchés")).to_be_visible()
            expect(page.locator("summary.filters__toggle")).to_have_text("Filtres")
    # No second heading repeating the first.
    expect(page.get_by_role("heading", name="Propositions publiées")).to_have_count(0)
    assert_accessible(page)


def test_folded_filters_say_which_are_active_and_follow_changes(page: Page, app, territory):
    _lists(territory)
    page.set_viewport_size(PHONE)
    page.goto("/propositions/?pole=medoc&domaine=alimentation&rural=1")
    toggle = page.locator("summary.filters__toggle")
    expect(toggle).to_contain_text("Filtres (3 actifs)")
    expect(toggle).to_contain_text("Médoc")
    expect(toggle).to_contain_text("En milieu rural")
    assert _box(page.locator("#results .card").first)["y"] < PHONE["height"]
    page.wait_for_function("() => window.htmx !== undefined")
    toggle.click()
    expect(page.get_by_label("Pôle territorial")).to_be_visible()
    page.get_by_label("En milieu rural").uncheck()
    expect(page).not_to_have_url(re.compile(r"rural=1"))
    expect(toggle).to_contain_text("Filtres (2 actifs)")
    assert_accessible(page)
    # Wide screens: every filter in view, no toggle.
    page.set_viewport_size(DESKTOP)
    expect(toggle).to_be_hidden()
    expect(page.get_by_label("Domaine prioritaire")).to_be_visible()
    # The check boxes sit in the site's one styled fieldset.
    group = page.locator("fieldset.filters__checks")
    expect(group.locator("legend")).to_have_text("Lieu d'action")
    assert _style(group, "border-top-style") == "solid"


def test_search_page_folds_its_filters(page: Page, app, territory):
    _lists(territory)
    page.set_viewport_size(PHONE)
    page.goto("/recherche/?q=numéro&pole=medoc")
    expect(page.locator("summary.filters__toggle")).to_contain_text("Filtres (1 actif)")
    expect(page.get_by_label("Chercher dans")).to_be_hidden()
    assert _box(page.locator("#results .card").first)["y"] < PHONE["height"]
    # Idea and proposal cards: the same title size.
    sizes = {
        _style(page.locator(f"#results .card[aria-labelledby^={kind}] .card__title").first, "font-size")
        for kind in ("idea", "proposal")
    }
    assert len(sizes) == 1, sizes
    assert_accessible(page)


def _communes(page: Page) -> list[str]:
    # The type-ahead's suggestions (a <datalist>: its options are values, not visible text).
    return page.locator("#filter-commune-choices option").evaluate_all("options => options.map(o => o.value)")


def test_pole_narrows_the_commune_list(browser: Browser, base_url: str, page: Page, app, territory, page_problems):
    _lists(territory)
    # Without JavaScript: the server offers only the chosen pole's communes, and drops a stale one.
    nojs = _new_page(browser, base_url, page_problems, javascript=False)
    nojs.goto("/idees/?pole=medoc")
    assert _communes(nojs) == ["Lesparre-Médoc"]
    nojs.goto("/idees/?pole=bassin&commune=lesparre-medoc")
    assert _communes(nojs) == ["Arcachon"]
    expect(nojs.locator("#filter-commune")).to_have_value("")
    expect(nojs.locator("#results .card")).to_have_count(0)
    nojs.context.close()

    # With htmx: choosing a pole narrows the commune list in place.
    page.set_viewport_size(DESKTOP)
    page.goto("/idees/")
    page.wait_for_function("() => window.htmx !== undefined")
    assert "Arcachon" in _communes(page) and "Lesparre-Médoc" in _communes(page)
    page.get_by_label("Pôle territorial").select_option(label="Médoc")
    expect(page).to_have_url(re.compile(r"pole=medoc"))
    expect(page.locator("#filter-commune-choices option")).to_have_attribute("value", "Lesparre-Médoc")
    assert _communes(page) == ["Lesparre-Médoc"]
    page.get_by_label("Commune").fill("Lesparre-Médoc")
    page.get_by_label("Commune").press("Enter")
    expect(page).to_have_url(re.compile(r"commune=Lesparre"))
    expect(page.get_by_label("Commune")).to_have_value("Lesparre-Médoc")
    # The commune's request must be answered first: its late answer would bring back Médoc's list.
    expect(page.locator(".htmx-request")).to_have_count(0)
    page.get_by_label("Pôle territorial").select_option(label="Bassin")
    # Waits for the swap: the single suggestion was Lesparre-Médoc a moment ago.
    expect(page.locator("#filter-commune-choices option")).to_have_attribute("value", "Arcachon")
    assert _communes(page) == ["Arcachon"]
    assert_accessible(page, viewports=("desktop",))


# --- Tables and charts --------------------------------------------------------------------------


def _labels_shown(page: Page, table) -> None:
    """At 375 px the column headers are hidden: each cell shows its column's label."""
    page.set_viewport_size(PHONE)
    expect(table.locator("thead")).to_have_css("position", "absolute")
    for cell in table.locator("tbody td[data-label]").all():
        label = cell.get_attribute("data-label")
        assert _style(cell, "content", "::before") == f'"{label}"', label
        assert _box(cell)["width"] <= PHONE["width"]


def test_members_table_keeps_its_labels_on_a_phone(page: Page, app, territory):
    admin = factories.make_user("Alice", email="alice@exemple.fr")
    association = factories.make_association("Les Jardins", territory.medoc_commune, admins=[admin])
    factories.make_user("Bruno")
    login(page, "alice@exemple.fr", factories.PASSWORD)
    page.goto(f"/associations/{association.slug}/membres")
    table = page.locator("table.members-table")
    _labels_shown(page, table)
    assert table.locator("td[data-label='Rôle']").count() >= 1
    assert_accessible(page)


def test_ranking_and_indicator_tables_and_charts(browser: Browser, base_url: str, app, w, page_problems):
    proposal = _selected(w)
    indicator = followup.add_indicator(proposal_services.get_proposal(proposal.id), "Familles", "familles", 40)
    for month, value in enumerate((12, 19.5, 23, 30, 31, 35, 38, 41), start=1):
        followup.add_value(indicator, proposal, date(2026, month, 15), value, w["lead"])
    page = _new_page(browser, base_url, page_problems)
    login(page, w["admin"].email, factories.PASSWORD)
    page.goto(f"/appels/{w['call'].slug}/classement")
    _labels_shown(page, page.locator("table.calls-ranking"))
    assert_accessible(page)

    page.goto(f"/appels/projets/{proposal.id}")
    _labels_shown(page, page.locator(".calls-indicator table"))
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        svg = page.locator("svg.chart").first
        chart = _box(svg)
        # Readable labels (they were ~9 px on a phone), the last one inside the chart.
        labels = svg.locator("text")
        heights = [_box(t)["height"] for t in labels.all()]
        assert min(heights) >= 11, (viewport, heights)
        last = _box(labels.last)
        assert last["x"] + last["width"] <= chart["x"] + chart["width"] + 0.5, (viewport, last, chart)
        assert labels.last.text_content() == "08/26"
    # On a wide page it is no longer a 300-px thumbnail.
    assert chart["width"] >= 500, chart
    assert_accessible(page)
    page.context.close()


# --- Buttons --------------------------------------------------------------------------------------


def test_support_follow_and_edit_buttons_share_a_size_and_keep_their_names(
    browser: Browser, base_url: str, app, territory, page_problems
):
    author = factories.make_user("Odile", email="odile@exemple.fr")
    factories.make_user("Camille", email="camille@exemple.fr")
    idea = factories.make_idea(title="Un jardin partagé", commune=territory.medoc_commune, author=author)

    page = _new_page(browser, base_url, page_problems)
    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    support = page.get_by_role("button", name="Soutenir")
    follow = page.get_by_role("button", name="Suivre")
    assert _box(support)["height"] == _box(follow)["height"]
    support.click()
    # Same name, the state in aria-pressed, and a sentence says what pressing again does.
    expect(page.locator("#soutien-bouton")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#soutien-bouton")).to_have_text("Soutenir")
    expect(page.locator("#soutien")).to_contain_text("Vous soutenez. Appuyez de nouveau pour retirer votre soutien.")
    follow.click()
    follow = page.locator("#suivre button")
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).to_have_text("Suivre")
    assert _style(follow, "content", "::before") != "none"  # the check mark
    assert_accessible(page)
    page.context.close()

    page = _new_page(browser, base_url, page_problems)
    login(page, "odile@exemple.fr", factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    edit = page.get_by_role("link", name="Modifier")
    follow = page.locator("#suivre button")
    assert _box(edit)["height"] == _box(follow)["height"]
    assert _box(edit)["y"] == _box(follow)["y"]
    page.context.close()


def test_long_proposal_has_its_actions_near_the_top(page: Page, app, territory):
    association = factories.make_association("Les Jardins", territory.medoc_commune)
    proposal = factories.make_proposal(
        association,
        title="Une longue proposition",
        communes=(territory.medoc_commune,),
        need="\n\n".join(f"Paragraphe {i} : " + "un besoin longuement décrit. " * 20 for i in range(12)),
    )
    factories.make_user("Camille", email="camille@exemple.fr")
    login(page, "camille@exemple.fr", factories.PASSWORD)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"/propositions/{proposal.id}")
        for name in ("Soutenir", "Suivre"):
            assert _box(page.get_by_role("button", name=name))["y"] < viewport["height"], name
    # At the end of the text, a link leads back to them.
    page.get_by_role("link", name="Soutenir ou suivre (haut de page)").click()
    expect(page).to_have_url(re.compile(r"#soutien$"))
    assert_accessible(page)


def test_moderation_sort_links_show_the_active_one(page: Page, app, territory):
    factories.make_user("Modération Médoc", email="medoc@exemple.fr", moderated_pole_id=territory.medoc.id)
    login(page, "medoc@exemple.fr", factories.PASSWORD)
    page.goto("/moderation/medoc?tri=signalements")
    active = page.locator(".sort-links a[aria-current]")
    expect(active).to_have_text("les plus signalés")
    other = page.get_by_role("link", name="les plus récents")
    assert _style(active, "font-weight") != _style(other, "font-weight")
    assert _style(active, "border-bottom-style") == "solid"
    assert_accessible(page)


# --- Evaluation -----------------------------------------------------------------------------------


def test_evaluation_shows_the_proposal_beside_a_described_grid(
    browser: Browser,
    base_url: str,
    app,
    w,
    page_problems,
):
    proposal = _submitted(w, need="Les familles du Médoc manquent de solutions de garde.")
    assignment = evaluation.assign(_submission(proposal), proposal, w["mod_medoc"])
    db.session.commit()
    page = _new_page(browser, base_url, page_problems)
    login(page, w["mod_medoc"].email, factories.PASSWORD)
    page.set_viewport_size(DESKTOP)
    page.goto(f"/appels/evaluations/{assignment.id}")
    text = page.get_by_text("Les familles du Médoc manquent de solutions de garde.")
    grid = page.locator(".evaluate-grid form")
    # Side by side on the first screen: the text to the left, the grid to the right.
    expect(text).to_be_visible()
    assert _box(text)["y"] < DESKTOP["height"] and _box(grid)["y"] < DESKTOP["height"]
    assert _box(text)["x"] + _box(text)["width"] <= _box(grid)["x"]
    # Each score says what it means, for each criterion.
    first = page.locator("fieldset.calls-criterion").first
    expect(first.get_by_label(re.compile(r"^4 — excellent"))).to_be_visible()
    expect(first.get_by_label(re.compile(r"^0 — absent"))).to_be_visible()
    assert _style(first, "border-top-style") == "solid"
    assert_accessible(page, viewports=("desktop",))

    # Finalising with a missing score: the error links to its criterion.
    for fieldset in page.locator("fieldset.calls-criterion").all()[1:]:
        fieldset.get_by_label(re.compile(r"^3 — ")).check()
    page.get_by_role("button", name="Finaliser l'évaluation").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(page.locator("fieldset.calls-criterion").first.locator("input[type=radio]").first).to_be_focused()
    expect(page.locator("fieldset.calls-criterion").first).to_contain_text("avant de finaliser")
    # What was chosen is kept.
    expect(page.locator("fieldset.calls-criterion").nth(1).get_by_label(re.compile(r"^3 — "))).to_be_checked()

    # On a phone the text folds above the grid, one tap away.
    page.set_viewport_size(PHONE)
    expect(text).to_be_hidden()
    page.get_by_text("Lire la proposition", exact=True).click()
    expect(text).to_be_visible()
    assert_accessible(page, viewports=("mobile",))
    page.context.close()


# --- Signaler -------------------------------------------------------------------------------------


def test_report_form_takes_the_focus_and_escape_closes_it(page: Page, app, territory):
    idea = factories.make_idea(title="Une idée à signaler", commune=territory.medoc_commune)
    factories.make_user("Camille", email="camille@exemple.fr")
    login(page, "camille@exemple.fr", factories.PASSWORD)
    page.goto(f"/idees/{idea.id}")
    page.wait_for_function("() => window.htmx !== undefined")
    link = page.get_by_role("link", name="Signaler cette idée")
    link.click()
    form = page.locator(".report-form")
    expect(form).to_be_visible()
    expect(form.locator("input[type=radio]").first).to_be_focused()
    assert_accessible(page, viewports=("desktop",))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(form).to_have_count(0)
    expect(link).to_be_focused()
    # It opens again, as before.
    link.press("Enter")
    expect(page.locator(".report-form input[type=radio]").first).to_be_focused()
