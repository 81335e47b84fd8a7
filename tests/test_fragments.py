"""Cards rendered once and reused (app/fragments.py): never stale, identical to a fresh render."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from app import create_app
from app.extensions import db
from app.models import Association, Proposal
from tests import factories
from tests.helpers import html, text


@pytest.fixture(autouse=True)
def _whole_pages_not_cached(app):
    # These tests count card renderings: anonymous pages served whole (app/page_cache.py) would
    # render no card at all.
    app.config["PAGE_CACHE_SIZE"] = 0


@pytest.fixture
def asso(app, territory):
    return factories.make_association("Les Jardins du Médoc", territory.medoc_commune)


def _results(page: str) -> list[str]:
    # The page around the list carries a per-session CSRF token; the cards are what is compared.
    return re.findall(r"<article .*?</article>", page, re.S)


def _cards(app):
    return app.extensions["tisser_cards"]


def test_a_card_is_rendered_once_while_it_shows_the_same(app, client, asso, territory):
    factories.make_proposal(asso, title="Épicerie mobile")
    factories.make_idea(title="Jardin partagé", commune=territory.medoc_commune)
    cards = _cards(app)
    first = html(client.get("/propositions/"))
    assert (cards.misses, cards.hits) == (1, 0)
    # The cards, not the whole page: its CSRF token is signed with the current second.
    assert _results(html(client.get("/propositions/"))) == _results(first) != []
    html(client.get("/idees/"))
    html(client.get("/idees/"))
    assert "Épicerie mobile" in text(client.get("/recherche/", query_string={"q": "epicerie"}))
    assert (cards.misses, cards.hits) == (2, 3)


@pytest.mark.parametrize("change", ["support", "title", "association"])
def test_what_a_card_shows_changing_renders_it_again(app, client, asso, change):
    proposal = factories.make_proposal(asso, title="Épicerie mobile")
    assert "0 soutien" in text(client.get("/propositions/"))
    if change == "support":
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(support_count=3))
        expected = "3 soutiens"
    elif change == "title":
        db.session.execute(update(Proposal).where(Proposal.id == proposal.id).values(title="Épicerie itinérante"))
        expected = "Épicerie itinérante"
    else:
        db.session.execute(update(Association).where(Association.id == asso.id).values(name="Les Potagers du Médoc"))
        expected = "Les Potagers du Médoc"
    db.session.commit()
    assert expected in text(client.get("/propositions/"))
    assert _cards(app).misses == 2


def test_cached_and_fresh_renders_are_the_same_page(app, database_url, asso, territory, client):
    for i in range(3):
        factories.make_proposal(asso, title=f"Proposition {i}", support_count=i)
        factories.make_idea(title=f"Idée {i}", commune=territory.medoc_commune)
    from tests.conftest import _base_config

    uncached = create_app({**_base_config(database_url), "CARD_CACHE_SIZE": 0})
    try:
        assert _cards(uncached).enabled is False
        for path in ("/propositions/?tri=recent", "/idees/?tri=recent"):
            with uncached.test_client() as fresh:
                expected = _results(fresh.get(path).get_data(as_text=True))
            client.get(path)  # fills the cache
            assert _results(html(client.get(path))) == expected and len(expected) == 3
        assert _cards(uncached).hits == 0 and _cards(app).hits > 0
    finally:
        # Its own engine: closed here, not left to the garbage collector (a ResourceWarning).
        with uncached.app_context():
            db.engine.dispose()
