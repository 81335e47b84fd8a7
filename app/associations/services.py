"""Associations: identity, members and invitations, as plain functions the routes and tests call.

Every broken rule raises ``AssociationError`` with a French message meant for the person who
acted; nothing is written when a rule fails.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret as stdnum_siret

from app import identity, taxonomy
from app.errors import RuleError
from app.extensions import db
from app.formatting import date_fr
from app.i18n import in_locale
from app.models import (
    PUBLIC_STATES,
    Association,
    CoauthorStatus,
    Commune,
    Invitation,
    InvitationStatus,
    LegalForm,
    Membership,
    MembershipRole,
    Proposal,
    ProposalCoauthor,
    ProposalState,
    User,
)
from app.models.accounts import normalize_email
from app.models.base import utcnow
from app.names import name_problem, normalize_name
from app.notifications.services import notify
from app.outbox import queue_email
from app.permissions import forget_memberships
from app.text import slugify
from app.urls import email_url

PER_PAGE = 20
# Path segments under /associations/ that a slug must not take.
RESERVED_SLUGS = frozenset({"nouvelle", "invitation", "invitations"})


class AssociationError(RuleError):
    """A rule of associations (identifiers, members, invitations) refused the action."""


# --- Identifiers ------------------------------------------------------------------------------


def _compact(value: str | None) -> str:
    # People copy numbers from PDFs and letters: "W33 2001 234", with non-breaking spaces too.
    return re.sub(r"\s+", "", value or "")


RNA_CHARS = re.compile(r"[0-9A-Z]")


def normalize_rna(value: str | None) -> str | None:
    """The RNA number without spaces, in capitals; None when empty.

    Format: W followed by 9 digits or capital letters (overseas numbers contain letters, e.g.
    W9Z1234567). Associations of Alsace-Moselle have none, hence optional.
    """
    number = _compact(value).upper()
    if not number:
        return None
    if not number.startswith("W"):
        raise AssociationError(_("Le numéro RNA commence par la lettre W (exemple : W332001234)."), "rna")
    wrong = sorted({c for c in number[1:] if not RNA_CHARS.fullmatch(c)})
    if wrong:
        raise AssociationError(
            _(
                "Après le W, le numéro RNA ne contient que des chiffres et des lettres : "
                "« %(chars)s » n'y a pas sa place.",
                chars=" ".join(wrong),
            ),
            "rna",
        )
    if len(number) != 10:
        raise AssociationError(
            _(
                "Le numéro RNA compte 10 caractères (la lettre W suivie de 9 chiffres ou lettres) : "
                "vous en avez saisi %(num)d.",
                num=len(number),
            ),
            "rna",
        )
    return number


def normalize_siret(value: str | None) -> str | None:
    """The SIRET number without spaces; None when empty. Checked with python-stdnum's rules
    (Luhn key, and La Poste's establishments whose digits add up to a multiple of 5)."""
    number = _compact(value)
    if not number:
        return None
    wrong = sorted({c for c in number if not c.isascii() or not c.isdigit()})
    if wrong:
        raise AssociationError(
            _(
                "Le numéro SIRET ne contient que des chiffres : « %(chars)s » n'y a pas sa place.",
                chars=" ".join(wrong),
            ),
            "siret",
        )
    if len(number) != 14:
        raise AssociationError(
            _("Le numéro SIRET compte 14 chiffres : vous en avez saisi %(num)d.", num=len(number)), "siret"
        )
    try:
        stdnum_siret.validate(number)
    except StdnumError:
        raise AssociationError(
            _(
                "Ce numéro SIRET n'est pas valide : sa clé de contrôle ne correspond pas. "
                "Vérifiez chaque chiffre (il figure sur l'avis de situation Sirene)."
            ),
            "siret",
        ) from None
    return number


def check_identifiers_available(rna: str | None, siret: str | None, exclude_id: int | None = None) -> None:
    for field, column, value, message in (
        ("rna", Association.rna, rna, _("Une autre association est déjà inscrite avec ce numéro RNA.")),
        ("siret", Association.siret, siret, _("Une autre structure est déjà inscrite avec ce numéro SIRET.")),
    ):
        if value is None:
            continue
        query = select(Association.id).where(column == value)
        if exclude_id is not None:
            query = query.where(Association.id != exclude_id)
        if db.session.scalar(query):
            raise AssociationError(message, field)


PHONE = re.compile(r"\+?[0-9]{6,15}")


def normalize_phone(value: str | None) -> str:
    """A phone number as typed, spaces tidied; "" when empty."""
    phone = " ".join((value or "").split())
    if not phone:
        return ""
    if not PHONE.fullmatch(re.sub(r"[\s.\-()]", "", phone)):
        raise AssociationError(
            _(
                "Ce numéro de téléphone n'est pas valide : des chiffres "
                "seulement, par exemple 05 56 00 00 00 ou +33 5 56 00 00 00."
            ),
            "contact_phone",
        )
    return phone


# --- Identity ---------------------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "association"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or db.session.scalar(select(Association.id).where(Association.slug == slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _apply(
    association: Association,
    *,
    name: str,
    legal_form: str,
    commune_id: int | None,
    description: str = "",
    rna: str | None = None,
    siret: str | None = None,
    contact_email: str = "",
    contact_phone: str = "",
) -> None:
    rna, siret = normalize_rna(rna), normalize_siret(siret)
    check_identifiers_available(rna, siret, exclude_id=association.id)
    commune = db.session.get(Commune, commune_id) if commune_id else None
    if commune is None:
        raise AssociationError(_("Choisissez une commune."), "commune_id")
    name = normalize_name(name)
    problem = name_problem(name)
    if problem:
        raise AssociationError(problem, "name")
    association.name = name
    chosen = taxonomy.by_slug(LegalForm, legal_form)
    if chosen is None:
        raise ValueError("unknown legal form")
    association.legal_form = chosen
    association.commune_id = commune.id
    association.description = (description or "").strip()
    association.rna = rna
    association.siret = siret
    association.contact_email = normalize_email(contact_email or "")
    association.contact_phone = normalize_phone(contact_phone)


