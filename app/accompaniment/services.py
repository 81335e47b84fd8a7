"""Accompaniment rules: a pole accompanies a proposal, names a referent, opens a private exchange
space, links local partners and related proposals ("projets proches")."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import identity, page_cache, taxonomy
from app.errors import RuleError
from app.extensions import db
from app.identity import upper_first
from app.markdown import render_markdown
from app.models import (
    PUBLIC_STATES,
    Accompaniment,
    AccompanimentState,
    Domain,
    Partner,
    Pole,
    PrivateMessage,
    Proposal,
    User,
)
from app.models.accompaniment import proposal_links, proposal_partners
from app.models.base import utcnow
from app.models.pole_scope import moderated_pole_ids, moderates, proposal_pole_ids
from app.moderation.services import log
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.permissions import can

MAX_MESSAGE = 5000


class AccompanimentError(RuleError):
    """A rule of accompaniment (request, decision, private space, links) refused the action."""


def accompaniment_of(proposal: Proposal) -> Accompaniment | None:
    return db.session.scalar(
        select(Accompaniment)
        .where(Accompaniment.proposal_id == proposal.id)
        .options(joinedload(Accompaniment.pole), joinedload(Accompaniment.referent))
    )


def pole_moderators(pole_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(moderates(pole_id)).order_by(User.display_name)))


def choose_a_pole_message() -> str:
    return _("Choisissez %(one_of_units)s de la proposition.", one_of_units=identity.current().unit.one_of_the_plural)


def request_accompaniment(proposal: Proposal, user: User, pole_id: int) -> Accompaniment:
    if pole_id not in proposal_pole_ids(proposal.id):
        raise AccompanimentError(choose_a_pole_message())
    existing = accompaniment_of(proposal)
    if existing is not None and existing.state != AccompanimentState.DECLINED:
        raise AccompanimentError(_("L'accompagnement de cette proposition est déjà demandé."))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
    accompaniment = Accompaniment(proposal_id=proposal.id, pole_id=pole_id, requested_by_id=user.id)
    db.session.add(accompaniment)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AccompanimentError(_("L'accompagnement de cette proposition est déjà demandé.")) from None
    log(user, "accompaniment_request", "proposal", proposal.id, proposal.title, "", [pole_id])
    notify(
        [u.id for u in pole_moderators(pole_id)],
        "accompaniment_requested",
        _l(
            "%(association)s demande l'accompagnement %(of_unit)s pour « %(title)s ».",
            of_unit=identity.current().unit.of_the,
            association=proposal.association.name,
            title=proposal.title,
        ),
        url_for("proposals.detail", proposal_id=proposal.id, _anchor="accompagnement"),
    )
    db.session.commit()
    return accompaniment


def decide(
    accompaniment: Accompaniment,
    proposal: Proposal,
    actor: User,
    accept: bool,
    referent_id: int | None,
    reason: str = "",
) -> None:
    if accompaniment.state != AccompanimentState.REQUESTED:
        raise AccompanimentError(_("Cette demande a déjà reçu une réponse."))
    if accept:
        referent = db.session.get(User, referent_id or 0)
        if referent is None or accompaniment.pole_id not in moderated_pole_ids(referent):
            raise AccompanimentError(
                _(
                    "Choisissez comme référent·e une personne de la modération %(of_unit)s.",
                    of_unit=identity.current().unit.of_the,
                )
            )
        accompaniment.referent_id = referent.id
        accompaniment.state = AccompanimentState.ACCEPTED

        def text() -> str:
            # Called in each recipient's language, not the pole's.
            return _(
                "%(the_unit)s accompagne votre proposition « %(title)s » : %(name)s en est le ou la référent·e.",
                the_unit=upper_first(identity.current().unit.the),
                title=proposal.title,
                name=referent.display_name,
            )

        notify(
            [referent.id],
            "referent_named",
            _l("Vous êtes référent·e de la proposition « %(title)s ».", title=proposal.title),
            url_for("proposals.detail", proposal_id=proposal.id, _anchor="accompagnement"),
            exclude=actor.id,
        )
    else:
        accompaniment.state = AccompanimentState.DECLINED

        def text() -> str:
            # Called in each recipient's language, not the pole's.
            said = _(
                "%(the_unit)s n'accompagnera pas votre proposition « %(title)s ».",
                the_unit=upper_first(identity.current().unit.the),
                title=proposal.title,
            )
            return said + " " + _("Motif : %(reason)s", reason=reason) if reason else said

    accompaniment.decided_by_id = actor.id
    accompaniment.decided_at = utcnow()
    log(
        actor,
        "accompaniment_accept" if accept else "accompaniment_decline",
        "proposal",
        proposal.id,
        proposal.title,
        reason,
        [accompaniment.pole_id],
    )
    notify(
        proposal_recipients(proposal),
        "accompaniment_decided",
        text,
        url_for("proposals.detail", proposal_id=proposal.id, _anchor="accompagnement"),
    )
    db.session.commit()


# --- Private exchange space -----------------------------------------------------------------


def messages(proposal: Proposal) -> list[tuple[PrivateMessage, list[PrivateMessage]]]:
    """Threads, oldest first, each with its replies: one query."""
    rows = list(
        db.session.scalars(
            select(PrivateMessage)
            .where(PrivateMessage.proposal_id == proposal.id)
            .options(joinedload(PrivateMessage.author))
            .order_by(PrivateMessage.id)
        )
    )
    threads: dict[int, tuple[PrivateMessage, list[PrivateMessage]]] = {}
    for m in rows:
        if m.parent_id is None:
            threads[m.id] = (m, [])
        elif m.parent_id in threads:
            threads[m.parent_id][1].append(m)
    return list(threads.values())


def post_message(
    proposal: Proposal, accompaniment: Accompaniment, author: User, body: str, parent_id: int | None = None
) -> PrivateMessage:
    body = (body or "").strip()
    if not body:
        raise AccompanimentError(_("Écrivez votre message avant de l'envoyer."))
    if len(body) > MAX_MESSAGE:
        raise AccompanimentError(_("Votre message ne peut pas dépasser 5 000 caractères."))
    parent = db.session.get(PrivateMessage, parent_id) if parent_id else None
    if parent_id and (parent is None or parent.proposal_id != proposal.id):
        raise AccompanimentError(_("Ce message n'appartient pas à cet espace d'échange."))
    if parent is not None and parent.parent_id is not None:
        parent = db.session.get(PrivateMessage, parent.parent_id)  # one level: join the thread
    message = PrivateMessage(
        proposal_id=proposal.id,
        author_id=author.id,
        parent_id=parent.id if parent else None,
        body=body,
        body_html=str(render_markdown(body)),
    )
    db.session.add(message)
    db.session.flush()
    people = set(proposal_recipients(proposal)) | {u.id for u in pole_moderators(accompaniment.pole_id)}
    if accompaniment.referent_id:
        people.add(accompaniment.referent_id)
    notify(
        people,
        "private_message",
        _l(
            "%(name)s a écrit dans l'espace d'échange de « %(title)s ».", name=author.display_name, title=proposal.title
        ),
        url_for("accompaniment.space", proposal_id=proposal.id, _anchor=f"message-{message.id}"),
        exclude=author.id,
    )
    db.session.commit()
    return message


# --- Partners and related proposals -------------------------------------------------------


def partners_of_pole(pole: Pole, exclude: Collection[int] = (), *, with_domains: bool = False) -> list[Partner]:
    """The pole's directory, less the partners already linked (``exclude``); ``with_domains``
    for the directory page, the only one that shows them (one query more)."""
    query = select(Partner).where(Partner.pole_id == pole.id)
    if with_domains:
        query = query.options(selectinload(Partner.domains))
    if exclude:
        query = query.where(Partner.id.not_in(list(exclude)))
    return list(db.session.scalars(query.order_by(Partner.organisation)))


def add_partner(pole: Pole, actor: User, organisation: str, service: str, contact: str, domains: list[str]) -> Partner:
    partner = Partner(
        pole_id=pole.id,
        organisation=organisation.strip(),
        service=(service or "").strip(),
        contact=(contact or "").strip(),
    )
    partner.domains = taxonomy.by_slugs(Domain, domains)
    db.session.add(partner)
    db.session.flush()
    log(actor, "partner_add", "pole", pole.id, partner.organisation, "", [pole.id])
    db.session.commit()
    return partner


def remove_partner(partner: Partner, actor: User) -> None:
    log(actor, "partner_remove", "pole", partner.pole_id, partner.organisation, "", [partner.pole_id])
    db.session.delete(partner)
    db.session.commit()


def linked_partners(proposal: Proposal) -> list[Partner]:
    return list(
        db.session.scalars(
            select(Partner)
            .join(proposal_partners, proposal_partners.c.partner_id == Partner.id)
            .where(proposal_partners.c.proposal_id == proposal.id)
            .options(joinedload(Partner.pole))
            .order_by(Partner.organisation)
        )
    )


def link_partner(proposal: Proposal, accompaniment: Accompaniment, partner: Partner | None, actor: User) -> None:
    if partner is None or partner.pole_id != accompaniment.pole_id:
        raise AccompanimentError(
            _("Choisissez un partenaire de l'annuaire %(of_unit)s.", of_unit=identity.current().unit.of_the)
        )
    if partner.id in {p.id for p in linked_partners(proposal)}:
        raise AccompanimentError(_("Ce partenaire est déjà relié à la proposition."))
    db.session.execute(insert(proposal_partners).values(proposal_id=proposal.id, partner_id=partner.id))
    page_cache.touch(page_cache.subject_key("proposal", proposal.id))
    log(actor, "partner_link", "proposal", proposal.id, proposal.title, partner.organisation, [accompaniment.pole_id])
    db.session.commit()


def unlink_partner(proposal: Proposal, accompaniment: Accompaniment, partner_id: int, actor: User) -> None:
    page_cache.touch(page_cache.subject_key("proposal", proposal.id))
    removed = db.session.execute(
        delete(proposal_partners).where(
            proposal_partners.c.proposal_id == proposal.id, proposal_partners.c.partner_id == partner_id
        )
    ).rowcount
    if not removed:
        raise AccompanimentError(_("Ce partenaire n'est pas relié à la proposition."))
    partner = db.session.get(Partner, partner_id)
    log(
        actor,
        "partner_unlink",
        "proposal",
        proposal.id,
        proposal.title,
        partner.organisation if partner else "",
        [accompaniment.pole_id],
    )
    db.session.commit()


def related(proposal: Proposal) -> list[Proposal]:
    """Related proposals, whichever side the link was made from; public ones only."""
    ids = (
        select(proposal_links.c.related_id)
        .where(proposal_links.c.proposal_id == proposal.id)
        .union(select(proposal_links.c.proposal_id).where(proposal_links.c.related_id == proposal.id))
    )
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.id.in_(ids), Proposal.state.in_(PUBLIC_STATES), Proposal.hidden_at.is_(None))
            .options(joinedload(Proposal.association))
            .order_by(Proposal.title)
        )
    )


def related_choices(proposal: Proposal, exclude: Collection[int] = (), limit: int = 300) -> list[Proposal]:
    """Proposals that may be linked to this one, less those already linked (``exclude``)."""
    excluded = {proposal.id, *exclude}
    return list(
        db.session.scalars(
            select(Proposal)
            .where(Proposal.id.not_in(excluded), Proposal.state.in_(PUBLIC_STATES), Proposal.hidden_at.is_(None))
            .order_by(Proposal.title)
            .limit(limit)
        )
    )


def link_related(proposal: Proposal, accompaniment: Accompaniment, other: Proposal | None, actor: User) -> None:
    if other is None or other.id == proposal.id or other.state not in PUBLIC_STATES:
        raise AccompanimentError(_("Choisissez une autre proposition publiée."))
    exists = db.session.scalar(
        select(proposal_links.c.proposal_id).where(
            or_(
                (proposal_links.c.proposal_id == proposal.id) & (proposal_links.c.related_id == other.id),
                (proposal_links.c.proposal_id == other.id) & (proposal_links.c.related_id == proposal.id),
            )
        )
    )
    if exists:
        raise AccompanimentError(_("Ces deux propositions sont déjà reliées."))
    db.session.execute(insert(proposal_links).values(proposal_id=proposal.id, related_id=other.id))
    page_cache.touch(page_cache.subject_key("proposal", proposal.id), page_cache.subject_key("proposal", other.id))
    log(actor, "related_link", "proposal", proposal.id, proposal.title, other.title, [accompaniment.pole_id])
    db.session.commit()


def unlink_related(proposal: Proposal, accompaniment: Accompaniment, other_id: int, actor: User) -> None:
    page_cache.touch(page_cache.subject_key("proposal", proposal.id), page_cache.subject_key("proposal", other_id))
    removed = db.session.execute(
        delete(proposal_links).where(
            or_(
                (proposal_links.c.proposal_id == proposal.id) & (proposal_links.c.related_id == other_id),
                (proposal_links.c.proposal_id == other_id) & (proposal_links.c.related_id == proposal.id),
            )
        )
    ).rowcount
    if not removed:
        raise AccompanimentError(_("Ces deux propositions ne sont pas reliées."))
    log(actor, "related_unlink", "proposal", proposal.id, proposal.title, "", [accompaniment.pole_id])
    db.session.commit()


def referents(pole: Pole) -> list[tuple[User, Proposal]]:
    """Who accompanies which proposal in this pole (for its public page)."""
    rows = db.session.execute(
        select(User, Proposal)
        .join(Accompaniment, Accompaniment.referent_id == User.id)
        .join(Proposal, Proposal.id == Accompaniment.proposal_id)
        .where(
            Accompaniment.pole_id == pole.id,
            Accompaniment.state == AccompanimentState.ACCEPTED,
            Proposal.state.in_(PUBLIC_STATES),
            Proposal.hidden_at.is_(None),
        )
        .order_by(User.display_name, Proposal.title)
    ).all()
    return [(u, p) for u, p in rows]


def panel(proposal: Proposal, user: Any) -> dict:
    """What the proposal page shows about its accompaniment, computed by its view: the public
    status and links for everyone; a form's choices only for whoever may use that form."""
    acc = accompaniment_of(proposal)
    state = acc.state if acc is not None else None
    may_request = state in (None, AccompanimentState.DECLINED) and can(user, "accompaniment.request", proposal)
    may_decide = state is AccompanimentState.REQUESTED and can(user, "accompaniment.decide", acc)
    manage = acc is not None and can(user, "accompaniment.manage", acc)
    partners, related_ones = linked_partners(proposal), related(proposal)
    return {
        "accompaniment": acc,
        "partners": partners,
        "related": related_ones,
        "proposal_poles": _poles_of(proposal),
        "may_request": may_request,
        "moderators": pole_moderators(acc.pole_id) if may_decide else None,
        "may_view_space": acc is not None and can(user, "private_space.view", acc),
        "manage": manage,
        # What is already linked is not offered again.
        "directory": partners_of_pole(acc.pole, exclude=[p.id for p in partners]) if manage else [],
        "related_choices": related_choices(proposal, exclude=[p.id for p in related_ones]) if manage else [],
    }


def _poles_of(proposal: Proposal) -> list[Pole]:
    # The proposal page loads them with the proposal (ordered by name): no second look-up.
    if "poles" not in inspect(proposal).unloaded:
        return list(proposal.poles)
    return list(db.session.scalars(select(Pole).where(Pole.id.in_(proposal_pole_ids(proposal.id))).order_by(Pole.name)))
