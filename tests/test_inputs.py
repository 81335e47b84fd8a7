"""Values from outside (app/inputs.py). Finding 7 of issue 14: whole numbers beyond what the
database holds (SQLite stops at 2^63 - 1 with an OverflowError) are "no such thing", never a 500,
in URLs, query strings and forms. And NUL characters, which PostgreSQL's text refuses (a 500 found
by the route fuzzer), never reach a view."""

from __future__ import annotations

import re

import pytest
from werkzeug.routing import IntegerConverter, UnicodeConverter

from app.extensions import db
from app.inputs import MAX_ID, MAX_PAGE, int_value, page_value, parse_int
from app.models import Comment, Proposal, ProposalState
from tests import factories
from tests.helpers import text
from tests.test_proposals import _form

HUGE = "99999999999999999999"
JUST_TOO_BIG = str(2**63)


_SEGMENT = re.compile(r"<(?:[^<>]+:)?(\w+)>")


def _url_with(rule, int_text: str, text: str = "x") -> str:
    """The rule's URL, each int segment replaced by ``int_text`` and the others by a plausible value."""

    def value(match: re.Match) -> str:
        converter = rule._converters[match.group(1)]
        if isinstance(converter, IntegerConverter):
            return int_text
        if hasattr(converter, "items"):  # any(...)
            return sorted(converter.items)[0]
        return text

    return _SEGMENT.sub(value, rule.rule)


def test_every_int_route_answers_404_beyond_the_columns_range(app, admin_client):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]
    assert len(rules) >= 40
    for rule in rules:
        for value in (HUGE, JUST_TOO_BIG, str(MAX_ID + 1)):
            url = _url_with(rule, value)
            if "GET" in rule.methods:
                response = admin_client.get(url)
            else:
                response = admin_client.post(url, data={})
            # 405 when a sibling rule has another method: werkzeug reports that before the converter.
            assert response.status_code in (404, 405), (url, response.status_code)


def test_the_largest_id_is_still_routed(admin_client):
    assert admin_client.get(f"/idees/{MAX_ID}").status_code == 404
    assert admin_client.get(f"/idees/{MAX_ID + 1}").status_code == 404


def test_query_and_form_integers_out_of_range_are_ignored(
    app, territory, resident, resident_client, member, moderator_client, admin_client
):
    idea = factories.make_idea(resident, territory.medoc_commune)
    comment = factories.make_comment(idea, resident, "Un premier message.")
    base = f"/idees/{idea.id}"
    for value in (HUGE, JUST_TOO_BIG, "-1", "٣", "1_0", "x" * 5000, "9" * 5000):
        assert resident_client.get(f"{base}?avant={value}&repondre={value}").status_code == 200
        poll = resident_client.get(f"{base}/commentaires/nouveaux?apres={value}&depuis={value}")
        assert poll.status_code in (200, 204)
        assert resident_client.get(f"/idees/?page={value}").status_code == 200
        assert resident_client.get(f"/recherche/?q=jardin&page={value}").status_code == 200
        assert resident_client.get(f"/associations/?page={value}").status_code == 200
        assert resident_client.get(f"/notifications/?page={value}").status_code == 200
        assert resident_client.get(f"/notifications/badge?n={value}").status_code in (200, 204)
        assert admin_client.get(f"/moderation/journal?page={value}&moderateur={value}").status_code == 200
        assert moderator_client.get(f"/moderation/medoc?page={value}").status_code == 200
        lot = admin_client.post("/moderation/lot", data={"action": "hide", "cas": value, "reason": "r"})
        assert lot.status_code < 500
        assert admin_client.get(f"/propositions/nouvelle?idee={value}").status_code in (200, 403)
        reply = resident_client.post(f"{base}/commentaires", data={"body": "Réponse", "repondre": value})
        assert reply.status_code < 500
    assert comment.id


def test_proposal_edit_with_a_broken_version_is_a_field_error_and_keeps_the_text(member_client, member, territory):
    association = db.session.scalar(db.select(factories.Association))
    proposal = factories.make_proposal(
        association, member, communes=[territory.medoc_commune], state=ProposalState.DRAFT, via_services=True
    )
    for broken in ("abc", "1.0", HUGE):
        response = member_client.post(
            f"/propositions/{proposal.id}/modifier",
            data=_form(territory, version=broken, title="Mon titre soigneusement réécrit"),
        )
        assert response.status_code == 422, broken
        page = text(response)
        assert "La version de départ est illisible" in page
        assert "Mon titre soigneusement réécrit" in page
    db.session.expire_all()
    assert db.session.get(Proposal, proposal.id).title == "Garde solidaire du soir"
    # Saving again from the page as it came back works.
    again = member_client.post(
        f"/propositions/{proposal.id}/modifier",
        data=_form(territory, version=proposal.version, title="Mon titre soigneusement réécrit"),
    )
    assert again.status_code == 302


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("-1", None),
        ("1.0", None),
        ("abc", None),
        ("٣", None),
        ("1_000", None),
        ("", None),
        (None, None),
        ("9" * 5000, None),
    ],
)
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


def test_int_value_and_page_value():
    assert int_value({"a": "3"}, "a") == 3
    assert int_value({"a": HUGE}, "a", 0) == 0
    assert int_value({}, "a", 5) == 5 and int_value(None, "a") is None
    assert page_value({"page": "3"}) == 3
    assert page_value({"page": "0"}) == 1 and page_value({"page": "-4"}) == 1 and page_value({"page": "x"}) == 1
    assert page_value({"page": "9" * 5000}) == MAX_PAGE and page_value({"page": "20000"}) == MAX_PAGE
    assert page_value({}) == 1


def test_a_text_segment_with_a_control_character_matches_no_route(app, admin_client):
    """On PostgreSQL a NUL in a slug reached the query: a DataError, a 500."""
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, UnicodeConverter) for c in rule._converters.values())
    ]
    assert len(rules) >= 25
    for rule in rules:
        for bad in ("x%00", "x%01y", "%7F"):
            url = _url_with(rule, "1", text=bad)
            response = admin_client.get(url) if "GET" in rule.methods else admin_client.post(url, data={})
            assert response.status_code in (404, 405), (url, response.status_code)


def test_nul_characters_are_dropped_from_query_and_form_values(territory, resident, resident_client):
    idea = factories.make_idea(resident, territory.medoc_commune)
    response = resident_client.post(f"/idees/{idea.id}/commentaires", data={"commentaire-body": "Bon\x00jour\x00"})
    assert response.status_code == 302
    assert db.session.scalar(db.select(Comment.body)) == "Bonjour"
    assert resident_client.get("/recherche/?q=jar%00din&page=1%00").status_code == 200