def _commit_identity() -> None:
    try:
        db.session.commit()
    except IntegrityError:
        # Someone registered the same number at the same instant.
        db.session.rollback()
        raise AssociationError(_("Ce numéro RNA ou SIRET vient d'être enregistré par une autre structure.")) from None


def create_association(creator: User, **fields) -> Association:
    """Register an association; its creator becomes its administrator."""
    association = Association()
    _apply(association, **fields)
    association.slug = _unique_slug(association.name)
    db.session.add(association)
    db.session.flush()
    db.session.add(
        Membership(association_id=association.id, user_id=creator.id, role=MembershipRole.ADMIN, show_publicly=False)
    )
    _commit_identity()
    forget_memberships(creator.id)
    return association


def update_association(association: Association, **fields) -> None:
    _apply(association, **fields)
    association.updated_at = utcnow()
    _commit_identity()


def set_verified(association: Association, verified: bool) -> None:
    association.verified_at = (association.verified_at or utcnow()) if verified else None
    db.session.commit()


def associations_page(page: int = 1):
    # Commune and pole in the same query: the list costs the same whatever its length.
    query = (
        select(Association)
        .options(joinedload(Association.commune).joinedload(Commune.pole))
        .order_by(func.lower(Association.name), Association.id)
    )
    return db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)


def get_association(slug: str) -> Association:
    return db.first_or_404(
        select(Association)
        .where(Association.slug == slug)
        .options(joinedload(Association.commune).joinedload(Commune.pole))
    )


