"""SCDL subventions 2.1.1: the grant's terms entered with the decision, the collectivity's SIRET, the
public CSV of a call's published results (validated with frictionless against app/scdl/schema.json),
the equal split between co-authors and what the export could not complete."""

import csv
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app import identity
from app.calls import decisions
from app.calls import services as call_services
from app.extensions import db
from app.models import Association, Call, Decision, Submission
from app.models.base import utcnow
from app.scdl import export
from app.scdl.terms import GrantTerms
from tests import factories
from tests.helpers import count_queries, field_error, html, text

SCHEMA = Path(__file__).resolve().parent.parent / "app" / "scdl" / "schema.json"
COLLECTIVITY_SIRET = "22330001300016"
TERMS = GrantTerms(
    reference="2026-03-103",
    convention_date=date(2026, 3, 12),
    purpose="Cuisine partagée",
    payment_dates="2026-04-01/2026-12-31",
)
DECISION = {
    "decision": "selected",
    "amount": "12000",
    "reason": "Bon projet.",
    "reference": "2026-03-103",
    "convention_date": "2026-03-12",
    "purpose": "Cuisine partagée",
    "nature": "aide en numéraire",
    "conditions": "échelonné",
    "payment_dates": "2026-04-01/2026-12-31",
}


@pytest.fixture
def w(app, territory):
    return factories.calls_world(territory)


def _client(app, user=None):
    client = app.test_client()
    return client.login_as(user) if user is not None else client


def _submission(proposal) -> Submission:
    return db.session.scalar(select(Submission).where(Submission.proposal_id == proposal.id))


def _decidable(w, coauthored: bool = True, others: int = 0):
    """A proposal of A (co-written with B unless told otherwise), and ``others`` of C, submitted and
    instructed, the call closed."""
    proposal = factories.world_proposal(w, coauthored=coauthored, call=w["call"])
    more = [
        factories.make_proposal(
            w["C"], w["other"], communes=[w["territory"].medoc_commune], via_services=True, call=w["call"]
        )
        for _ in range(others)
    ]
    w["call"].closes_at = utcnow() - timedelta(hours=1)
    for p in (proposal, *more):
        call_services.set_step(_submission(p), "En instruction")
    db.session.commit()
    return (proposal, *more) if others else proposal


def _identify(siret: str = COLLECTIVITY_SIRET) -> None:
    identity.save({"siret": siret, "grant_authority_name": "Département de la Gironde"})


def _publish(w) -> Call:
    decisions.publish_results(db.session.get(Call, w["call"].id))
    return db.session.get(Call, w["call"].id)


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _validate(body: str):
    from frictionless import Resource, Schema

    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    resource = Resource(data=body.encode(), format="csv", encoding="utf-8", schema=schema)
    return resource.validate()


def test_shares_add_up_to_exactly_one():
    assert export.shares(1) == [Decimal("1.00")]
    assert export.shares(2) == [Decimal("0.50"), Decimal("0.50")]
    assert export.shares(3) == [Decimal("0.34"), Decimal("0.33"), Decimal("0.33")]
    for n in range(1, 101):
        split = export.shares(n)
        assert sum(split) == 1 and min(split) >= Decimal("0.01"), n


