"""Back-office statistics: contributions per week (bucketed the same on SQLite and PostgreSQL), by
territorial unit and by domain, each call's funnel, the CSV files, who may see them and how many
queries they cost."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from app.admin import statistics as stats
from app.extensions import db
from app.models import Comment, Decision, ProposalState, Submission, Support
from app.models.base import utcnow
from tests import factories
from tests.helpers import count_queries, html, text

# A Wednesday: its week starts on Monday 2026-11-23.
TODAY = date(2026, 11, 25)
MONDAY = datetime(2026, 11, 23)


def _comment(subject, author, at: datetime) -> Comment:
    column = "idea_id" if subject.kind == "idea" else "proposal_id"
    comment = Comment(author_id=author.id, body="Un message.", body_html="<p>Un message.</p>", created_at=at)
    setattr(comment, column, subject.id)
    db.session.add(comment)
    db.session.commit()
    return comment


def _support(subject, user, at: datetime) -> Support:
    column = "idea_id" if subject.kind == "idea" else "proposal_id"
    support = Support(user_id=user.id, created_at=at, **{column: subject.id})
    db.session.add(support)
    db.session.commit()
    return support


@pytest.fixture
def world(app, territory):
    """Ideas and proposals at chosen instants: Monday 00:00, Sunday 23:59 and Wednesday of the same
    week, the Sunday just before it, and one too old to count."""
    t = territory
    resident = factories.make_user("Habitante")
    other = factories.make_user("Voisin")
    asso = factories.make_association("Entraide", t.medoc_commune, admins=[resident])
    idea_monday = factories.make_idea(resident, t.medoc_commune, domain="sante", created_at=MONDAY)
    factories.make_idea(
        resident, t.bassin_commune, domain="alimentation", created_at=MONDAY + timedelta(days=6, hours=23, minutes=59)
    )
    factories.make_idea(resident, t.bassin_commune, domain="alimentation", created_at=MONDAY - timedelta(minutes=1))
    factories.make_idea(resident, t.medoc_commune, created_at=MONDAY - timedelta(weeks=stats.WEEKS))
    # On two units: once in each unit, once in the totals.
    both = factories.make_proposal(
        asso, resident, poles=(t.medoc, t.bassin), domain="citoyennete", created_at=MONDAY + timedelta(days=2)
    )
    _comment(both, other, MONDAY + timedelta(days=2, hours=1))
    _comment(idea_monday, other, MONDAY - timedelta(days=3))
    _support(both, other, MONDAY + timedelta(days=3))
    _support(idea_monday, other, MONDAY + timedelta(hours=5))
    return {"territory": t, "asso": asso, "resident": resident, "both": both}


def _week(table: stats.Table, monday: date) -> dict[str, int]:
    return dict(table.rows)[monday]


def test_weeks_start_on_monday_on_both_databases(world):
    table = stats.per_week(stats.Filters(), today=TODAY)
    weeks = [label for label, _counts in table.rows]
    assert len(weeks) == stats.WEEKS and weeks[-1] == date(2026, 11, 23) and all(w.weekday() == 0 for w in weeks)
    # Monday 00:00 and Sunday 23:59 are the same week; one minute before Monday is the week before.
    assert _week(table, date(2026, 11, 23)) == {"idea": 2, "proposal": 1, "comment": 1, "support": 2}
    assert _week(table, date(2026, 11, 16)) == {"idea": 1, "proposal": 0, "comment": 1, "support": 0}
    # The idea of 26 weeks ago is out of the window.
    assert table.total("idea") == 3


def test_by_unit_counts_a_proposal_in_each_of_its_units_and_lists_every_unit(world):
    t = world["territory"]
    factories.make_pole("Graves")  # no contribution: still listed, with zeros
    table = stats.by_unit(stats.Filters(), stats.unit_choices(), today=TODAY)
    rows = dict(table.rows)
    assert rows["Médoc"] == {"idea": 1, "proposal": 1, "comment": 2, "support": 2}
    assert rows["Bassin"] == {"idea": 2, "proposal": 1, "comment": 1, "support": 1}
    assert rows["Graves"] == dict.fromkeys(stats.KINDS, 0)
    assert t.medoc.name in rows


def test_by_domain_takes_the_domain_of_what_is_commented_or_supported(world):
    rows = dict(stats.by_domain(stats.Filters(), today=TODAY).rows)
    labels = dict(stats.domain_choices())
    assert rows[labels["sante"]] == {"idea": 1, "proposal": 0, "comment": 1, "support": 1}
    assert rows[labels["citoyennete"]] == {"idea": 0, "proposal": 1, "comment": 1, "support": 1}
    assert rows[labels["alimentation"]] == {"idea": 2, "proposal": 0, "comment": 0, "support": 0}


def test_filters_narrow_every_figure(world):
    t = world["territory"]
    bassin = stats.Filters(unit_id=t.bassin.id)
    assert _week(stats.per_week(bassin, today=TODAY), date(2026, 11, 23)) == {
        "idea": 1,
        "proposal": 1,
        "comment": 1,
        "support": 1,
    }
    health = stats.Filters.parse({"domaine": "sante", "unite": str(t.medoc.id)})
    assert stats.per_week(health, today=TODAY).total("idea") == 1
    assert stats.per_week(health, today=TODAY).total("proposal") == 0
    # Nonsense is no filter at all, never an error.
    assert stats.Filters.parse({"domaine": "n'importe quoi", "unite": "9" * 40}) == stats.Filters()


def _deposit(asso, call, state, *, step="Reçu", decision=None, granted=None, author=None):
    proposal = factories.make_proposal(asso, author, state=state)
    db.session.add(
        Submission(
            call_id=call.id,
            proposal_id=proposal.id,
            submitted_by_id=proposal.author_id,
            step=step,
            decision=decision,
            granted_eur=granted,
        )
    )
    db.session.commit()
    return proposal


def test_call_funnel_from_drafts_to_funding_against_the_envelope(world):
    asso = world["asso"]
    call = factories.make_call("Appel solidaire", envelope=100_000)
    S = ProposalState
    _deposit(asso, call, S.SELECTED, step="Retenu", decision=Decision.SELECTED, granted=20_000)
    _deposit(asso, call, S.SELECTED, step="Retenu", decision=Decision.SELECTED, granted=15_000)
    _deposit(asso, call, S.NOT_SELECTED, step="Non retenu", decision=Decision.REJECTED)
    _deposit(asso, call, S.SUBMITTED, step="Non recevable")
    _deposit(asso, call, S.CHANGES_REQUESTED)
    _deposit(asso, call, S.SUBMITTED)
    # A draft started while the call is open counts as drafted; one started before it does not.
    factories.make_proposal(asso, state=S.DRAFT)
    factories.make_proposal(asso, state=S.DRAFT, created_at=call.opens_at - timedelta(days=1))
    # Another call, without anything.
    factories.make_call(
        "Appel vide", envelope=0, opens=utcnow() - timedelta(days=400), closes=utcnow() - timedelta(days=300)
    )
    funnels = {f.title: f for f in stats.funnels()}
    solidaire = funnels["Appel solidaire"]
    # world's proposal was also started while the call was open, and deposited nowhere.
    assert (solidaire.drafted, solidaire.submitted, solidaire.eligible, solidaire.funded) == (8, 6, 4, 2)
    assert (solidaire.granted_eur, solidaire.envelope_eur) == (35_000, 100_000)
    assert solidaire.share_granted == pytest.approx(0.35)
    empty = funnels["Appel vide"]
    assert (empty.drafted, empty.submitted, empty.funded, empty.granted_eur, empty.share_granted) == (0, 0, 0, 0, None)
    assert list(funnels) == ["Appel solidaire", "Appel vide"]  # newest first


# --- The page, its CSV files, who sees them ---------------------------------------------------------


def test_page_shows_charts_with_their_tables_and_links_to_each_csv(admin_client, world):
    factories.make_call("Appel solidaire")
    response = admin_client.get("/admin/statistiques")
    assert response.status_code == 200
    page = html(response)
    # 4 weekly charts, 1 by unit, 1 by domain, 1 funnel: each an image with a title and description.
    assert page.count('<svg class="chart"') == 7 and page.count('role="img"') == 7
    assert page.count("<desc id=") == 7
    for caption in ("Contributions par semaine", "Contributions par unité territoriale", "Contributions par domaine"):
        assert f"<caption>{caption}" in page
    assert "Entonnoir et montants de l'appel « Appel solidaire »" in text(response)
    for name in ("semaines", "unites", "domaines", "appels"):
        assert f"/admin/statistiques/{name}.csv" in page
    assert "/admin/statistiques" in html(admin_client.get("/admin/"))


def test_csv_files_follow_the_filters(admin_client, world):
    t = world["territory"]
    response = admin_client.get(f"/admin/statistiques/unites.csv?unite={t.bassin.id}&domaine=citoyennete")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="statistiques-unites.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == ["unite_territoriale", "idees", "propositions", "commentaires", "soutiens"]
    by_name = {row[0]: row[1:] for row in rows[1:]}
    assert by_name["Bassin"] == ["0", "1", "1", "1"] and by_name["Médoc"] == ["0", "0", "0", "0"]
    weeks = admin_client.get("/admin/statistiques/semaines.csv").get_data(as_text=True)
    assert len(weeks.strip().splitlines()) == 1 + stats.WEEKS
    assert admin_client.get("/admin/statistiques/domaines.csv").status_code == 200
    assert "appel;redigees;deposees;recevables;financees" in admin_client.get(
        "/admin/statistiques/appels.csv"
    ).get_data(as_text=True)
    assert admin_client.get("/admin/statistiques/autre.csv").status_code == 404


@pytest.mark.parametrize("url", ["/admin/statistiques", "/admin/statistiques/semaines.csv"])
def test_only_administrators_see_statistics(app, client, resident_client, moderator_client, url):
    assert client.get(url).status_code == 302  # to the log-in page
    assert resident_client.get(url).status_code == 403
    assert moderator_client.get(url).status_code == 403


def test_page_costs_the_same_queries_whatever_the_data(app, admin_client, territory):
    url = "/admin/statistiques"
    admin_client.get(url)
    with count_queries() as empty:
        assert admin_client.get(url).status_code == 200
    resident = factories.make_user()
    asso = factories.make_association("Beaucoup", territory.medoc_commune, admins=[resident])
    calls = [factories.make_call(f"Appel {i}") for i in range(3)]
    for i in range(12):
        commune = territory.medoc_commune if i % 2 else territory.bassin_commune
        idea = factories.make_idea(resident, commune, created_at=utcnow() - timedelta(weeks=i))
        _comment(idea, resident, utcnow() - timedelta(days=i))
        proposal = _deposit(asso, calls[i % 3], ProposalState.SUBMITTED, author=resident)
        _support(proposal, factories.make_user(), utcnow() - timedelta(days=i))
    with count_queries() as full:
        response = admin_client.get(url)
    assert response.status_code == 200 and "Appel 2" in text(response)
    # The account, the menu's counters, the units, the domains (a table: app.models.taxonomy), the
    # weeks, by unit, by domain, the funnels and their drafts.
    assert full.count == empty.count == 9