def public_members(association: Association) -> list[Membership]:
    """The members who chose to appear on the public page."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User)
            .where(Membership.association_id == association.id, Membership.show_publicly.is_(True))
            .options(joinedload(Membership.user))
            .order_by(func.lower(User.display_name))
        )
    )


# An association's page lists its proposals by state, in this order: what is being worked on or
# can be discussed first, then the call's outcomes, then the withdrawn ones.
PAGE_STATES = (
    ProposalState.DRAFT,
    ProposalState.CHANGES_REQUESTED,
    ProposalState.PUBLISHED,
    ProposalState.SUBMITTED,
    ProposalState.SELECTED,
    ProposalState.WAITLISTED,
    ProposalState.NOT_SELECTED,
    ProposalState.WITHDRAWN,
)
GROUP_LABELS = {
    ProposalState.DRAFT: _l("Brouillons (visibles de ses membres seulement)"),
    ProposalState.CHANGES_REQUESTED: _l("À compléter pour l'appel"),
    ProposalState.PUBLISHED: _l("Publiées, ouvertes au soutien"),
    ProposalState.SUBMITTED: _l("Déposées à un appel, en cours d'examen"),
    ProposalState.SELECTED: _l("Retenues"),
    ProposalState.WAITLISTED: _l("En liste d'attente"),
    ProposalState.NOT_SELECTED: _l("Non retenues"),
    ProposalState.WITHDRAWN: _l("Retirées"),
}


@dataclass
class ProposalGroup:
    state: ProposalState
    label: str
    proposals: list[Proposal]


def proposals_by_state(association: Association, *, member: bool) -> list[ProposalGroup]:
    """The proposals it leads or co-authors, grouped by state (one query): the public ones for
    everyone, its drafts and hidden ones too for its members."""
    states = PUBLIC_STATES | ({ProposalState.DRAFT} if member else set())
    coauthored = select(ProposalCoauthor.proposal_id).where(
        ProposalCoauthor.association_id == association.id, ProposalCoauthor.status == CoauthorStatus.ACCEPTED
    )
    query = select(Proposal).where(
        or_(Proposal.association_id == association.id, Proposal.id.in_(coauthored)), Proposal.state.in_(states)
    )
    if not member:
        query = query.where(Proposal.hidden_at.is_(None))
    found = db.session.scalars(query.order_by(Proposal.updated_at.desc(), Proposal.id.desc())).all()
    by_state: dict[ProposalState, list[Proposal]] = {}
    for proposal in found:
        by_state.setdefault(proposal.state, []).append(proposal)
    return [
        ProposalGroup(state, str(GROUP_LABELS[state]), by_state[state]) for state in PAGE_STATES if state in by_state
    ]


# --- Members ----------------------------------------------------------------------------------


def members(association: Association) -> list[Membership]:
    """Everyone in the association, administrators first."""
    return list(
        db.session.scalars(
            select(Membership)
            .join(User)
            .where(Membership.association_id == association.id)
            .options(joinedload(Membership.user))
            .order_by(Membership.role, func.lower(User.display_name))
        )
    )


def membership_of(association: Association, user: User) -> Membership | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Membership).where(Membership.association_id == association.id, Membership.user_id == user.id)
    )


def get_membership(association: Association, membership_id: int) -> Membership:
    membership = db.session.scalar(
        select(Membership)
        .where(Membership.id == membership_id, Membership.association_id == association.id)
        .options(joinedload(Membership.user))
    )
    if membership is None:
        raise AssociationError(_("Cette personne n'est pas (ou plus) membre de l'association."))
    return membership


def _admin_ids(association: Association) -> list[int]:
    # Locked on PostgreSQL: two administrators stepping down at once cannot leave none.
    return list(
        db.session.scalars(
            select(Membership.id)
            .where(Membership.association_id == association.id, Membership.role == MembershipRole.ADMIN)
            .with_for_update()
        )
    )


def _refuse(error: AssociationError) -> AssociationError:
    # Nothing is written when a rule fails, and the row locks taken to check it are released
    # at once (a caller that keeps its session would otherwise block the next writer).
    db.session.rollback()
    return error


def _ensure_not_last_admin(association: Association, membership: Membership) -> None:
    if membership.role == MembershipRole.ADMIN and _admin_ids(association) == [membership.id]:
        raise _refuse(
            AssociationError(
                _(
                    "L'association doit toujours avoir au moins un·e administrateur·rice : "
                    "transmettez d'abord ce rôle à un autre membre."
                )
            )
        )


def change_role(association: Association, membership: Membership, role: str) -> None:
    role = MembershipRole(role)
    if membership.role == role:
        return
    if role == MembershipRole.MEMBER:
        _ensure_not_last_admin(association, membership)
    membership.role = role
    db.session.commit()
    forget_memberships(membership.user_id)


def remove_member(association: Association, membership: Membership) -> None:
    _ensure_not_last_admin(association, membership)
    user_id = membership.user_id
    db.session.delete(membership)
    db.session.commit()
    forget_memberships(user_id)


def hand_over(association: Association, actor: User, membership: Membership) -> None:
    """The acting administrator gives the administrator role to a member and becomes a member."""
    own = membership_of(association, actor)
    if own is None or own.role != MembershipRole.ADMIN:
        raise AssociationError(_("Seul·e un·e administrateur·rice de l'association peut transmettre son rôle."))
    if own.id == membership.id:
        raise AssociationError(_("Choisissez un autre membre à qui transmettre le rôle."))
    membership.role = MembershipRole.ADMIN
    own.role = MembershipRole.MEMBER
    db.session.commit()
    forget_memberships(actor.id)
    forget_memberships(membership.user_id)


def leave(association: Association, user: User) -> None:
    own = membership_of(association, user)
    if own is None:
        raise AssociationError(_("Vous n'êtes pas membre de cette association."))
    if own.role == MembershipRole.ADMIN and _admin_ids(association) == [own.id]:
        raise _refuse(
            AssociationError(
                _(
                    "Vous êtes le ou la seule administrateur·rice : transmettez "
                    "d'abord ce rôle à un autre membre avant de quitter l'association."
                )
            )
        )
    db.session.delete(own)
    db.session.commit()
    forget_memberships(user.id)


def set_show_publicly(association: Association, user: User, shown: bool) -> None:
    own = membership_of(association, user)
    if own is None:
        raise AssociationError(_("Vous n'êtes pas membre de cette association."))
    own.show_publicly = shown
    db.session.commit()


# --- Invitations ------------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def pending_invitations(association: Association) -> list[Invitation]:
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.association_id == association.id,
                Invitation.status == InvitationStatus.PENDING,
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def invite(
    association: Association, inviter: User, email: str, role: str = MembershipRole.MEMBER
) -> tuple[Invitation, str]:
    """Invite an address to join; returns the invitation and its token (for the link).

    A pending invitation to the same address is replaced: the latest link is the one that works.
    """
    email = normalize_email(email)
    role = MembershipRole(role)
    invitee = db.session.scalar(select(User).where(User.email == email))
    if invitee is not None and membership_of(association, invitee) is not None:
        raise AssociationError(_("Cette personne est déjà membre de l'association."), "email")
    db.session.execute(
        update(Invitation)
        .where(
            Invitation.association_id == association.id,
            Invitation.email == email,
            Invitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.REVOKED, responded_at=utcnow())
    )
    token = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        association_id=association.id,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by_id=inviter.id,
        status=InvitationStatus.PENDING,
        created_at=now,
        expires_at=now + timedelta(days=current_app.config["INVITATION_MAX_AGE_DAYS"]),
    )
    db.session.add(invitation)
    # In the invitee's language when they have an account (French otherwise, the platform's).
    with in_locale(invitee.locale if invitee is not None else None):
        link = email_url("associations.invitation", token=token)
        role_text = _("administrateur·rice") if role == MembershipRole.ADMIN else _("membre")
        body = _(
            "Bonjour,\n\n"
            "%(inviter)s vous invite à rejoindre « %(association)s » sur %(platform)s, en tant que %(role)s, "
            "pour rédiger ensemble des propositions d'innovation sociale.\n\n"
            "Ouvrez ce lien pour accepter ou refuser (il reste valable jusqu'au %(date)s) :\n\n%(link)s\n\n"
            "Si vous n'avez pas encore de compte, créez-le avec cette adresse e-mail (%(email)s) : "
            "l'invitation lui est destinée.\n\n"
            "Si vous ne connaissez pas cette association, ignorez ce message.\n\nL'équipe %(platform)s",
            inviter=inviter.display_name,
            platform=identity.current().platform_name,
            association=association.name,
            role=role_text,
            date=date_fr(invitation.expires_at),
            link=link,
            email=email,
        )
        queue_email(
            email,
            _(
                "Invitation à rejoindre « %(name)s » sur %(platform)s",
                name=association.name,
                platform=identity.current().platform_name,
            ),
            body,
        )
    if invitee is not None:
        notify(
            [invitee.id],
            "invitation",
            _l(
                "%(inviter)s vous invite à rejoindre « %(association)s ».",
                inviter=inviter.display_name,
                association=association.name,
            ),
            url_for("associations.invitation", token=token),
            email=False,  # the invitation e-mail above already carries the link
        )
    db.session.commit()
    return invitation, token


def revoke_invitation(association: Association, invitation_id: int) -> None:
    done = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation_id,
            Invitation.association_id == association.id,
            Invitation.status == InvitationStatus.PENDING,
        )
        .values(status=InvitationStatus.REVOKED, responded_at=utcnow())
    ).rowcount
    db.session.commit()
    if not done:
        raise AssociationError(_("Cette invitation n'est plus en attente."))


class InvitationError(AssociationError):
    """A link that cannot be used; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, field: str = "", status: int = 410) -> None:
        super().__init__(message, field)
        self.status = status