def test_coauthored_grant_gives_two_rows_summing_to_one_and_validates(app, w):
    _identify()
    w["A"].siret, w["A"].rna = "78451236000016", "W332004512"
    w["B"].siret = "81234567600009"
    proposal = _decidable(w)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 12_000, "Bon.", terms=TERMS)
    call = _publish(w)
    response = _client(app).get(f"/appels/{call.slug}/resultats/subventions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "subventions-" in response.headers["Content-Disposition"]
    rows = _rows(response)
    assert [r["nomBeneficiaire"] for r in rows] == ["Association A", "Association B"]
    assert sum(Decimal(r["pourcentageSubvention"]) for r in rows) == 1
    assert {r["montant"] for r in rows} == {"12000.00"}
    first = rows[0]
    assert first["nomAttribuant"] == "Département de la Gironde" and first["idAttribuant"] == COLLECTIVITY_SIRET
    assert first["idBeneficiaire"] == "78451236000016" and first["rnaBeneficiaire"] == "W332004512"
    assert first["referenceDecision"] == "2026-03-103" and first["dateConvention"] == "2026-03-12"
    assert first["notificationUE"] == "non" and first["datesPeriodeVersement"] == "2026-04-01/2026-12-31"
    report = _validate(response.get_data(as_text=True))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_the_validator_catches_a_row_outside_the_schema():
    """The schema is not a formality: the narrower RNA pattern and the SIRET pattern are checked."""
    row = dict.fromkeys(export.COLUMNS, "")
    row.update(
        nomAttribuant="X",
        idAttribuant=COLLECTIVITY_SIRET,
        dateConvention="2026-03-12",
        nomBeneficiaire="Y",
        rnaBeneficiaire="W33A004512",
        objet="Z",
        montant="10.00",
        nature="aide en numéraire",
        conditionsVersement="unique",
        datesPeriodeVersement="2026-04-01",
        notificationUE="non",
        pourcentageSubvention="1.00",
    )
    body = ",".join(export.COLUMNS) + "\r\n" + ",".join(row[c] for c in export.COLUMNS) + "\r\n"
    report = _validate(body)
    assert not report.valid
    assert [e[1] for e in report.flatten(["rowNumber", "fieldName"])] == ["rnaBeneficiaire"]


def test_incomplete_rows_are_reported_and_the_file_still_validates(app, w):
    admin = w["admin"]
    _identify()
    # A: an RNA the schema cannot take and no SIRET; B: fine. C's grant has no terms at all.
    w["A"].rna, w["B"].siret = "W33A004512", "81234567600009"
    complete, bare = _decidable(w, others=1)
    decisions.decide(_submission(complete).id, Decision.SELECTED, 12_000, "Bon.", terms=TERMS)
    decisions.decide(_submission(bare).id, Decision.SELECTED, 5_000, "Bon aussi.")
    call = _publish(w)
    built = export.build(call)
    assert [(i.beneficiary, i.left_out) for i in built.issues] == [
        ("Association A", False),  # no SIRET
        ("Association A", False),  # RNA outside the pattern
        ("", True),  # C's grant: no terms
    ]
    rows = _rows(_client(app).get(f"/appels/{call.slug}/resultats/subventions.csv"))
    assert [(r["nomBeneficiaire"], r["idBeneficiaire"], r["rnaBeneficiaire"]) for r in rows] == [
        ("Association A", "", ""),
        ("Association B", "81234567600009", ""),
    ]
    assert _validate(_client(app).get(f"/appels/{call.slug}/resultats/subventions.csv").get_data(as_text=True)).valid
    # The administrator reads it on the results page, in French; the public only gets the link.
    page = text(_client(app, admin).get(f"/appels/{call.slug}/resultats"))
    assert "Pas de SIRET" in page and "W33A004512 ne suit pas le format" in page
    assert "il manque la référence de la décision, la date de la convention" in page
    public = html(_client(app).get(f"/appels/{call.slug}/resultats"))
    assert "/resultats/subventions.csv" in public and "scdl-report" not in public


def test_without_the_collectivitys_siret_the_file_is_empty_and_says_why(app, w):
    admin = w["admin"]
    proposal = _decidable(w)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 12_000, "Bon.", terms=TERMS)
    call = _publish(w)
    response = _client(app).get(f"/appels/{call.slug}/resultats/subventions.csv")
    assert response.get_data(as_text=True) == ",".join(export.COLUMNS) + "\r\n"
    assert "n'a pas de SIRET dans ses réglages" in text(_client(app, admin).get(f"/appels/{call.slug}/resultats"))


def test_the_file_is_404_before_publication_for_every_role(app, w):
    _identify()
    proposal = _decidable(w)
    decisions.decide(_submission(proposal).id, Decision.SELECTED, 12_000, "Bon.", terms=TERMS)
    # Anonymous, resident, the grant's own association, a unit's moderator, an administrator.
    for user in (None, w["resident"], w["lead"], w["mod_medoc"], w["admin"]):
        response = _client(app, user).get(f"/appels/{w['call'].slug}/resultats/subventions.csv")
        assert response.status_code == 404, user
    assert export.available_calls() == []


def test_export_query_count_does_not_grow_with_grants(app, w):
    _identify()
    w["call"].envelope_eur = 10_000_000
    _decidable(w, others=3)  # a co-authored proposal (two rows) and three of C alone
    first = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    for s in first[:2]:
        decisions.decide(s.id, Decision.SELECTED, 1_000, "Bon.", terms=TERMS)
    call = db.session.get(Call, w["call"].id)
    identity.current()
    with count_queries() as two:
        assert len(export.build(call).rows) == 3  # co-authored: two rows, then one
    for s in first[2:]:
        decisions.decide(s.id, Decision.SELECTED, 1_000, "Bon.", terms=TERMS)
    call = db.session.get(Call, w["call"].id)
    identity.current()
    with count_queries() as more:
        assert len(export.build(call).rows) == 5
    # The grants, their proposals' co-authorships (loaded with every proposal), the co-authors.
    assert two.count == more.count == 3


