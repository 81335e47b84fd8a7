"""Small builders for test data: explicit, readable, no magic."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

from app.extensions import db
from app.models import Association, Commune, LegalForm, Membership, MembershipRole, Pole, User
from app.models.base import utcnow
from app.text import slugify

PASSWORD = "mot-de-passe-de-test"
_seq = count(1)


@dataclass
class Territory:
    medoc: Pole
    bassin: Pole
    medoc_commune: Commune
    bassin_commune: Commune


def make_pole(name: str) -> Pole:
    pole = Pole(slug=slugify(name), name=name, description=f"Le territoire {name}.")
    db.session.add(pole)
    db.session.flush()
    return pole


def make_commune(name: str, pole: Pole, *, rural: bool = False, qpv: bool = False) -> Commune:
    commune = Commune(slug=slugify(name), name=name, pole_id=pole.id, is_rural=rural, has_qpv=qpv)
    db.session.add(commune)
    db.session.flush()
    return commune


def make_territory() -> Territory:
    medoc = make_pole("Médoc")
    bassin = make_pole("Bassin")
    territory = Territory(
        medoc=medoc,
        bassin=bassin,
        medoc_commune=make_commune("Lesparre-Médoc", medoc, rural=True, qpv=True),
        bassin_commune=make_commune("Arcachon", bassin),
    )
    db.session.commit()
    return territory


def make_user(display_name: str | None = None, *, email: str | None = None, password: str = PASSWORD, **attrs) -> User:
    n = next(_seq)
    user = User(
        email=email or f"personne{n}@exemple.fr",
        display_name=display_name or f"Personne {n}",
        password=password,
        **attrs,
    )
    db.session.add(user)
    db.session.commit()
    return user


def make_association(
    name: str,
    commune: Commune | None = None,
    *,
    admins: list[User] = (),
    members: list[User] = (),
    legal_form: LegalForm = LegalForm.ASSOCIATION,
    verified: bool = False,
) -> Association:
    """``verified``: checked by the platform, as calls require by default to deposit."""
    association = Association(
        slug=f"{slugify(name)}-{next(_seq)}",
        name=name,
        legal_form=legal_form,
        commune_id=commune.id if commune else None,
        verified_at=utcnow() if verified else None,
    )
    db.session.add(association)
    db.session.flush()
    for user in admins:
        db.session.add(Membership(association_id=association.id, user_id=user.id, role=MembershipRole.ADMIN))
    for user in members:
        db.session.add(Membership(association_id=association.id, user_id=user.id, role=MembershipRole.MEMBER))
    db.session.commit()
    return association
