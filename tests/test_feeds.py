"""Atom feeds, sitemap.xml and robots.txt: only what a visitor may see, in valid XML."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from app.extensions import db
from app.feeds import services as feed_services
from app.mediation import services as mediation_services
from app.models import Decision, Idea, Proposal, ProposalState, Submission
from app.models.base import utcnow
from tests.factories import make_association, make_call, make_idea, make_proposal, make_user
from tests.helpers import count_queries

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def _hide(model, item) -> None:
    db.session.execute(model.__table__.update().where(model.id == item.id).values(hidden_at=utcnow()))
    db.session.commit()


@pytest.fixture
def world(app, territory):
    """Visible and invisible items in two poles, and a call whose results are published."""
    association = make_association("Les Jardins", territory.medoc_commune)
    medoc, bassin = (territory.medoc_commune,), (territory.bassin_commune,)
    w = {
        "medoc": make_proposal(association, communes=medoc, title="Médoc publiée", summary="Un <b>résumé</b> & co"),
        "bassin": make_proposal(association, communes=bassin, title="Bassin publiée"),
        "draft": make_proposal(association, communes=medoc, title="Brouillon", state=ProposalState.DRAFT),
        "withdrawn": make_proposal(association, communes=medoc, title="Retirée", state=ProposalState.WITHDRAWN),
        "hidden": make_proposal(association, communes=medoc, title="Masquée"),
        "idea": make_idea(
            make_user("Camille"),
            territory.medoc_commune,
            title="Idée visible",
            description="Un besoin **observé** sur le terrain.",
        ),
        "hidden_idea": make_idea(make_user("Dominique"), territory.medoc_commune, title="Idée masquée"),
        "bassin_idea": make_idea(make_user("Alix"), territory.bassin_commune, title="Idée du Bassin"),
        "call": make_call("Appel publié", slug="appel-publie"),
        "open_call": make_call("Appel ouvert", slug="appel-ouvert"),
    }
    w["selected"] = make_proposal(association, communes=medoc, title="Projet retenu", state=ProposalState.SELECTED)
    w["pending"] = make_proposal(association, communes=medoc, title="Projet en attente", state=ProposalState.SELECTED)
    author = make_user()
    for call, proposal in ((w["call"], w["selected"]), (w["open_call"], w["pending"])):
        db.session.add(
            Submission(
                call_id=call.id,
                proposal_id=proposal.id,
                submitted_by_id=author.id,
                decision=Decision.SELECTED,
                granted_eur=12000,
            )
        )
    w["call"].results_published_at = utcnow() - timedelta(days=1)
    db.session.commit()
    _hide(Proposal, w["hidden"])
    _hide(Idea, w["hidden_idea"])
    return w


def _atom(client, url: str) -> ET.Element:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content_type.startswith("application/atom+xml")
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    # What RFC 4287 requires of a feed, and of each entry.
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text, name
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost" + url
    for entry in root.iter(f"{ATOM}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert entry.find(f"{ATOM}{name}").text, name
        # No rel means "alternate" (RFC 4287 4.2.7.2): the item's page, absolute.
        links = [link for link in entry.iter(f"{ATOM}link") if link.get("rel", "alternate") == "alternate"]
        assert links[0].get("href").startswith("http://localhost/")
        assert entry.find(f"{ATOM}author/{ATOM}name").text
    return root


def _titles(root: ET.Element) -> set[str]:
    return {entry.find(f"{ATOM}title").text for entry in root.iter(f"{ATOM}entry")}


# Each scope's feeds, and what they list: one world for all of them (each world costs a second).
FEEDS = {
    "/flux/propositions.atom": {"Médoc publiée", "Bassin publiée", "Projet retenu", "Projet en attente"},
    "/flux/territoires/medoc/propositions.atom": {"Médoc publiée", "Projet retenu", "Projet en attente"},
    "/flux/appels/appel-publie/propositions.atom": {"Projet retenu"},
    "/flux/idees.atom": {"Idée visible", "Idée du Bassin"},
    "/flux/territoires/bassin/idees.atom": {"Idée du Bassin"},
    # Only calls whose results are published: the open call's decision is not public yet.
    "/flux/resultats.atom": {"Projet retenu"},
    "/flux/appels/appel-publie/resultats.atom": {"Projet retenu"},
    "/flux/appels/appel-ouvert/resultats.atom": set(),
    "/flux/territoires/bassin/resultats.atom": set(),
}


def test_each_feed_is_atom_and_lists_only_public_items_of_its_scope(client, world):
    for path, expected in FEEDS.items():
        assert _titles(_atom(client, path)) == expected, path


def test_feed_entries_have_stable_ids_public_names_and_escaped_summaries(client, world):
    root = _atom(client, "/flux/territoires/medoc/propositions.atom")
    entry = next(e for e in root.iter(f"{ATOM}entry") if e.find(f"{ATOM}title").text == "Médoc publiée")
    url = f"http://localhost/propositions/{world['medoc'].id}"
    assert entry.find(f"{ATOM}id").text == url
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Les Jardins"
    # Markup typed by authors stays text: escaped in the XML, read back as typed.
    assert entry.find(f"{ATOM}summary").text == "Un <b>résumé</b> & co"
    assert entry.find(f"{ATOM}summary").get("type", "text") == "text"
    assert b"<b>" not in client.get("/flux/territoires/medoc/propositions.atom").data

    ideas = _atom(client, "/flux/idees.atom")
    authors = {e.find(f"{ATOM}author/{ATOM}name").text for e in ideas.iter(f"{ATOM}entry")}
    assert authors == {"Camille", "Alix"}
    summaries = {e.find(f"{ATOM}summary").text for e in ideas.iter(f"{ATOM}entry")}
    assert "Un besoin observé sur le terrain." in summaries  # the text, not its Markdown
    assert b"@" not in client.get("/flux/idees.atom").data  # never an e-mail address

    result = next(_atom(client, "/flux/resultats.atom").iter(f"{ATOM}entry"))
    assert result.find(f"{ATOM}id").text == f"http://localhost/appels/projets/{world['selected'].id}"
    said = "Retenu par l'appel « Appel publié », 12\u202f000\u00a0€ accordés."
    assert result.find(f"{ATOM}summary").text.startswith(said)


def test_an_idea_collected_in_person_is_signed_by_its_unit_not_the_agent(client, territory):
    agent = make_user("Agente Martin", agent_pole_id=territory.medoc.id)
    resident = mediation_services.Resident(
        name="Élise", commune_id=territory.medoc_commune.id, birth_year=1958, place="market", met_on=date.today()
    )
    mediation_services.record_idea(
        agent,
        resident,
        title="Recueillie au marché",
        description="Une description assez longue pour passer.",
        commune_id=territory.medoc_commune.id,
        domain="alimentation",
        publics=[],
    )
    entry = next(_atom(client, "/flux/idees.atom").iter(f"{ATOM}entry"))
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Pôle Médoc"
    assert b"Agente" not in client.get("/flux/idees.atom").data


def test_unknown_feeds_are_404(client, territory):
    make_call("Appel publié", slug="appel-publie")
    for path in (
        "/flux/brouillons.atom",
        "/flux/appels/appel-publie/idees.atom",
        "/flux/appels/inconnu/propositions.atom",
        "/flux/territoires/inconnu/idees.atom",
    ):
        assert client.get(path).status_code == 404, path


def test_an_empty_feed_is_still_valid_atom(client, territory):
    root = _atom(client, "/flux/resultats.atom")
    assert _titles(root) == set()


def _feed_queries(client, url: str) -> int:
    with count_queries() as log:
        assert client.get(url).status_code == 200
    return log.count


def test_feed_and_sitemap_queries_do_not_grow_with_the_items(client, territory):
    association = make_association("Les Jardins", territory.medoc_commune)
    call = make_call("Appel publié", slug="appel-publie")
    author = make_user()
    urls = ("/flux/propositions.atom", "/flux/idees.atom", "/flux/resultats.atom", "/sitemap-propositions-1.xml")

    def add(n: int) -> None:
        for _ in range(n):
            make_idea(author, territory.medoc_commune)
            proposal = make_proposal(
                association, author, communes=(territory.medoc_commune,), state=ProposalState.SELECTED
            )
            db.session.add(
                Submission(
                    call_id=call.id, proposal_id=proposal.id, submitted_by_id=author.id, decision=Decision.SELECTED
                )
            )
        call.results_published_at = utcnow()
        db.session.commit()

    add(2)
    few = [_feed_queries(client, url) for url in urls]
    add(18)
    assert [_feed_queries(client, url) for url in urls] == few


def _sitemap_urls(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.content_type.startswith("application/xml")
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{SITEMAP}urlset"
    return [loc.text for loc in root.iter(f"{SITEMAP}loc")]


def test_sitemap_index_and_files_list_only_public_pages(client, world, monkeypatch):
    # Two URLs a file, so that the split into several files is walked with little data.
    monkeypatch.setattr(feed_services, "SITEMAP_CHUNK", 2)
    index = ET.fromstring(client.get("/sitemap.xml").get_data())
    assert index.tag == f"{SITEMAP}sitemapindex"
    files = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    # Four listed proposals (draft, withdrawn and hidden left out): two files of two.
    assert files == [
        "http://localhost/sitemap-pages.xml",
        "http://localhost/sitemap-propositions-1.xml",
        "http://localhost/sitemap-propositions-2.xml",
        "http://localhost/sitemap-idees-1.xml",
    ]
    urls = [u for f in files for u in _sitemap_urls(client, f.removeprefix("http://localhost"))]
    assert len(urls) == len(set(urls))
    proposal_urls = {u for u in urls if "/propositions/" in u and u != "http://localhost/propositions/"}
    expected = {f"http://localhost/propositions/{world[k].id}" for k in ("medoc", "bassin", "selected", "pending")}
    assert proposal_urls == expected
    idea_urls = {u for u in urls if "/idees/" in u and u != "http://localhost/idees/"}
    assert idea_urls == {f"http://localhost/idees/{world[k].id}" for k in ("idea", "bassin_idea")}
    for public in (
        "http://localhost/",
        "http://localhost/idees/",
        "http://localhost/propositions/",
        "http://localhost/appels/appel-publie",
        "http://localhost/appels/appel-publie/resultats",
        "http://localhost/appels/appel-ouvert",
        "http://localhost/territoires/medoc",
        "http://localhost/plan-du-site",
    ):
        assert public in urls
    # Results not yet published, accounts, administration: never.
    assert "http://localhost/appels/appel-ouvert/resultats" not in urls
    assert not [u for u in urls if "/compte" in u or "/admin" in u or "/moderation" in u]
    assert client.get("/sitemap-propositions-3.xml").status_code == 404
    assert client.get("/sitemap-brouillons-1.xml").status_code == 404


def test_robots_txt_opens_public_pages_and_points_to_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    lines = response.get_data(as_text=True).splitlines()
    assert lines[:2] == ["User-agent: *", "Allow: /"]
    for path in ("/admin", "/moderation", "/compte", "/recherche/?", "/*.csv$", "/appels/*/classement"):
        assert f"Disallow: {path}" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines
    assert "Disallow: /propositions/" not in lines


# --- Canonical address, OpenGraph and the feed links of the pages -------------------------------


def _head(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    return page[: page.index("</head>")]


def _meta(head: str, prop: str) -> str:
    found = re.search(rf'<meta property="{re.escape(prop)}" content="([^"]*)">', head)
    assert found, prop
    return html.unescape(found[1])


def test_a_proposal_page_gives_its_canonical_address_title_and_summary(client, territory):
    association = make_association("Les Jardins", territory.medoc_commune)
    summary = "Des parents <b>se relaient</b> " + "pour garder les enfants le soir " * 10
    proposal = make_proposal(association, title="Garde « solidaire » & du soir", summary=summary)
    head = _head(client, f"/propositions/{proposal.id}?utm_source=lettre&fbclid=x&lang=fr")
    url = f"http://localhost/propositions/{proposal.id}"
    assert f'<link rel="canonical" href="{url}">' in head
    assert _meta(head, "og:url") == url
    assert _meta(head, "og:title") == "Garde « solidaire » & du soir"
    assert _meta(head, "og:type") == "article"
    assert _meta(head, "og:site_name") == "Tisser"
    assert _meta(head, "og:locale") == "fr_FR"
    description = _meta(head, "og:description")
    assert description.startswith("Des parents se relaient pour garder") and description.endswith("…")
    assert len(description) <= 200
    assert html.unescape(re.search(r'<meta name="description" content="([^"]*)">', head)[1]) == description
    # The hreflang alternates drop the tracking too: the same address, the language named.
    assert f'<link rel="alternate" hreflang="x-default" href="{url}">' in head
    assert f'<link rel="alternate" hreflang="en" href="{url}?lang=en">' in head

    # The English page is its own address (its hreflang alternate), in its own locale.
    english = _head(client, f"/propositions/{proposal.id}?lang=en&utm_medium=mail")
    assert f'<link rel="canonical" href="{url}?lang=en">' in english
    assert _meta(english, "og:locale") == "en_GB"


def test_a_hidden_proposal_page_does_not_preview_its_summary(client, territory):
    association = make_association("Les Jardins", territory.medoc_commune)
    proposal = make_proposal(association, summary="Un résumé que la modération a masqué")
    _hide(Proposal, proposal)
    head = _head(client, f"/propositions/{proposal.id}")
    assert "masqué" not in _meta(head, "og:description")
    assert _meta(head, "og:title") == "Proposition masquée"


def test_pages_announce_and_offer_their_feeds(client, territory):
    call = make_call("Appel publié", slug="appel-publie")
    for url, feeds in (
        ("/", ["/flux/propositions.atom", "/flux/idees.atom", "/flux/resultats.atom"]),
        ("/propositions/", ["/flux/propositions.atom"]),
        ("/idees/", ["/flux/idees.atom"]),
        ("/appels/", ["/flux/resultats.atom"]),
        (
            f"/appels/{call.slug}",
            [f"/flux/appels/{call.slug}/propositions.atom", "/flux/appels/appel-publie/resultats.atom"],
        ),
        ("/territoires/medoc", [f"/flux/territoires/medoc/{k}.atom" for k in ("propositions", "idees", "resultats")]),
    ):
        page = client.get(url).get_data(as_text=True)
        head = page[: page.index("</head>")]
        announced = re.findall(
            r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', head
        )
        assert announced == ["http://localhost" + f for f in feeds], url
        offered = re.findall(r'<a class="feed-link" href="([^"]+)" type="application/atom\+xml">', page)
        assert offered == announced, url
        assert "S'abonner (Atom)" in html.unescape(page)
        for feed in feeds:
            assert client.get(feed).status_code == 200, feed


def test_an_idea_page_previews_its_text_without_markdown(client, territory):
    idea = make_idea(
        make_user("Camille"), territory.medoc_commune, description="**Important** : [un lien](/x) <i>ici</i>"
    )
    head = _head(client, f"/idees/{idea.id}")
    assert _meta(head, "og:description") == "Important : un lien ici"
    assert _meta(head, "og:type") == "article"
