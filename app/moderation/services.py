"""Moderation rules as plain functions: reports, automatic hiding, decisions, suspensions and the
audit log (the spam brakes are in ``app.moderation.brakes``). Routes and tests call these;
permissions are checked by the caller (``can``/``authorize``), except where a rule gives a French
message instead of a 403."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from app import identity, page_cache
from app.comments import services as comment_services
from app.comments.official import is_official
from app.errors import RuleError
from app.extensions import db
from app.identity import upper_first
from app.models import (
    AuditEntry,
    CaseStatus,
    Comment,
    Contestation,
    Idea,
    ModerationCase,
    Pole,
    PoleRole,
    PoleRoleKind,
    Proposal,
    Report,
    ReportReason,
    SuspensionRequest,
    User,
)
from app.models.base import utcnow
from app.models.moderation import audit_entry_poles, moderation_case_poles
from app.models.pole_scope import moderated_pole_ids, participation_pole_ids, poles_of
from app.notifications.recipients import proposal_recipients
from app.notifications.services import notify
from app.permissions import is_author_of_proposal
from app.subjects import KINDS, kind_of, load_item, url_of_item
from app.text import redact

ACTIONS = ("hide", "restore", "dismiss", "ask_edit")
PER_PAGE = 30


class ModerationError(RuleError):
    """A moderation rule refused the action."""


def action_labels() -> dict[str, str]:
    return {
        "hide": _("Masquer"),
        "restore": _("Rétablir"),
        "dismiss": _("Classer les signalements"),
        "ask_edit": _("Demander une modification"),
    }


def log_labels() -> dict[str, str]:
    """What each audit-log action means, in French."""
    unit = identity.current().unit  # "d'un pôle", "d'une Maison": each collectivity's own word
    return {
        "report": _("Signalement"),
        "auto_hide": _("Masquage automatique"),
        "association_remove": _("Message retiré par son association"),
        "hide": _("Masquage"),
        "restore": _("Rétablissement"),
        "dismiss": _("Signalements classés"),
        "ask_edit": _("Modification demandée"),
        "suspend": _("Suspension du compte"),
        "unsuspend": _("Fin de suspension"),
        "propose_suspension": _("Suspension proposée"),
        "hide_all": _("Masquage de tous les contenus d'un compte"),
        "contest": _("Contestation d'une décision"),
        "contest_maintained": _("Suspension maintenue après contestation"),
        "accompaniment_request": _("Demande d'accompagnement"),
        "accompaniment_accept": _("Accompagnement accepté"),
        "accompaniment_decline": _("Accompagnement refusé"),
        "partner_add": _("Partenaire ajouté à l'annuaire"),
        "partner_remove": _("Partenaire retiré de l'annuaire"),
        "partner_link": _("Partenaire relié à une proposition"),
        "partner_unlink": _("Partenaire détaché d'une proposition"),
        "related_link": _("Projet proche relié"),
        "related_unlink": _("Projet proche détaché"),
        "appoint_admin": _("Nomination à l'administration"),
        "revoke_admin": _("Retrait de l'administration"),
        "appoint_moderator": _("Nomination à la modération d'%(a_unit)s", a_unit=unit.a),
        "revoke_moderator": _("Retrait de la modération d'%(a_unit)s", a_unit=unit.a),
        "appoint_agent": _("Nomination comme agent d'%(a_unit)s", a_unit=unit.a),
        "revoke_agent": _("Retrait du rôle d'agent d'%(a_unit)s", a_unit=unit.a),
        "appoint_evaluator": _("Nomination à l'évaluation d'un appel"),
        "revoke_evaluator": _("Retrait de l'évaluation d'un appel"),
        "verify_association": _("Association vérifiée"),
        "refuse_association": _("Vérification d'association refusée"),
        "erase_account": _("Compte supprimé (droit à l'effacement)"),
        "mediation_idea": _("Idée recueillie en personne"),
        "mediation_comment": _("Commentaire recueilli en personne"),
        "mediation_support": _("Soutien recueilli en personne"),
    }


def kind_labels() -> dict[str, str]:
    return {
        "idea": _("Idée"),
        "proposal": _("Proposition"),
        "comment": _("Commentaire"),
        "user": _("Compte"),
        "pole": upper_first(identity.current().unit.singular),
        "association": _("Association"),
    }


# --- Content helpers ------------------------------------------------------------------------


def label_of(item: Any) -> str:
    if isinstance(item, Comment):
        text = " ".join((item.body or "").split())
        return (text[:120] + "…") if len(text) > 120 else text
    return item.title


def author_ids_of(item: Any) -> list[int]:
    """Who hears about decisions on an item: its author (a proposal: its authoring associations' members)."""
    if isinstance(item, Proposal):
        return proposal_recipients(item) or [item.author_id]
    return [item.author_id]


def is_own(user: Any, item: Any) -> bool:
    if isinstance(item, Proposal):
        return is_author_of_proposal(user, item) or item.author_id == user.id
    return item.author_id == user.id


# --- Audit log ------------------------------------------------------------------------------


def log(
    actor: Any, action: str, kind: str, target_id: int | None, label: str, reason: str = "", pole_ids=()
) -> AuditEntry:
    """Append one entry (never updated or deleted afterwards)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_kind=kind,
        target_id=target_id,
        # The log outlives the content and is read widely: no phone number or e-mail from the text.
        target_label=redact(label or "")[:200],
        reason=redact((reason or "").strip()),
    )
    db.session.add(entry)
    db.session.flush()
    rows = [{"entry_id": entry.id, "pole_id": pid} for pid in sorted(set(pole_ids))]
    if rows:
        db.session.execute(insert(audit_entry_poles), rows)
    return entry


def audit_page(
    user: Any, pole_id: int | None = None, action: str | None = None, actor_id: int | None = None, page: int = 1
):
    """Admins read everything; a pole moderator reads their pole's entries."""
    query = select(AuditEntry).options(joinedload(AuditEntry.actor), selectinload(AuditEntry.poles))
    pole_ids = {pole_id} if pole_id else set()
    if not user.is_admin:
        pole_ids = set(moderated_pole_ids(user))
    if pole_ids or not user.is_admin:
        query = query.where(
            AuditEntry.id.in_(select(audit_entry_poles.c.entry_id).where(audit_entry_poles.c.pole_id.in_(pole_ids)))
        )
    if action:
        query = query.where(AuditEntry.action == action)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    return db.paginate(query.order_by(AuditEntry.id.desc()), page=page, per_page=PER_PAGE, error_out=False, count=True)


def moderators_for_filter(user: Any) -> list[User]:
    """People who appear in the log as actors: admins and moderators (of this pole for a moderator)."""
    moderators = select(PoleRole.user_id).where(PoleRole.role == PoleRoleKind.MODERATOR.value)
    query = select(User).where(User.is_admin.is_(True) | User.id.in_(moderators))
    if not user.is_admin:
        query = select(User).where(User.id.in_(moderators.where(PoleRole.pole_id.in_(moderated_pole_ids(user)))))
    return list(db.session.scalars(query.order_by(User.display_name)))


# --- Reports --------------------------------------------------------------------------------


def _case_for(item: Any) -> ModerationCase:
    kind = kind_of(item)
    case = db.session.scalar(
        select(ModerationCase).where(ModerationCase.kind == kind, ModerationCase.target_id == item.id)
    )
    if case is None:
        case = ModerationCase(kind=kind, target_id=item.id, author_id=item.author_id, report_count=0, pending_reports=0)
        db.session.add(case)
        db.session.flush()
    return case


def case_for(item: Any) -> ModerationCase:
    """The item's case, opened if it has none: a moderator may decide without any report."""
    case = _case_for(item)
    _refresh_case_poles(case, item)
    return case


def _refresh_case_poles(case: ModerationCase, item: Any) -> None:
    # Copied from the content at each report: the pole's queue is then one indexed query.
    db.session.execute(delete(moderation_case_poles).where(moderation_case_poles.c.case_id == case.id))
    rows = [{"case_id": case.id, "pole_id": pid} for pid in sorted(poles_of(item))]
    if rows:
        db.session.execute(insert(moderation_case_poles), rows)


def threshold() -> int:
    return int(current_app.config.get("MODERATION_HIDE_THRESHOLD", 3))


@dataclass
class ReportResult:
    case: ModerationCase
    hidden_now: bool


def report(user: User, item: Any, reason: str, text: str = "") -> ReportResult:
    """Record one report; at the threshold of distinct reports, hide the item at once."""
    reason = ReportReason(reason)
    text = (text or "").strip()
    if reason == ReportReason.OTHER and not text:
        raise ModerationError(_("Précisez la raison de votre signalement."))
    if is_own(user, item):
        raise ModerationError(_("Vous ne pouvez pas signaler votre propre contribution."))
    if getattr(item, "deleted_at", None) is not None:
        raise ModerationError(_("Ce message a été supprimé par son auteur."))
    if item.hidden_at is not None:
        raise ModerationError(_("Ce contenu est déjà masqué en attente de modération : inutile de le signaler."))
    case = _case_for(item)
    already = db.session.scalar(select(Report.id).where(Report.case_id == case.id, Report.reporter_id == user.id))
    if already:
        db.session.rollback()
        raise ModerationError(_("Vous avez déjà signalé ce contenu : l'équipe de modération en est informée."))
    db.session.add(Report(case_id=case.id, reporter_id=user.id, reason=reason, text=text[:2000]))
    try:
        db.session.flush()
    except IntegrityError:
        # The same person, twice at the same instant: the database keeps one.
        db.session.rollback()
        raise ModerationError(
            _("Vous avez déjà signalé ce contenu : l'équipe de modération en est informée.")
        ) from None
    db.session.execute(
        update(ModerationCase)
        .where(ModerationCase.id == case.id)
        .values(
            report_count=ModerationCase.report_count + 1,
            pending_reports=ModerationCase.pending_reports + 1,
            status=CaseStatus.OPEN,
            last_reported_at=utcnow(),
        )
    )
    db.session.refresh(case)
    _refresh_case_poles(case, item)
    hidden_now = False
    # An official reply is not hidden by reports alone: it waits in the queue (already open) for a
    # moderator's decision, since hiding the unit's answer is not the reporters' call.
    if case.pending_reports >= threshold() and not is_official(item):
        model = type(item)
        hidden_now = bool(
            db.session.execute(
                update(model).where(model.id == item.id, model.hidden_at.is_(None)).values(hidden_at=utcnow())
            ).rowcount
        )
        if hidden_now:
            _visibility_changed(item, visible=False)
            db.session.refresh(item)
            pole_ids = poles_of(item)
            log(
                None,
                "auto_hide",
                case.kind,
                item.id,
                label_of(item),
                _("%(num)d signalements distincts", num=case.pending_reports),
                pole_ids,
            )
            notify(
                author_ids_of(item),
                "moderation_hidden",
                _l(
                    "Votre contribution « %(label)s » est masquée en "
                    "attente de modération après plusieurs signalements.",
                    label=label_of(item)[:80],
                ),
                url_of_item(item),
            )
    db.session.commit()
    return ReportResult(case, hidden_now)


def _visibility_changed(item: Any, visible: bool) -> None:
    # Only comments are counted on their subject (comment_count).
    if isinstance(item, Comment):
        comment_services.visibility_changed(item, visible)


def has_reported(user: Any, item: Any) -> bool:
    if not user.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(Report.id)
            .join(ModerationCase)
            .where(
                ModerationCase.kind == kind_of(item), ModerationCase.target_id == item.id, Report.reporter_id == user.id
            )
        )
        is not None
    )