def test_decision_form_takes_the_terms_and_keeps_what_was_typed(app, w):
    admin = w["admin"]
    proposal = _decidable(w)
    sub = _submission(proposal)
    admin_client = _client(app, admin)
    page = html(admin_client.get(f"/appels/{w['call'].slug}/instruction"))
    # The project's title is offered as the grant's purpose.
    assert f'name="purpose" type="text" value="{proposal.title}"' in page
    bad = {**DECISION, "payment_dates": "2026-04-01/2026-02-30", "reference": "DEL-2026-12"}
    response = admin_client.post(f"/appels/depots/{sub.id}/decision", data=bad)
    assert response.status_code == 422
    assert "n'est ni une date AAAA-MM-JJ" in field_error(response, f"payment_dates-{sub.id}")
    refused = html(response)
    assert 'value="DEL-2026-12"' in refused and 'value="2026-04-01/2026-02-30"' in refused
    assert 'value="échelonné"' in refused
    db.session.expire_all()
    assert _submission(proposal).decision is None
    missing = {**DECISION, "reference": ""}
    response = admin_client.post(f"/appels/depots/{sub.id}/decision", data=missing)
    assert "référence de l'acte" in field_error(response, f"reference-{sub.id}")
    assert admin_client.post(f"/appels/depots/{sub.id}/decision", data=dict(DECISION)).status_code == 302
    db.session.expire_all()
    saved = _submission(proposal)
    assert (saved.decision_reference, saved.convention_date, saved.payment_conditions) == (
        "2026-03-103",
        date(2026, 3, 12),
        "échelonné",
    )
    assert saved.payment_dates == "2026-04-01/2026-12-31" and saved.grant_nature == "aide en numéraire"


def test_a_refusal_needs_no_terms_and_clears_them(app, w):
    proposal = _decidable(w)
    sub = _submission(proposal)
    decisions.decide(sub.id, Decision.SELECTED, 12_000, "Bon.", terms=TERMS)
    decisions.decide(sub.id, Decision.REJECTED, None, "Finalement non.", terms=GrantTerms())
    db.session.expire_all()
    assert _submission(proposal).decision_reference == "" and _submission(proposal).convention_date is None


def test_refused_roles_cannot_post_a_decision_with_terms(app, w):
    proposal = _decidable(w)
    sub = _submission(proposal)
    for user in (w["resident"], w["lead"], w["co"], w["mod_medoc"]):
        # A copy each time: the test client adds its own CSRF token to the data it is given.
        assert _client(app, user).post(f"/appels/depots/{sub.id}/decision", data=dict(DECISION)).status_code == 403
    assert _client(app).post(f"/appels/depots/{sub.id}/decision", data=dict(DECISION)).status_code == 302  # to log in
    db.session.expire_all()
    assert _submission(proposal).decision is None and _submission(proposal).decision_reference == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1234", "14 chiffres"),
        ("2233000130001A", "ne contient que des chiffres"),
        ("22330001300017", "clé de contrôle"),
    ],
)
def test_collectivity_siret_is_checked_with_a_french_message(app, admin, value, message):
    client = _client(app, admin)
    form = html(client.get("/admin/collectivite"))
    assert 'name="siret"' in form
    data = {
        "name": "Département de la Gironde",
        "name_feminine": "m",
        "platform_name": "Tisser",
        "unit_singular": "pôle",
        "unit_plural": "pôles",
        "unit_short": "pôle",
        "unit_short_plural": "pôles",
        "unit_feminine": "m",
        "accessibility_status": "non",
        "grant_authority_name": "Département de la Gironde (Conseil départemental)",
        "siret": value,
    }
    response = client.post("/admin/collectivite", data=data)
    assert response.status_code == 422
    assert message in field_error(response, "siret")
    assert 'value="Département de la Gironde (Conseil départemental)"' in html(response)
    response = client.post("/admin/collectivite", data={**data, "siret": "223 300 013 00016"})
    assert response.status_code == 302
    identity.forget()  # this test's own context read the identity before the requests saved it
    assert identity.current().siret == COLLECTIVITY_SIRET
    assert identity.current().grant_authority_name == "Département de la Gironde (Conseil départemental)"


def test_collectivity_settings_refused_to_other_roles(app, member):
    for client in (_client(app), _client(app, member)):
        response = client.post("/admin/collectivite", data={"siret": COLLECTIVITY_SIRET})
        assert response.status_code in (302, 403)
    assert db.session.scalar(select(Association.id).where(Association.siret == COLLECTIVITY_SIRET)) is None
    identity.forget()
    assert identity.current().siret == ""


def test_the_demos_published_results_export_validates(app, client):
    from app.demo import PAST_CALL_SLUG, load_demo

    load_demo()
    assert [c.slug for c in export.available_calls()] == [PAST_CALL_SLUG]
    response = client.get(f"/appels/{PAST_CALL_SLUG}/resultats/subventions.csv")
    body = response.get_data(as_text=True)
    report = _validate(body)
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    rows = list(csv.DictReader(io.StringIO(body)))
    # The Bassin's grant is shared with its co-author; Médoc Entraide has no SIRET, its RNA is written.
    assert [(r["nomBeneficiaire"], r["pourcentageSubvention"]) for r in rows] == [
        ("Les Jardins partagés du Bassin", "0.50"),
        ("Épicerie solidaire du Libournais", "0.50"),
        ("Médoc Entraide Seniors", "1.00"),
    ]
    assert rows[2]["idBeneficiaire"] == "" and rows[2]["rnaBeneficiaire"] == "W331009876"
    assert {r["idAttribuant"] for r in rows} == {"22330001300016"}
    results = html(client.get(f"/appels/{PAST_CALL_SLUG}/resultats"))
    assert f"/appels/{PAST_CALL_SLUG}/resultats/subventions.csv" in results