def invitation_for_token(token: str) -> Invitation | None:
    return db.session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == _token_hash(token))
        .options(joinedload(Invitation.association))
    )


def check_invitation(
    invitation: Invitation | None, user: User | None = None, now: datetime | None = None
) -> Invitation:
    """The invitation if ``user`` (or anyone, when None) may still answer it; raises otherwise."""
    if invitation is None:
        raise InvitationError(
            _(
                "Ce lien d'invitation n'existe pas. Vérifiez qu'il est complet, "
                "ou demandez à l'association de vous inviter à nouveau."
            ),
            status=404,
        )
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationError(_("Cette invitation a déjà été acceptée : le lien ne sert qu'une fois."))
    if invitation.status == InvitationStatus.DECLINED:
        raise InvitationError(_("Cette invitation a déjà été refusée : le lien ne sert qu'une fois."))
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationError(
            _(
                "Cette invitation a été annulée ou remplacée par une plus "
                "récente. Demandez à l'association de vous inviter à nouveau."
            )
        )
    if invitation.expires_at <= (now or utcnow()):
        raise InvitationError(
            _(
                "Cette invitation a expiré le %(date)s. Demandez à l'association de vous inviter à nouveau.",
                date=date_fr(invitation.expires_at),
            )
        )
    if user is not None and normalize_email(user.email) != invitation.email:
        raise InvitationError(
            _(
                "Cette invitation est destinée à l'adresse %(email)s, et vous êtes connecté·e avec une autre adresse. "
                "Déconnectez-vous, puis connectez-vous (ou créez un compte) avec l'adresse invitée.",
                email=invitation.email,
            ),
            status=403,
        )
    return invitation