# --- Decisions ------------------------------------------------------------------------------


def _notice(action: str, label: str, reason: str) -> str:
    texts = {
        "hide": _("Votre contribution « %(label)s » a été masquée par l'équipe de modération.", label=label),
        "restore": _(
            "Votre contribution « %(label)s » est de nouveau visible : l'équipe de modération l'a rétablie.",
            label=label,
        ),
        "dismiss": _(
            "Les signalements visant votre contribution « %(label)s "
            "» ont été examinés et classés : elle reste visible.",
            label=label,
        ),
        "ask_edit": _("L'équipe de modération vous demande de modifier votre contribution « %(label)s ».", label=label),
    }
    text = texts[action]
    if reason:
        text += " " + _("Motif : %(reason)s", reason=reason)
    return text


def act(case: ModerationCase, action: str, actor: User, reason: str = "") -> ModerationCase:
    """Apply one decision to a case. Refused with a French message when it was already handled
    (by someone else meanwhile too: the state changes only through conditional UPDATEs)."""
    if action not in ACTIONS:
        raise ModerationError(_("Action inconnue."))
    reason = (reason or "").strip()[:1000]
    if action == "hide" and not reason:
        # The author is told why, and the rules say every hiding has a reason.
        raise ModerationError(_("Indiquez le motif du masquage : il est communiqué à l'auteur."))
    item = load_item(case.kind, case.target_id)
    if item is None:
        raise ModerationError(_("Ce contenu n'existe plus."))
    model = type(item)
    page_cache.touch_object(item)  # hidden or restored by UPDATE statements below
    now = utcnow()
    new_status = {
        "hide": CaseStatus.HIDDEN,
        "restore": CaseStatus.RESTORED,
        "dismiss": CaseStatus.DISMISSED,
        "ask_edit": CaseStatus.EDIT_REQUESTED,
    }[action]

    if action == "hide":
        changed = db.session.execute(
            update(model).where(model.id == item.id, model.hidden_at.is_(None)).values(hidden_at=now)
        ).rowcount
        if changed:
            _visibility_changed(item, visible=False)
        if not changed and case.status != CaseStatus.OPEN:
            raise ModerationError(_("Ce contenu est déjà masqué : rien n'a changé."))
        claimed = db.session.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id, ModerationCase.status != CaseStatus.HIDDEN)
            .values(status=new_status, pending_reports=0, handled_at=now)
        ).rowcount
        if not changed and not claimed:
            db.session.rollback()
            raise ModerationError(_("Ce contenu est déjà masqué : rien n'a changé."))
        # Also when reports had hidden it already: the decision is final, with its reason.
        db.session.execute(update(model).where(model.id == item.id).values(hidden_reason=reason))
    elif action == "restore":
        changed = db.session.execute(
            update(model)
            .where(model.id == item.id, model.hidden_at.is_not(None))
            .values(hidden_at=None, hidden_reason=None)
        ).rowcount
        if not changed:
            db.session.rollback()
            raise ModerationError(_("Ce contenu n'est pas masqué : il n'y a rien à rétablir."))
        _visibility_changed(item, visible=True)
        db.session.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id)
            .values(status=new_status, pending_reports=0, handled_at=now)
        )
    else:
        claimed = db.session.execute(
            update(ModerationCase)
            .where(ModerationCase.id == case.id, ModerationCase.status == CaseStatus.OPEN)
            .values(status=new_status, pending_reports=0, handled_at=now)
        ).rowcount
        if not claimed:
            db.session.rollback()
            raise ModerationError(_("Ces signalements ont déjà été traités : rien n'a changé."))
        if action == "dismiss":
            # Unfounded reports: an automatically hidden item comes back.
            if db.session.execute(
                update(model)
                .where(model.id == item.id, model.hidden_at.is_not(None))
                .values(hidden_at=None, hidden_reason=None)
            ).rowcount:
                _visibility_changed(item, visible=True)
    db.session.execute(
        update(Report).where(Report.case_id == case.id, Report.handled_at.is_(None)).values(handled_at=now)
    )
    contested = close_contestations(case.kind, item.id, action, actor)
    db.session.refresh(case)
    db.session.refresh(item)
    label = label_of(item)
    log(actor, action, case.kind, item.id, label, reason, poles_of(item))

    def notice() -> str:
        # Called in each author's language, not the moderator's.
        text = _notice(action, label[:80], reason)
        return _("Votre contestation a été examinée.") + " " + text if contested else text

    notify(author_ids_of(item), f"moderation_{action}", notice, url_of_item(item))
    db.session.commit()
    return case


