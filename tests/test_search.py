"""Search and filters, on SQLite FTS5 and PostgreSQL full-text alike (run with --db both ways)."""

from __future__ import annotations

import html as html_module
import re
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.models import Idea, Proposal, ProposalState
from app.models.base import utcnow
from app.search import filters as search_filters
from app.search import services
from app.search.filters import SEED_KEY
from tests import factories
from tests.helpers import count_queries, html, text

TITLE = re.compile(r'class="card__title"[^>]*>(?:<a [^>]*>)?([^<]+)<')


def titles(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [html_module.unescape(t) for t in TITLE.findall(html(response))]


@pytest.fixture
def asso(app, territory):
    return factories.make_association("Les Jardins du Médoc", territory.medoc_commune)


# --- Accents, ranking, sync -------------------------------------------------------------------


@pytest.mark.parametrize("query", ["sante", "SANTÉ", "santé", "elu", "élus", "Elus sante"])
def test_accents_and_case_do_not_matter(client, territory, query):
    factories.make_idea(title="Santé des élus", commune=territory.medoc_commune)
    factories.make_idea(title="Jardins partagés", commune=territory.medoc_commune)
    assert titles(client.get("/recherche/", query_string={"q": query})) == ["Santé des élus"]
    assert titles(client.get("/idees/", query_string={"q": query})) == ["Santé des élus"]


def test_search_covers_every_kind_but_only_published_proposals(client, territory, asso):
    factories.make_idea(title="Épicerie solidaire à Lesparre", commune=territory.medoc_commune)
    factories.make_proposal(asso, title="Épicerie mobile")
    factories.make_proposal(asso, title="Épicerie en brouillon", state=ProposalState.DRAFT)
    factories.make_proposal(asso, title="Épicerie retirée", state=ProposalState.WITHDRAWN)
    factories.make_association("Épicerie sociale du Bassin", territory.bassin_commune)
    factories.make_call("Appel épiceries solidaires")
    found = titles(client.get("/recherche/", query_string={"q": "epicerie"}))
    assert sorted(found) == sorted(
        ["Épicerie solidaire à Lesparre", "Épicerie mobile", "Épicerie sociale du Bassin", "Appel épiceries solidaires"]
    )
    page = text(client.get("/recherche/", query_string={"q": "epicerie"}))
    assert "4 résultats" in page
    only = titles(client.get("/recherche/", query_string={"q": "epicerie", "type": "proposal"}))
    assert only == ["Épicerie mobile"]


def test_title_matches_rank_first(client, territory, asso):
    body = "Nous parlons ici de mobilité, de mobilité solidaire et encore de mobilité pour tous."
    factories.make_idea(title="Un sujet voisin", description=body, commune=territory.medoc_commune)
    factories.make_idea(title="Mobilité des seniors", description="Transport.", commune=territory.medoc_commune)
    factories.make_proposal(asso, title="Autre proposition", summary=body)
    factories.make_proposal(asso, title="Mobilité rurale")
    assert titles(client.get("/idees/", query_string={"q": "mobilite"})) == ["Mobilité des seniors", "Un sujet voisin"]
    assert titles(client.get("/propositions/", query_string={"q": "mobilite"})) == [
        "Mobilité rurale",
        "Autre proposition",
    ]
    found = titles(client.get("/recherche/", query_string={"q": "mobilite"}))
    assert set(found[:2]) == {"Mobilité des seniors", "Mobilité rurale"}


def test_index_follows_every_change(client, territory, asso):
    idea = factories.make_idea(title="Ancien titre", commune=territory.medoc_commune)
    proposal = factories.make_proposal(asso, title="Cantine partagée", state=ProposalState.DRAFT)
    assert titles(client.get("/recherche/", query_string={"q": "cantine"})) == []

    idea.title = "Nouveau titre"
    proposal.state = ProposalState.PUBLISHED
    db.session.commit()
    assert titles(client.get("/recherche/", query_string={"q": "ancien"})) == []
    assert titles(client.get("/recherche/", query_string={"q": "nouveau"})) == ["Nouveau titre"]
    assert titles(client.get("/recherche/", query_string={"q": "cantine"})) == ["Cantine partagée"]

    proposal.state = ProposalState.WITHDRAWN
    db.session.delete(idea)
    db.session.commit()
    assert titles(client.get("/recherche/", query_string={"q": "nouveau cantine"})) == []
    assert titles(client.get("/recherche/", query_string={"q": "cantine"})) == []


HOSTILE = [
    "",
    "   ",
    '"',
    '""',
    "*",
    "sante*",
    "-sante",
    "NOT sante",
    "sante OR jardin",
    "sante AND",
    "NEAR(sante jardin)",
    "NEAR",
    "(",
    ")",
    "(sante",
    "title:sante",
    "body:jardin",
    "^sante",
    "sante:*",
    "sante & | !",
    "<->",
    "'",
    "''",
    "'; DROP TABLE ideas; --",
    "1=1 OR 'a'='a'",
    "\\",
    "%",
    "_",
    "%_%",
    "x²",
    "²",
    "🍎 pomme",
    "ﬁnance",
    "l'eau",
    "aujourd’hui",
    "a" * 5000,
    "santé " * 300,
    "\x00sante",
    "{}[]",
    "sante\u200bjardin",
    "Ωμέγα",
    "日本語",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_any_input_gives_results_or_an_empty_state(client, territory, query):
    factories.make_idea(title="Santé et jardins", commune=territory.medoc_commune)
    for url in ("/recherche/", "/idees/", "/propositions/"):
        response = client.get(url, query_string={"q": query})
        assert response.status_code == 200, (url, query)
        htmx = client.htmx("GET", url, query_string={"q": query})
        assert htmx.status_code == 200, (url, query)


def test_punctuation_only_finds_nothing_and_says_so(client, territory):
    factories.make_idea(title="Santé et jardins", commune=territory.medoc_commune)
    page = text(client.get("/recherche/", query_string={"q": '"*()'}))
    assert 'Aucun résultat pour « "*() »' in page
    assert "Aucune idée ne correspond" in text(client.get("/idees/", query_string={"q": "zzzzz"}))
    assert "Saisissez un ou plusieurs mots" in text(client.get("/recherche/"))


# --- Filters and sorting ------------------------------------------------------------------------


def test_idea_filters(client, territory):
    factories.make_idea(
        title="Médoc alimentation", commune=territory.medoc_commune, domain="alimentation", publics=("seniors",)
    )
    factories.make_idea(title="Médoc santé", commune=territory.medoc_commune, domain="sante", publics=("femmes",))
    factories.make_idea(title="Bassin alimentation", commune=territory.bassin_commune, domain="alimentation")
    get = lambda **args: sorted(titles(client.get("/idees/", query_string=args)))  # noqa: E731
    assert get(pole="medoc") == ["Médoc alimentation", "Médoc santé"]
    assert get(commune="arcachon") == ["Bassin alimentation"]
    assert get(domaine="alimentation") == ["Bassin alimentation", "Médoc alimentation"]
    assert get(public="femmes") == ["Médoc santé"]
    assert get(pole="medoc", domaine="alimentation", q="aliment") == ["Médoc alimentation"]
    # Unknown values are ignored, never an error.
    assert len(get(pole="atlantide", domaine="magie", public="?", tri="n'importe", page="x")) == 3


def test_proposal_filters(client, territory, asso):
    factories.make_proposal(asso, title="Rural et QPV", communes=(territory.medoc_commune,), is_rural=True, is_qpv=True)
    factories.make_proposal(
        asso,
        title="Bassin santé",
        communes=(territory.bassin_commune,),
        domain="sante",
        publics=("enfants_jeunes",),
    )
    factories.make_proposal(asso, title="Retirée", state=ProposalState.WITHDRAWN)
    factories.make_proposal(asso, title="Brouillon", state=ProposalState.DRAFT)
    get = lambda **args: sorted(titles(client.get("/propositions/", query_string=args)))  # noqa: E731
    assert get() == ["Bassin santé", "Rural et QPV"]
    assert get(pole="medoc") == ["Rural et QPV"]
    assert get(commune="arcachon") == ["Bassin santé"]
    assert get(domaine="sante") == ["Bassin santé"]
    assert get(public="enfants_jeunes") == ["Bassin santé"]
    assert get(rural="1") == ["Rural et QPV"]
    assert get(qpv="1") == ["Rural et QPV"]
    assert get(etat="withdrawn") == ["Retirée"]
    assert get(etat="draft") == ["Bassin santé", "Rural et QPV"]  # drafts are never listed


def test_sorts(client, territory, asso):
    now = utcnow()
    for title, supports, comments, days_ago in [("Ancienne", 9, 1, 3), ("Récente", 1, 2, 0), ("Moyenne", 5, 7, 1)]:
        factories.make_idea(
            title=title,
            commune=territory.medoc_commune,
            support_count=supports,
            comment_count=comments,
            created_at=now - timedelta(days=days_ago),
        )
    assert titles(client.get("/idees/")) == ["Récente", "Moyenne", "Ancienne"]
    assert titles(client.get("/idees/?tri=recent")) == ["Récente", "Moyenne", "Ancienne"]
    assert titles(client.get("/idees/?tri=soutiens")) == ["Ancienne", "Moyenne", "Récente"]
    assert titles(client.get("/idees/?tri=commentaires")) == ["Moyenne", "Récente", "Ancienne"]
    factories.make_proposal(asso, title="P ancienne", support_count=3, published_at=now - timedelta(days=2))
    factories.make_proposal(asso, title="P récente", support_count=1, published_at=now)
    assert titles(client.get("/propositions/?tri=recent")) == ["P récente", "P ancienne"]
    assert titles(client.get("/propositions/?tri=soutiens")) == ["P ancienne", "P récente"]


def test_random_order_is_the_days_for_every_visitor_and_changes_with_the_date(app, territory, monkeypatch):
    for n in range(30):
        factories.make_idea(title=f"Idée numéro {n:02d}", commune=territory.medoc_commune)
    monday, tuesday = date(2026, 11, 30), date(2026, 12, 1)
    monkeypatch.setattr(search_filters, "today", lambda: monday)

    def read(client):
        return titles(client.get("/idees/?tri=hasard")) + titles(client.get("/idees/?tri=hasard&page=2"))

    first, second = app.test_client(), app.test_client()
    order = read(first)
    assert read(second) == order == read(first)  # the same for everyone all day
    assert sorted(order) == [f"Idée numéro {n:02d}" for n in range(30)]  # pages neither skip nor repeat
    assert order != sorted(order) and order != sorted(order, reverse=True)
    with first.session_transaction() as session:
        assert SEED_KEY not in session  # nothing of the order is kept per visitor
    monkeypatch.setattr(search_filters, "today", lambda: tuesday)
    assert read(second) != order  # another day, another order


def test_the_daily_seed_depends_on_the_day_and_the_secret(app):
    with app.app_context():
        monday = search_filters.daily_seed(date(2026, 11, 30))
        assert monday == search_filters.daily_seed(date(2026, 11, 30))
        assert monday != search_filters.daily_seed(date(2026, 12, 1))
        app.config["SECRET_KEY"] = "another secret"
        assert monday != search_filters.daily_seed(date(2026, 11, 30))


def test_pagination_keeps_the_filters(client, territory):
    for n in range(25):
        factories.make_idea(title=f"Jardin {n}", commune=territory.medoc_commune)
    factories.make_idea(title="Jardin du Bassin", commune=territory.bassin_commune)
    page = html(client.get("/idees/?pole=medoc&q=jardin&tri=recent"))
    next_link = re.search(r'href="([^"]+)" rel="next"', page).group(1)
    next_link = html_module.unescape(next_link)
    assert "pole=medoc" in next_link and "q=jardin" in next_link and "page=2" in next_link
    assert len(titles(client.get(next_link))) == 5


# --- htmx ---------------------------------------------------------------------------------------


def test_htmx_gets_the_results_and_the_announced_count(client, territory):
    factories.make_idea(title="Alimentation locale", commune=territory.medoc_commune)
    factories.make_idea(title="Alimentation au Bassin", commune=territory.bassin_commune)
    response = client.htmx("GET", "/idees/?q=alimentation&pole=medoc")
    body = html(response)
    assert "<html" not in body
    assert '<hx-partial hx-target="#result-count" hx-swap="innerHTML">' in body
    assert "1 idée" in body
    assert titles(response) == ["Alimentation locale"]
    # A history restore asks for the whole page.
    restore = client.htmx("GET", "/idees/?q=alimentation&pole=medoc", headers={"HX-History-Restore-Request": "true"})
    assert "<html" in html(restore) and 'role="status"' in html(restore)


def test_the_filter_form_works_without_javascript_and_drives_htmx(client, territory):
    page = html(client.get("/idees/"))
    form = re.search(r'<form action="/idees/" method="get"[^>]*>', page).group(0)
    assert 'hx-get="/idees/"' in form and 'hx-push-url="true"' in form and 'hx-target="#results"' in form
    assert 'hx-trigger="input changed delay:400ms, search"' in page
    assert 'role="status"' in page
    for name in ("q", "pole", "commune", "domaine", "public", "tri"):
        assert f'name="{name}"' in page
    proposals = html(client.get("/propositions/"))
    for name in ("etat", "rural", "qpv"):
        assert f'name="{name}"' in proposals


# --- Queries ------------------------------------------------------------------------------------


def _queries(client, url: str) -> int:
    with count_queries() as log:
        assert client.get(url).status_code == 200
    return log.count


@pytest.mark.parametrize(
    "url",
    [
        "/idees/",
        "/idees/?q=jardin&pole=medoc&tri=hasard",
        "/propositions/",
        "/propositions/?q=jardin&rural=1",
        "/recherche/?q=jardin",
    ],
)
def test_lists_run_a_constant_number_of_queries(app, territory, asso, url):
    client = app.test_client()

    def add(n):
        for i in range(n):
            factories.make_idea(title=f"Jardin {i}", commune=territory.medoc_commune, publics=("seniors",))
            factories.make_proposal(
                asso,
                title=f"Jardin proposé {i}",
                communes=(territory.medoc_commune,),
                is_rural=True,
                publics=("femmes",),
            )
        factories.make_association(f"Jardin associatif {n}", territory.medoc_commune)
        factories.make_call(f"Appel jardins {n}")

    add(2)
    few = _queries(client, url)
    add(12)
    # Never more with more rows (the search page may show fewer kinds on a fuller first page).
    assert _queries(client, url) <= few
    # Territory and call options, count, page, eager loads (+ one query per kind on the search
    # page, + the proposals' co-authors, loaded in one batch).
    # + the page cache's versions on the idea and proposal lists (app/page_cache.py).
    assert few <= (13 if url.startswith("/recherche") else 10)


def test_services_reject_nothing(app):
    assert services.tokens('"a" OR (b*) -c NEAR/2') == ["a", "or", "b", "c", "near", "2"]
    assert services.hits("   ") is None
    assert services.hits("()") is None
    assert db.session.query(Idea).count() == 0 and db.session.query(Proposal).count() == 0


def test_home_shows_the_newest_listed_proposals_and_ideas(client, territory, asso):
    factories.make_proposal(asso, title="Ancienne proposition", published_at=utcnow() - timedelta(days=9))
    for i in range(3):
        factories.make_proposal(asso, title=f"Proposition récente {i}", published_at=utcnow() - timedelta(days=i))
    factories.make_proposal(asso, title="Brouillon caché", state=ProposalState.DRAFT)
    for i in range(4):
        factories.make_idea(title=f"Idée {i}", commune=territory.medoc_commune)
    hidden = factories.make_idea(title="Idée masquée", commune=territory.medoc_commune)
    db.session.execute(Idea.__table__.update().where(Idea.id == hidden.id).values(hidden_at=utcnow()))
    db.session.commit()
    with count_queries() as log:
        page = text(client.get("/"))
    assert titles(client.get("/"))[-6:] == [
        "Proposition récente 0",
        "Proposition récente 1",
        "Proposition récente 2",
        "Idée 3",
        "Idée 2",
        "Idée 1",
    ]
    assert "Ancienne proposition" not in page and "Brouillon caché" not in page and "Idée masquée" not in page
    # Calls, poles, then ids and rows (with their relations) for each list: no query per card; and
    # the page cache's versions (app/page_cache.py).
    assert log.count <= 11, log.statements


# --- A word found nearly everywhere (issue 21: the count is capped, ranking is bounded) ----------


@pytest.fixture
def small_cap(monkeypatch):
    """A cap of 4 and pages of 2: the capped path with a handful of rows."""
    monkeypatch.setattr(services, "RESULT_CAP", 4)
    monkeypatch.setattr(services, "PER_PAGE", 2)


def _families(territory, n: int, title_match: bool = True) -> None:
    # The oldest holds the word in its title; the newer ones only in their description.
    if title_match:
        factories.make_idea(title="Familles d'abord", description="Un lieu.", commune=territory.medoc_commune)
    for i in range(n):
        factories.make_idea(
            title=f"Lieu {i}", description="Pour les familles du coin.", commune=territory.medoc_commune
        )


def test_the_count_stops_at_the_cap_and_says_more(client, territory, small_cap):
    _families(territory, 3)
    assert "4 résultats" in text(client.get("/recherche/", query_string={"q": "familles"}))
    factories.make_idea(title="Lieu 3", description="Pour les familles du coin.", commune=territory.medoc_commune)
    page = text(client.get("/recherche/", query_string={"q": "familles"}))
    assert "Plus de 4 résultats" in page and "5 résultats" not in page


def test_over_the_cap_title_matches_come_first_then_the_newest_ranked(client, territory, small_cap):
    _families(territory, 6)
    search = {"q": "familles"}
    # The title match is the oldest row, outside the newest four: it still comes first.
    assert titles(client.get("/recherche/", query_string=search)) == ["Familles d'abord", "Lieu 5"]
    # Every page under the cap exists (4 results, 2 a page); past it, nothing.
    assert titles(client.get("/recherche/", query_string={**search, "page": 2})) == ["Lieu 4", "Lieu 3"]
    page = html(client.get("/recherche/", query_string={**search, "page": 2}))
    assert "Page 2 sur 2" in page and 'rel="next"' not in page
    assert titles(client.get("/recherche/", query_string={**search, "page": 3})) == []


def test_over_the_cap_without_title_matches_the_newest_are_ranked(client, territory, small_cap):
    _families(territory, 3, title_match=False)
    factories.make_idea(
        title="Autre chose", description="Familles, familles, familles.", commune=territory.medoc_commune
    )
    _families(territory, 2, title_match=False)
    # Among the newest four, the one that says the word three times ranks first.
    assert titles(client.get("/recherche/", query_string={"q": "familles"})) == ["Autre chose", "Lieu 1"]
    assert titles(client.get("/recherche/", query_string={"q": "familles", "page": 2})) == ["Lieu 0", "Lieu 2"]


def test_a_capped_search_runs_a_constant_number_of_queries(app, territory, small_cap):
    client = app.test_client()
    _families(territory, 5)
    with count_queries() as few:
        assert "Plus de 4" in text(client.get("/recherche/?q=familles"))
    _families(territory, 15)
    with count_queries() as many:
        assert "Plus de 4" in text(client.get("/recherche/?q=familles"))
    # Territory and call options, the newest matches, the title matches, the ranked page, the ideas.
    assert many.count == few.count <= 11
