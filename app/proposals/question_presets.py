"""Preset question sets: Gironde's five (the first call Tisser was built for) are the default
questions a fresh database gets from its migration; demos and tests install them the same way."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import ProposalQuestion

# (key, label, help text, required): the same texts as migration a16c0e5710a5.
GIRONDE = [
    (
        "need",
        "Le besoin social peu ou pas couvert",
        "Quel besoin, pour qui, et pourquoi les réponses actuelles ne suffisent pas.",
        True,
    ),
    (
        "experimentation",
        "Ce qui est expérimental",
        "Ce que le projet renouvelle dans la façon de faire ; comment les personnes sont au cœur de l'action.",
        True,
    ),
    (
        "outreach",
        "La démarche « aller vers »",
        "Comment le projet va à la rencontre des personnes les moins visibles, les moins entendues.",
        False,
    ),
    (
        "cooperation",
        "Coopération et partenaires",
        "Les ressources locales et les partenaires mobilisés, notamment le Pôle territorial de solidarité.",
        False,
    ),
    (
        "impact_indicators",
        "Indicateurs d'impact mesurables",
        "Ce que vous mesurerez, avec des valeurs cibles (exemple : 40 familles accompagnées en 12 mois).",
        False,
    ),
]


def install(preset=GIRONDE, call_id: int | None = None, *, all_required: bool = False) -> None:
    """Give a set (the defaults, or a call's) the preset's questions, unless it has some already."""
    where = ProposalQuestion.call_id == call_id if call_id is not None else ProposalQuestion.call_id.is_(None)
    if db.session.scalar(select(ProposalQuestion.id).where(where).limit(1)) is not None:
        return
    for position, (key, label, help_text, required) in enumerate(preset):
        db.session.add(
            ProposalQuestion(
                call_id=call_id,
                position=position,
                key=key,
                label=label,
                help_text=help_text,
                required=required or all_required,
            )
        )
    db.session.commit()