def close_contestations(kind: str, target_id: int, outcome: str, actor: User) -> int:
    """The decision that answers an open contestation closes it (``outcome``: the action taken)."""
    return db.session.execute(
        update(Contestation)
        .where(Contestation.kind == kind, Contestation.target_id == target_id, Contestation.decided_at.is_(None))
        .values(decided_at=utcnow(), decided_by_id=actor.id if actor is not None else None, outcome=outcome)
    ).rowcount


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def act_many(cases: list[ModerationCase], action: str, actor: User, reason: str, allowed) -> BulkResult:
    """The same decision on several cases; each is checked (``allowed(case)``) and applied alone."""
    result = BulkResult()
    for case in cases:
        if not allowed(case):
            result.refused.append((case.id, _("Vous ne modérez pas ce contenu.")))
            continue
        try:
            act(case, action, actor, reason)
        except ModerationError as error:
            result.refused.append((case.id, error.message))
        else:
            result.done.append(case.id)
    return result


# --- The queue ------------------------------------------------------------------------------


@dataclass
class QueueItem:
    case: ModerationCase
    item: Any
    subject: Any  # what a comment belongs to (the item itself otherwise)
    author: User | None
    reports: list[Report]
    contestation: Contestation | None = None  # the author's open request to review the decision

    @property
    def hidden(self) -> bool:
        return self.item is not None and self.item.hidden_at is not None


