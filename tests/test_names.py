"""Lookalike names cannot impersonate the staff or a pole (issue 14, finding 14)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.associations import services as associations
from app.auth import services as auth
from app.extensions import db
from app.models import Association, User
from app.names import name_problem, skeleton
from tests import factories
from tests.helpers import text
from tests.test_associations import _form as association_form
from tests.test_auth import _register

IMPERSONATIONS = [
    "Administration Tisser",
    "Administration\u200b Tisser",  # zero-width space
    "\u0410dministration Tisser",  # Cyrillic А
    "Adm\u0456n\u0456strat\u0456on",  # Cyrillic і
    "\u202eressiT noitartsinimdA",  # right-to-left override
    "Tisser\u2066\u2069",  # bidi isolates
    "\uff21\uff24\uff2d\uff29\uff2e",  # fullwidth ＡＤＭＩＮ
    "M0DÉRATION",
    "modératrice du Bassin",
    "L'équipe TIsser",
    "Pôle Médoc",
    "Médoc",
    "Cami\u3164lle",  # Hangul filler, renders as nothing
]
ORDINARY = ["Marie Tisserand", "Alix du Médoc", "Les Amis du Bassin", "Дмитрий", "Zoë Ben Saïd", "Admira"]


@pytest.mark.parametrize("name", IMPERSONATIONS)
def test_lookalikes_of_the_staff_and_poles_are_refused(territory, name):
    assert name_problem(name) is not None


@pytest.mark.parametrize("name", ORDINARY)
def test_ordinary_names_are_accepted(territory, name):
    assert name_problem(name) is None


def test_skeleton_folds_case_accents_and_lookalikes():
    assert (
        skeleton("\u0410dmin\u0456stration  TISSER !") == skeleton("administration tisser") == "administration tisser"
    )
    assert skeleton("Modération") == skeleton("M0deration")


@pytest.mark.parametrize("name", ["Administration\u200b Tisser", "\u0410dministration Tisser", "Pôle Médoc"])
def test_registration_refuses_them_in_french_and_keeps_the_form(client, territory, name):
    response = _register(client, display_name=name)
    assert response.status_code == 422
    assert "réservé à l'équipe de Tisser" in text(response) or "caractères invisibles" in text(response)
    assert "Alix@Exemple.fr" in text(response)
    assert db.session.scalar(select(User.id)) is None


def test_registration_normalises_the_name(client, territory):
    assert _register(client, display_name="\uff23\uff41\uff4d\uff49\uff4c\uff4c\uff45  Martin").status_code == 302
    assert db.session.scalar(select(User.display_name)) == "Camille Martin"


def test_renaming_and_the_services_refuse_them_too(resident_client, resident, territory):
    response = resident_client.post("/compte/nom", data={"name-display_name": "Mod\u00e9ration M\u00e9doc"})
    assert response.status_code == 422
    with pytest.raises(auth.AccountError):
        auth.change_display_name(resident, "Administration\u200b Tisser")
    with pytest.raises(auth.AccountError):
        auth.register("x@exemple.fr", "\u0410dministration", "mot-de-passe-solide")


def test_association_names_are_checked(resident_client, resident, territory):
    response = resident_client.post("/associations/nouvelle", data=association_form(territory, name="Équipe Tisser"))
    assert response.status_code == 422 and "réservé à l'équipe de Tisser" in text(response)
    assert db.session.scalar(select(Association.id)) is None
    fields = association_form(territory, name="Mod\u00e9ration du P\u00f4le Bassin")
    fields["commune_id"] = territory.medoc_commune.id
    with pytest.raises(associations.AssociationError) as error:
        associations.create_association(factories.make_user("Autre"), **fields)
    assert error.value.field == "name"
