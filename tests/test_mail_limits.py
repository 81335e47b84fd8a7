"""Named rate limits on what sends e-mail with text the sender chose (issue 14, finding 8), and on
the registration form's inline checks, which tell whether an address or a name is taken
(finding 9)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.config import DEFAULT_RATELIMITS
from app.extensions import db
from app.models import OutboxMessage
from tests import factories
from tests.test_associations import _form as association_form

LIMITED = ["invitation", "amendment", "private_message", "association_create", "register_check"]


@pytest.fixture
def setting(limited_app):
    territory = factories.make_territory()
    admin = factories.make_user("Dominique Membre")
    association = factories.make_association("Les Jardins", territory.medoc_commune, admins=[admin])
    proposal = factories.make_proposal(association, admin)
    client = limited_app.test_client().login_as(admin)
    return territory, admin, association, proposal, client


def test_the_limits_exist_with_sober_defaults():
    for name in LIMITED:
        assert name in DEFAULT_RATELIMITS
    # People invite a handful of partners, not forty addresses in a row.
    assert DEFAULT_RATELIMITS["invitation"].startswith("10 per hour")


def test_forty_invitations_in_a_row_are_not_sent(setting):
    territory, admin, association, proposal, client = setting
    url = f"/associations/{association.slug}/membres/inviter"
    statuses = [
        client.post(url, data={"email": f"cible{n}@exemple.fr", "role": "member"}).status_code for n in range(40)
    ]
    assert statuses[:2] == [302, 302] and set(statuses[2:]) == {429}
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    # Co-author invitations share the budget: they e-mail and notify other associations.
    assert client.post(f"/propositions/{proposal.id}/coauteurs", data={"association_id": "1"}).status_code == 429
    # Another account has its own budget.
    other = factories.make_user("Autre")
    factories.make_association("Autre structure", territory.medoc_commune, admins=[other])
    other_client = client.application.test_client().login_as(other)
    assert other_client.post(url, data={"email": "x@exemple.fr", "role": "member"}).status_code != 429


@pytest.mark.parametrize(
    "path", ["/propositions/{id}/amendements/nouveau", "/propositions/{id}/echanges", "/associations/nouvelle"]
)
def test_amendments_private_messages_and_new_associations_are_limited(setting, path):
    territory, admin, association, proposal, client = setting
    url = path.format(id=proposal.id)
    data = association_form(territory) if "nouvelle" in path else {"body": "Un texte choisi par l'expéditeur."}
    statuses = [client.post(url, data=dict(data, name=f"Structure {n}")).status_code for n in range(3)]
    assert 429 not in statuses[:2] and statuses[2] == 429
    assert client.get(url).status_code != 429  # reading is never limited


@pytest.mark.parametrize("field", ["email", "display_name"])
def test_registration_checks_are_limited_per_address(limited_app, field):
    client = limited_app.test_client()
    url = f"/inscription/verifier/{field}"
    statuses = [client.post(url, data={field: f"nom{n}@exemple.fr"}).status_code for n in range(100)]
    assert 429 not in statuses[:2] and set(statuses[2:]) == {429}
    other = client.post(url, data={field: "a@exemple.fr"}, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert other.status_code != 429
