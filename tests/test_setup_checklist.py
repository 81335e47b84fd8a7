"""A collectivity starting from an empty database: neutral wording until its identity is set, and the
back office's "Mise en route" checklist (app/admin/setup.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app import identity
from app.admin.setup import setup_steps
from app.extensions import db
from app.identity_presets import LYON
from app.models import Commune, PoleRole, PoleRoleKind
from app.models.base import utcnow
from app.models.taxonomy import TargetPublic
from tests import factories
from tests.conftest import _base_config, running_app
from tests.helpers import count_queries, html, text


def _states() -> list[bool]:
    return [step.done for step in setup_steps()]


@pytest.fixture
def new_instance(database_url):
    """An app configured as a real instance: no preset shown before the identity is set."""
    config = {**_base_config(database_url), "IDENTITY_FALLBACK_PRESET": None}
    with running_app(config) as app:
        yield app


def test_a_new_instance_names_no_collectivity_until_its_identity_is_set(new_instance):
    client = new_instance.test_client()
    for path in ("/", "/mentions-legales", "/accessibilite", "/donnees-personnelles"):
        page = text(client.get(path))
        assert "Gironde" not in page and "pôle" not in page.lower(), path
    home = text(client.get("/"))
    assert "Plateforme participative, une plateforme proposée par la collectivité." in home
    identity.save({**LYON})
    assert "Tisser, une plateforme proposée par la Métropole de Lyon." in text(client.get("/"))


def test_the_identity_form_of_a_new_instance_starts_from_neutral_values(new_instance):
    admin = factories.make_user("Administration", is_admin=True)
    page = html(new_instance.test_client().login_as(admin).get("/admin/collectivite"))
    assert 'value="unité territoriale"' in page and "Gironde" not in page


def test_the_checklist_follows_each_step_of_the_set_up(admin_client, admin):
    # The default questions (the migration) and the taxonomies (the test fixtures) are there: the rest is to do.
    assert _states() == [False, False, False, True, True, False, False]
    page = text(admin_client.get("/admin/"))
    assert "Mise en route" in page and "2 étape(s) faite(s) sur 7" in page
    assert 'href="/admin/territoire/importer"' in html(admin_client.get("/admin/"))

    identity.save({**LYON})
    territory = factories.make_territory()
    assert _states() == [True, True, False, True, True, False, False]
    # Communes count as imported once they carry their official code.
    db.session.execute(update(Commune).where(Commune.id == territory.medoc_commune.id).values(insee_code="33001"))
    factories.make_call()
    db.session.add(PoleRole(user_id=admin.id, pole_id=territory.medoc.id, role=PoleRoleKind.MODERATOR.value))
    db.session.commit()
    assert _states() == [True] * 7
    # Once every step is done, the checklist leaves the page.
    assert "Mise en route" not in text(admin_client.get("/admin/"))


def test_the_taxonomy_step_needs_a_value_of_each_kind_in_use(app):
    assert setup_steps()[3].done
    db.session.execute(update(TargetPublic).values(retired_at=utcnow()))
    db.session.commit()
    assert not setup_steps()[3].done


def test_an_agent_is_not_a_moderator_for_the_checklist(app, admin):
    territory = factories.make_territory()
    db.session.add(PoleRole(user_id=admin.id, pole_id=territory.medoc.id, role=PoleRoleKind.AGENT.value))
    db.session.commit()
    assert setup_steps()[-1].done is False


def test_the_home_with_its_checklist_costs_few_queries(admin_client):
    admin_client.get("/admin/")
    with count_queries() as log:
        assert admin_client.get("/admin/").status_code == 200
    # The user, three counts, the dead letters, the header's count and the checklist's one query.
    assert log.count <= 7, log.statements


@pytest.mark.parametrize("role", ["anonymous", "resident", "moderator", "member"])
def test_only_administrators_see_the_checklist(app, role, request):
    client = app.test_client() if role == "anonymous" else request.getfixturevalue(f"{role}_client")
    response = client.get("/admin/")
    assert response.status_code == (302 if role == "anonymous" else 403)
    assert "Mise en route" not in response.get_data(as_text=True)