def queue(pole: Pole | None, sort: str = "recent", page: int = 1, status: str = "open"):
    """Open cases of a pole (every pole when ``pole`` is None), with their content, subject,
    author and reports: a constant number of queries whatever the length."""
    query = select(ModerationCase).options(selectinload(ModerationCase.poles))
    if status == "open":
        query = query.where(ModerationCase.status == CaseStatus.OPEN)
    elif status == "hidden":  # decided and hidden: the list where a decision can be undone later
        query = query.where(ModerationCase.status == CaseStatus.HIDDEN)
    if pole is not None:
        query = query.where(
            ModerationCase.id.in_(
                select(moderation_case_poles.c.case_id).where(moderation_case_poles.c.pole_id == pole.id)
            )
        )
    if sort == "signalements":
        query = query.order_by(
            ModerationCase.pending_reports.desc(), ModerationCase.report_count.desc(), ModerationCase.id.desc()
        )
    elif status == "hidden":
        query = query.order_by(ModerationCase.handled_at.desc(), ModerationCase.id.desc())
    else:
        query = query.order_by(ModerationCase.last_reported_at.desc(), ModerationCase.id.desc())
    pagination = db.paginate(query, page=page, per_page=PER_PAGE, error_out=False, count=True)
    pagination.entries = hydrate(list(pagination.items))
    return pagination


