"""The "Mise en route" checklist of the back office's home: what a collectivity starting from an
empty database still has to set up, each step with the page that does it.

A plain function (``setup_steps``) that tests call; every count comes from one query of scalar
sub-selects, as the home page is what an administrator opens first and most often.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, select

from app.extensions import db
from app.models import Call, Collectivity, Commune, Pole, PoleRole, PoleRoleKind, ProposalQuestion
from app.models.taxonomy import Domain, LegalForm, TargetPublic


@dataclass(frozen=True)
class Step:
    label: str
    done: bool
    url: str


def setup_steps() -> list[Step]:
    """Each step of the set-up, done or not, in the order an administrator takes them. One query."""
    row = db.session.execute(
        select(
            exists().where(Collectivity.id.is_not(None)).label("identity"),
            exists().where(Pole.id.is_not(None)).label("units"),
            # Imported from the official list: the demo's sample communes carry no code of their own.
            exists().where(Commune.insee_code.is_not(None)).label("communes"),
            # Ideas, proposals and associations need a value of each to choose from.
            exists().where(Domain.retired_at.is_(None)).label("domains"),
            exists().where(TargetPublic.retired_at.is_(None)).label("publics"),
            exists().where(LegalForm.retired_at.is_(None)).label("legal_forms"),
            exists()
            .where(ProposalQuestion.call_id.is_(None), ProposalQuestion.retired_at.is_(None))
            .label("questions"),
            exists().where(Call.id.is_not(None)).label("call"),
            exists().where(PoleRole.role == PoleRoleKind.MODERATOR.value).label("moderators"),
        )
    ).one()
    return [
        Step(_l("Donner le nom de la collectivité et de ses unités"), row.identity, url_for("admin.identity")),
        Step(_l("Créer les unités territoriales"), row.units, url_for("admin.territory")),
        Step(
            _l("Importer les communes officielles et les rattacher aux unités"),
            row.communes,
            url_for("admin.territory_import"),
        ),
        Step(
            _l("Définir les domaines, les publics et les formes juridiques"),
            row.domains and row.publics and row.legal_forms,
            url_for("admin.taxonomies"),
        ),
        Step(_l("Relire les questions posées hors appel à projets"), row.questions, url_for("admin.questions")),
        Step(_l("Créer un appel à projets"), row.call, url_for("calls.manage")),
        Step(_l("Nommer les personnes qui modèrent"), row.moderators, url_for("admin.people")),
    ]
