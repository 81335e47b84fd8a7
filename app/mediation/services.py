"""Mediated participation: an agent records an idea, a comment or a support collected in person.

Each entry is a ``Mediation`` (who the resident is, where and when they were met, their consent)
and the contribution it produced, written by the agent on the resident's behalf, logged in the
audit log under the agent's name. The same resident is counted once per subject: the key is their
normalised first name, commune and birth year (a unique constraint, so two agents at two market
stalls cannot both count them). A resident who gave an e-mail gets a signed link to claim it all.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from app import page_cache
from app.comments.services import CommentError, clean_body
from app.comments.services import _bump_count as bump_comment_count
from app.errors import RuleError
from app.extensions import db
from app.ideas import services as ideas
from app.markdown import render_markdown
from app.models import Comment, Commune, Idea, Mediation, MeetingPlace, Support, User
from app.models.base import utcnow
from app.models.pole_scope import agent_pole_ids, moderated_pole_ids, poles_of
from app.moderation.services import log
from app.outbox import email_subject, queue_email
from app.permissions import open_for_discussion, open_for_participation
from app.subjects import Subject, fk_column, subject_column, subject_fk
from app.urls import email_url

# Read out to the resident and shown next to the box the agent ticks: stored with each entry as shown.
CONSENT_TEXT = _l(
    "La personne a accepté que sa contribution soit publiée sur la plateforme avec son prénom (ou son "
    "initiale) et sa commune, et, si elle a donné une adresse e-mail, de recevoir un seul message pour "
    "la rattacher à un compte."
)
CLAIM_SALT = "tisser-mediation-claim"
CLAIM_MAX_AGE = 90 * 24 * 3600  # a season of field work: long enough to open one's mailbox
PER_PAGE = 30


class MediationError(RuleError):
    """The entry was refused (duplicate resident, closed subject, another unit's subject)."""


@dataclass
class Resident:
    """Who was met, where and when, as the agent typed it."""

    name: str
    commune_id: int
    birth_year: int
    place: str
    met_on: date
    place_detail: str = ""
    contact_email: str | None = None


def resident_key(name: str, commune_id: int, birth_year: int) -> str:
    """The dedup key: "Élise", "elise " and "ELISE" born the same year in one commune are one person."""
    plain = unicodedata.normalize("NFKD", " ".join(name.split())).encode("ascii", "ignore").decode()
    return f"{plain.casefold()}|{commune_id}|{birth_year}"[:100]


def _pole_for(agent: User, subject: Subject | None, commune: Commune | None = None) -> int:
    units = agent_pole_ids(agent)
    candidates = poles_of(subject) if subject is not None else {commune.pole_id}
    mine = sorted(units & set(candidates))
    if not mine:
        raise MediationError(_("Vous n'êtes pas agent de ce territoire."), "commune_id" if subject is None else "")
    return mine[0]


def _mediation(agent: User, kind: str, pole_id: int, resident: Resident) -> Mediation:
    email = (resident.contact_email or "").strip().lower() or None
    mediation = Mediation(
        kind=kind,
        agent_id=agent.id,
        pole_id=pole_id,
        resident_name=" ".join(resident.name.split())[:60],
        commune_id=resident.commune_id,
        birth_year=resident.birth_year,
        resident_key=resident_key(resident.name, resident.commune_id, resident.birth_year),
        contact_email=email,
        consent_text=str(CONSENT_TEXT)[:400],
        place=MeetingPlace(resident.place),
        place_detail=" ".join((resident.place_detail or "").split())[:120],
        met_on=resident.met_on,
    )
    db.session.add(mediation)
    return mediation


def _log(agent: User, mediation: Mediation, kind: str, target_id: int, label: str) -> None:
    reason = _(
        "Recueilli en personne (%(place)s, le %(date)s)",
        place=mediation.place_label,
        date=mediation.met_on.strftime("%d/%m/%Y"),
    )
    log(agent, f"mediation_{mediation.kind}", kind, target_id, label, reason, pole_ids=[mediation.pole_id])


def record_idea(agent: User, resident: Resident, **fields: Any) -> Idea:
    """A new idea, in a commune of one of the agent's units."""
    commune = db.session.get(Commune, fields["commune_id"])
    if commune is None:
        raise MediationError(_("Choisissez une commune dans la liste."), "commune_id")
    mediation = _mediation(agent, "idea", _pole_for(agent, None, commune), resident)
    db.session.flush()
    idea = Idea(author_id=agent.id, mediation_id=mediation.id)
    idea.publics = []
    ideas._apply(idea, **fields)
    db.session.add(idea)
    db.session.flush()
    _log(agent, mediation, "idea", idea.id, idea.title)
    _send_claim_link(mediation)
    db.session.commit()
    return idea


def record_comment(agent: User, resident: Resident, subject: Subject, body: str) -> Comment:
    if not open_for_discussion(subject):
        raise MediationError(_("La discussion est close : on ne peut plus y ajouter de message."))
    try:
        body = clean_body(body)
    except CommentError as error:
        raise MediationError(error.message, "body") from None
    mediation = _mediation(agent, "comment", _pole_for(agent, subject), resident)
    db.session.flush()
    comment = Comment(
        **subject_fk(subject),
        author_id=agent.id,
        body=body,
        body_html=str(render_markdown(body)),
        mediation_id=mediation.id,
    )
    db.session.add(comment)
    db.session.flush()
    bump_comment_count(subject, +1)
    _log(agent, mediation, "comment", comment.id, subject.title)
    _send_claim_link(mediation)
    db.session.commit()
    return comment


def duplicate_message() -> str:
    return _(
        "Cette personne (même prénom, même commune, même année de naissance) a déjà soutenu ce contenu : "
        "un soutien ne compte qu'une fois."
    )


def record_support(agent: User, resident: Resident, subject: Subject) -> Support:
    """One more support, counted in ``support_count`` and ``mediated_support_count`` atomically."""
    if not open_for_participation(subject):
        raise MediationError(_("Ce contenu ne reçoit plus de soutiens."))
    mediation = _mediation(agent, "support", _pole_for(agent, subject), resident)
    setattr(mediation, f"support_{subject.kind}_id", subject.id)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise MediationError(duplicate_message(), "name") from None
    support = Support(**subject_fk(subject), user_id=None, mediation_id=mediation.id, created_at=utcnow())
    db.session.add(support)
    db.session.flush()
    _bump(subject, +1, +1)
    _log(agent, mediation, subject.kind, subject.id, subject.title)
    _send_claim_link(mediation)
    db.session.commit()
    return support


def _bump(subject: Subject, delta: int, mediated: int) -> None:
    # The same atomic UPDATE as app.supports: exact however many agents enter at once.
    model = type(subject)
    db.session.execute(
        update(model)
        .where(model.id == subject.id)
        .values(
            support_count=model.support_count + delta,
            mediated_support_count=model.mediated_support_count + mediated,
        )
        .execution_options(synchronize_session=False)
    )


# --- What moderators read -------------------------------------------------------------------


def entries_page(user: Any, agent_id: int | None = None, page: int = 1):
    """The agents' entries in the units this person moderates (everything for an admin). Two
    queries: the count and the page, agent, unit, commune and contribution joined."""
    query = select(Mediation).options(
        joinedload(Mediation.agent), joinedload(Mediation.pole), joinedload(Mediation.commune)
    )
    if not user.is_admin:
        query = query.where(Mediation.pole_id.in_(moderated_pole_ids(user)))
    if agent_id:
        query = query.where(Mediation.agent_id == agent_id)
    return db.paginate(query.order_by(Mediation.id.desc()), page=page, per_page=PER_PAGE, error_out=False)


def agents_for_filter(user: Any) -> list[User]:
    """The agents who entered something this person may review."""
    query = select(User).where(User.id.in_(select(Mediation.agent_id).distinct()))
    if not user.is_admin:
        query = query.where(
            User.id.in_(select(Mediation.agent_id).where(Mediation.pole_id.in_(moderated_pole_ids(user))))
        )
    return list(db.session.scalars(query.order_by(User.display_name)))


def contributions_of(mediations: list[Mediation]) -> dict[int, Any]:
    """Each entry's idea or comment (one query per kind present), to link and hide it."""
    found: dict[int, Any] = {}
    for model, kind in ((Idea, "idea"), (Comment, "comment")):
        ids = [m.id for m in mediations if m.kind == kind]
        if ids:
            found.update(
                {row.mediation_id: row for row in db.session.scalars(select(model).where(model.mediation_id.in_(ids)))}
            )
    return found


# --- Claiming -------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CLAIM_SALT)


def claim_token(mediation: Mediation) -> str:
    return _serializer().dumps(mediation.id)


def _send_claim_link(mediation: Mediation) -> None:
    if not mediation.contact_email:
        return
    link = email_url("mediation.claim", token=claim_token(mediation))
    queue_email(
        mediation.contact_email,
        email_subject(_("Votre contribution recueillie en personne")),
        _(
            "Bonjour %(name)s,\n\nVous avez donné votre avis en personne le %(date)s. Il est publié sur la "
            "plateforme. Si vous souhaitez le retrouver dans un compte à votre nom, ouvrez ce lien "
            "(valable 90 jours) :\n\n%(link)s\n\nSinon, vous n'avez rien à faire.",
            name=mediation.resident_name,
            date=mediation.met_on.strftime("%d/%m/%Y"),
            link=link,
        ),
    )


def mediation_for_token(token: str) -> Mediation:
    try:
        mediation_id = _serializer().loads(token, max_age=CLAIM_MAX_AGE)
    except SignatureExpired:
        raise MediationError(
            _("Ce lien a expiré. Demandez à l'agent qui vous a rencontré de vous le renvoyer.")
        ) from None
    except BadSignature:
        raise MediationError(_("Ce lien n'est pas valide.")) from None
    mediation = db.session.get(Mediation, mediation_id) if isinstance(mediation_id, int) else None
    if mediation is None or mediation.contact_email is None:
        raise MediationError(_("Ce lien n'est pas valide."))
    return mediation


def claim(user: User, token: str) -> int:
    """Everything this resident gave with this contact becomes ``user``'s: their ideas and comments,
    and their supports (dropped where ``user`` already supports, so counts stay exact). Returns how
    many contributions were claimed."""
    first = mediation_for_token(token)
    if first.claimed_at is not None:
        raise MediationError(_("Ces contributions sont déjà rattachées à un compte."))
    mediations = list(
        db.session.scalars(
            select(Mediation).where(
                Mediation.resident_key == first.resident_key,
                Mediation.contact_email == first.contact_email,
                Mediation.claimed_at.is_(None),
            )
        )
    )
    now = utcnow()
    for mediation in mediations:
        mediation.claimed_by_id, mediation.claimed_at = user.id, now
        if mediation.kind == "idea":
            # Theirs now, shown under their name like anything they wrote (the entry keeps the history).
            db.session.execute(
                update(Idea).where(Idea.mediation_id == mediation.id).values(author_id=user.id, mediation_id=None)
            )
        elif mediation.kind == "comment":
            db.session.execute(
                update(Comment).where(Comment.mediation_id == mediation.id).values(author_id=user.id, mediation_id=None)
            )
        else:
            _claim_support(user, mediation)
    db.session.commit()
    return len(mediations)


def _claim_support(user: User, mediation: Mediation) -> None:
    from app.models import Proposal

    model, subject_id = (
        (Idea, mediation.support_idea_id)
        if mediation.support_idea_id is not None
        else (Proposal, mediation.support_proposal_id)
    )
    subject = db.session.get(model, subject_id)
    if subject is None:
        return
    page_cache.touch_object(subject)  # its supports change by statements below
    column = fk_column(Support, model)
    own = db.session.scalar(select(Support.id).where(Support.user_id == user.id, subject_column(Support, subject)))
    if own is not None or (model is Idea and subject.author_id == user.id):
        # Already theirs (or their own idea): the support collected in person goes, counted once.
        db.session.execute(delete(Support).where(Support.mediation_id == mediation.id))
        _bump(subject, -1, -1)
        return
    # Now an ordinary support of an account: no longer one "collected in person".
    db.session.execute(
        update(Support)
        .where(Support.mediation_id == mediation.id, column == subject.id)
        .values(user_id=user.id, mediation_id=None)
    )
    _bump(subject, 0, -1)