def hydrate(cases: list[ModerationCase]) -> list[QueueItem]:
    if not cases:
        return []
    ids = {kind: [c.target_id for c in cases if c.kind == kind] for kind in KINDS}
    comments = (
        {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids["comment"])))}
        if ids["comment"]
        else {}
    )
    idea_ids = set(ids["idea"]) | {c.idea_id for c in comments.values() if c.idea_id}
    proposal_ids = set(ids["proposal"]) | {c.proposal_id for c in comments.values() if c.proposal_id}
    ideas = {i.id: i for i in db.session.scalars(select(Idea).where(Idea.id.in_(idea_ids)))} if idea_ids else {}
    proposals = (
        {p.id: p for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)))}
        if proposal_ids
        else {}
    )
    reports: dict[int, list[Report]] = {}
    for r in db.session.scalars(select(Report).where(Report.case_id.in_([c.id for c in cases])).order_by(Report.id)):
        reports.setdefault(r.case_id, []).append(r)
    authors = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_({c.author_id for c in cases})))}
    contestations = {
        c.case_id: c
        for c in db.session.scalars(
            select(Contestation).where(
                Contestation.case_id.in_([c.id for c in cases]), Contestation.decided_at.is_(None)
            )
        )
    }
    entries = []
    for case in cases:
        if case.kind == "comment":
            item = comments.get(case.target_id)
            subject = (ideas.get(item.idea_id) if item.idea_id else proposals.get(item.proposal_id)) if item else None
        else:
            item = (ideas if case.kind == "idea" else proposals).get(case.target_id)
            subject = item
        entries.append(
            QueueItem(
                case, item, subject, authors.get(case.author_id), reports.get(case.id, []), contestations.get(case.id)
            )
        )
    return entries


def open_case_count(pole: Pole | None) -> int:
    query = select(func.count(ModerationCase.id)).where(ModerationCase.status == CaseStatus.OPEN)
    if pole is not None:
        query = query.where(
            ModerationCase.id.in_(
                select(moderation_case_poles.c.case_id).where(moderation_case_poles.c.pole_id == pole.id)
            )
        )
    return db.session.scalar(query)


# --- Accounts -------------------------------------------------------------------------------


def content_pole_ids(user: User) -> set[int]:
    """Every pole this person has contributed in (for the audit log of account decisions)."""
    return set(participation_pole_ids(user.id))


def suspend(user: User, actor: User, reason: str = "") -> None:
    if user.suspended_at is not None:
        raise ModerationError(_("Ce compte est déjà suspendu."))
    user.suspended_at = utcnow()
    db.session.execute(
        update(SuspensionRequest)
        .where(SuspensionRequest.user_id == user.id, SuspensionRequest.handled_at.is_(None))
        .values(handled_at=utcnow())
    )
    log(actor, "suspend", "user", user.id, user.display_name, reason, content_pole_ids(user))

    def text() -> str:
        # Called in the person's language, not the moderator's.
        said = _("Votre compte est suspendu : vous ne pouvez plus publier, commenter, soutenir ni signaler.")
        return said + " " + _("Motif : %(reason)s", reason=reason) if reason else said

    notify([user.id], "account_suspended", text, url_for("auth.account"))
    db.session.commit()