def invited_address(token: str | None) -> str | None:
    """The address a still-valid invitation was sent to, to pre-fill the sign-up form.

    Read from the invitation the secret token designates, never from the request: a link cannot
    be forged to put another address in someone's form.
    """
    if not token:
        return None
    try:
        return check_invitation(invitation_for_token(token)).email
    except InvitationError:
        return None


def _close(invitation: Invitation, status: InvitationStatus) -> None:
    # Conditional update: of two clicks at the same instant, only one uses the link.
    done = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.status == InvitationStatus.PENDING)
        .values(status=status, responded_at=utcnow())
    ).rowcount
    if not done:
        db.session.rollback()
        raise InvitationError(_("Cette invitation a déjà été utilisée : le lien ne sert qu'une fois."))


def accept_invitation(invitation: Invitation | None, user: User) -> Membership:
    invitation = check_invitation(invitation, user)
    _close(invitation, InvitationStatus.ACCEPTED)
    if user.email_verified_at is None:
        # The link came by e-mail to this very address (check_invitation compared them).
        user.email_verified_at = utcnow()
    membership = membership_of(invitation.association, user)
    if membership is None:
        membership = Membership(association_id=invitation.association_id, user_id=user.id, role=invitation.role)
        db.session.add(membership)
    elif invitation.role == MembershipRole.ADMIN:
        membership.role = MembershipRole.ADMIN
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise InvitationError(_("Cette invitation a déjà été utilisée : le lien ne sert qu'une fois.")) from None
    forget_memberships(user.id)
    return membership


def decline_invitation(invitation: Invitation | None, user: User) -> None:
    invitation = check_invitation(invitation, user)
    _close(invitation, InvitationStatus.DECLINED)
    db.session.commit()