def lift_suspension(user: User, actor: User, reason: str = "") -> None:
    if user.suspended_at is None:
        raise ModerationError(_("Ce compte n'est pas suspendu."))
    user.suspended_at = None
    close_contestations("user", user.id, "unsuspend", actor)
    log(actor, "unsuspend", "user", user.id, user.display_name, reason, content_pole_ids(user))
    notify(
        [user.id],
        "account_unsuspended",
        _l("La suspension de votre compte est levée : vous pouvez de nouveau participer."),
        url_for("auth.account"),
    )
    db.session.commit()


def propose_suspension(user: User, actor: User, reason: str = "") -> SuspensionRequest:
    if user.suspended_at is not None:
        raise ModerationError(_("Ce compte est déjà suspendu."))
    pending = db.session.scalar(
        select(SuspensionRequest.id).where(
            SuspensionRequest.user_id == user.id,
            SuspensionRequest.requested_by_id == actor.id,
            SuspensionRequest.handled_at.is_(None),
        )
    )
    if pending:
        raise ModerationError(_("Vous avez déjà proposé de suspendre ce compte : l'administration l'examinera."))
    # A moderator of several units proposes for the one where this person took part.
    shared_pole = min(moderated_pole_ids(actor) & participation_pole_ids(user.id), default=None)
    request = SuspensionRequest(
        user_id=user.id, requested_by_id=actor.id, pole_id=shared_pole, reason=(reason or "").strip()
    )
    db.session.add(request)
    log(
        actor,
        "propose_suspension",
        "user",
        user.id,
        user.display_name,
        reason,
        [shared_pole] if shared_pole else [],
    )
    admins = db.session.scalars(select(User.id).where(User.is_admin.is_(True)))
    notify(
        admins,
        "suspension_proposed",
        _l("%(name)s propose de suspendre le compte de %(user)s.", name=actor.display_name, user=user.display_name),
        url_for("moderation.account", user_id=user.id),
    )
    db.session.commit()
    return request


def hide_all_content(user: User, actor: User, reason: str = "") -> int:
    """Hide, in one action, everything a (suspended) account published that is still visible."""
    now = utcnow()
    count = 0
    shown_reason = reason or _("masquage de toutes les contributions du compte")
    comment_ids = list(
        db.session.scalars(select(Comment.id).where(Comment.author_id == user.id, Comment.hidden_at.is_(None)))
    )
    for model in (Idea, Comment):
        count += db.session.execute(
            update(model)
            .where(model.author_id == user.id, model.hidden_at.is_(None))
            .values(hidden_at=now, hidden_reason=shown_reason)
        ).rowcount
    comment_services.recount_comments(comment_ids)
    count += db.session.execute(
        update(Proposal)
        .where(Proposal.author_id == user.id, Proposal.hidden_at.is_(None))
        .values(hidden_at=now, hidden_reason=shown_reason)
    ).rowcount
    if not count:
        db.session.rollback()
        raise ModerationError(_("Ce compte n'a aucun contenu visible à masquer."))
    log(
        actor,
        "hide_all",
        "user",
        user.id,
        user.display_name,
        reason or _("%(num)d contenus masqués", num=count),
        content_pole_ids(user),
    )
    notify(
        [user.id],
        "moderation_hide_all",
        _l("L'équipe de modération a masqué vos contributions."),
        url_for("auth.account"),
    )
    db.session.commit()
    return count


def pending_suspension_requests() -> list[SuspensionRequest]:
    return list(
        db.session.scalars(
            select(SuspensionRequest)
            .where(SuspensionRequest.handled_at.is_(None))
            .options(joinedload(SuspensionRequest.user), joinedload(SuspensionRequest.requested_by))
            .order_by(SuspensionRequest.id.desc())
        )
    )


def suspended_accounts() -> list[User]:
    return list(db.session.scalars(select(User).where(User.suspended_at.is_not(None)).order_by(User.display_name)))


def account_summary(user: User) -> dict:
    return {
        "ideas": db.session.scalar(select(func.count(Idea.id)).where(Idea.author_id == user.id)),
        "comments": db.session.scalar(select(func.count(Comment.id)).where(Comment.author_id == user.id)),
        "hidden": sum(
            db.session.scalar(select(func.count(m.id)).where(m.author_id == user.id, m.hidden_at.is_not(None)))
            for m in (Idea, Proposal, Comment)
        ),
        "reported": db.session.scalar(select(func.count(ModerationCase.id)).where(ModerationCase.author_id == user.id)),
    }
