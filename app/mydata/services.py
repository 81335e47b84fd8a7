"""A copy of everything Tisser holds about one person (GDPR articles 15 and 20).

The person asks from their account page; the request is a row (``DataExport``). Small requests
are built at once, in the request (a few milliseconds: the person gets the e-mail right away and
nothing waits for a timer); a large one is left to ``flask exports build``, run by a timer, so
that no request ever stalls on it. Either way the zip holds ``donnees.json`` (machine-readable)
and ``donnees.html`` (readable offline, no external asset), and the person gets an e-mail with a
signed link that expires. The download needs that person logged in, and deletes the file.

Other people appear only by their public name: what is read about them is chosen column by
column here (never a whole ``User``), so no other address or private detail can slip in.
"""

from __future__ import annotations

import io
import json
import logging
import zipfile
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, or_, select, union_all

from app import identity
from app.extensions import db
from app.models import (
    Amendment,
    Association,
    AuditEntry,
    Call,
    CallEvaluator,
    Comment,
    Contestation,
    DataExport,
    EndedSession,
    Follow,
    Idea,
    Membership,
    ModerationCase,
    Notification,
    NotificationPreference,
    Pole,
    PoleRole,
    PrivateMessage,
    Proposal,
    ProposalRevision,
    Report,
    Support,
    User,
)
from app.models.base import utcnow
from app.mydata.labels import LABELS
from app.outbox import queue_email
from app.rendering import render_document
from app.urls import email_url

FORMAT = "tisser-donnees-personnelles"
SALT = "tisser-data-export"
log = logging.getLogger(__name__)


# --- Asking -------------------------------------------------------------------------------------


def pending_export(user: User) -> DataExport | None:
    """The request still being prepared or waiting to be downloaded, if any."""
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id, DataExport.downloaded_at.is_(None))
        .where(or_(DataExport.expires_at.is_(None), DataExport.expires_at > utcnow()))
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def current_user_export() -> DataExport | None:
    """For the account page (a template global): the current person's copy in progress, if any."""
    return pending_export(current_user) if current_user.is_authenticated else None


def request_export(user: User) -> DataExport:
    """Queue a copy for ``user`` (one at a time: asking again returns the one in progress), and
    build it now when it is small."""
    export = pending_export(user)
    if export is not None and not export.is_pending:
        # "Renvoyer le lien": the same copy, a new e-mail (the first one may be lost).
        _send_link(user, export)
        db.session.commit()
    elif export is None:
        export = DataExport(user_id=user.id)
        db.session.add(export)
        db.session.commit()
        if row_count(user) <= current_app.config["DATA_EXPORT_INLINE_ROWS"]:
            _build_or_leave_to_the_timer(export)
    return export


def _build_or_leave_to_the_timer(export: DataExport) -> None:
    """A failure here must not cost the person their request: the timer tries again."""
    try:
        build(export)
    except Exception as error:  # noqa: BLE001
        db.session.rollback()
        log.exception("data export %s failed", export.id)
        export.last_error = f"{type(error).__name__}: {error}"[:1000]
        db.session.commit()


def row_count(user: User) -> int:
    """About how many rows the copy holds: decides between now and the timer."""
    counted = [
        select(func.count()).select_from(model).where(column == user.id)
        for model, column in (
            (Idea, Idea.author_id),
            (Comment, Comment.author_id),
            (Support, Support.user_id),
            (Notification, Notification.user_id),
            (Proposal, Proposal.author_id),
            (Follow, Follow.user_id),
        )
    ]
    return sum(db.session.execute(union_all(*counted)).scalars())


# --- Building -----------------------------------------------------------------------------------


def build_pending() -> tuple[int, int]:
    """Build every queued copy (the timer's job); one failure does not stop the others."""
    built = failed = 0
    for export in list(db.session.scalars(select(DataExport).where(DataExport.ready_at.is_(None)))):
        _build_or_leave_to_the_timer(export)
        if export.ready_at is None:
            failed += 1
        else:
            built += 1
    return built, failed


def build(export: DataExport) -> None:
    user = db.session.get(User, export.user_id)
    data = collect(user)
    export.content = zip_bytes(data)
    now = utcnow()
    export.ready_at = now
    export.expires_at = now + timedelta(days=current_app.config["DATA_EXPORT_DAYS"])
    export.last_error = ""
    _send_link(user, export)
    db.session.commit()


def zip_bytes(data: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("donnees.html", render_document("mydata/export.html", data=data, labels=LABELS))
    return buffer.getvalue()


def _send_link(user: User, export: DataExport) -> None:
    platform = identity.current().platform_name
    days = current_app.config["DATA_EXPORT_DAYS"]
    body = _(
        "Bonjour %(name)s,\n\n"
        "La copie de vos données sur %(platform)s est prête. Ouvrez ce lien, connecté·e à votre compte, "
        "pour la télécharger (une archive zip) ; il reste valable %(days)s jours et la copie est effacée "
        "dès que vous l'avez téléchargée :\n\n%(link)s\n\n"
        "Si vous n'avez pas demandé cette copie, changez votre mot de passe : quelqu'un s'est servi de "
        "votre compte.\n\nL'équipe %(platform)s",
        name=user.display_name,
        platform=platform,
        days=days,
        link=email_url("mydata.download", token=export_token(export)),
    )
    queue_email(user.email, _("La copie de vos données %(platform)s", platform=platform), body)


# --- The link -----------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def export_token(export: DataExport) -> str:
    return _serializer().dumps({"x": export.id, "u": export.user_id})


def export_for_token(token: str) -> DataExport | None:
    """The copy a link is for, or None when the link is forged or expired, or the file is gone."""
    max_age = int(timedelta(days=current_app.config["DATA_EXPORT_DAYS"]).total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("x"), int):
        return None
    export = db.session.get(DataExport, data["x"])
    if export is None or export.user_id != data.get("u") or export.content is None:
        return None
    if export.expires_at is not None and export.expires_at <= utcnow():
        return None
    return export


def take(export: DataExport) -> bytes:
    """The zip, handed over once: the stored copy is deleted as it leaves."""
    content = export.content or b""
    export.content = None
    export.downloaded_at = utcnow()
    db.session.commit()
    return content


def delete_expired(now: datetime) -> int:
    """Copies past their expiry or already downloaded: the row goes with the file."""
    result = db.session.execute(
        delete(DataExport).where(or_(DataExport.expires_at <= now, DataExport.downloaded_at.is_not(None)))
    )
    return result.rowcount or 0


# --- What the copy holds --------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


def _titles(model: Any, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(model.id, model.title).where(model.id.in_(ids))).all())


def _subject(idea_id: int | None, proposal_id: int | None, ideas: dict, proposals: dict) -> dict:
    if idea_id is not None:
        return {"type": "idee", "id": idea_id, "titre": ideas.get(idea_id, "")}
    return {"type": "proposition", "id": proposal_id, "titre": proposals.get(proposal_id, "")}


def collect(user: User) -> dict:
    """Everything about ``user``, as plain JSON-ready data. Other people: public names only."""
    uid = user.id
    data: dict[str, Any] = {
        "format": FORMAT,
        "version": 1,
        "produit_le": _when(utcnow()),
        "plateforme": identity.current().platform_name,
        "compte": {
            "id": uid,
            "adresse_email": user.email,
            "nom_public": user.display_name,
            "cree_le": _when(user.created_at),
            "adresse_confirmee_le": _when(user.email_verified_at),
            "administrateur_plateforme": user.is_admin,
            "commentaires_caches_du_profil": user.hide_comments,
            "suspendu_le": _when(user.suspended_at),
        },
    }
    data["roles"] = _roles(uid)
    data["idees"] = [
        {
            "id": idea.id,
            "titre": idea.title,
            "description": idea.description,
            "cree_le": _when(idea.created_at),
            "modifie_le": _when(idea.updated_at),
            "soutiens": idea.support_count,
            "commentaires": idea.comment_count,
            "masquee_le": _when(idea.hidden_at),
        }
        for idea in db.session.scalars(select(Idea).where(Idea.author_id == uid).order_by(Idea.id))
    ]
    data["propositions"] = _proposals(uid)
    data["amendements"] = [
        {
            "id": a.id,
            "proposition": a.proposal_id,
            "champ": a.field,
            "texte_propose": a.new_text,
            "motif": a.reason,
            "statut": str(a.status),
            "cree_le": _when(a.created_at),
        }
        for a in db.session.scalars(select(Amendment).where(Amendment.author_id == uid).order_by(Amendment.id))
    ]
    comments = list(db.session.scalars(select(Comment).where(Comment.author_id == uid).order_by(Comment.id)))
    supports = list(db.session.scalars(select(Support).where(Support.user_id == uid).order_by(Support.id)))
    rows = comments + supports
    ideas = _titles(Idea, {r.idea_id for r in rows if r.idea_id})
    proposals = _titles(Proposal, {r.proposal_id for r in rows if r.proposal_id})
    data["commentaires"] = [
        {
            "id": c.id,
            "sur": _subject(c.idea_id, c.proposal_id, ideas, proposals),
            "texte": c.body,
            "cree_le": _when(c.created_at),
            "modifie_le": _when(c.edited_at),
            "supprime_le": _when(c.deleted_at),
            "masque_le": _when(c.hidden_at),
        }
        for c in comments
    ]
    data["soutiens"] = [
        {"sur": _subject(s.idea_id, s.proposal_id, ideas, proposals), "le": _when(s.created_at)} for s in supports
    ]
    data["messages_prives"] = [
        {"id": m.id, "proposition": m.proposal_id, "texte": m.body, "le": _when(m.created_at)}
        for m in db.session.scalars(
            select(PrivateMessage).where(PrivateMessage.author_id == uid).order_by(PrivateMessage.id)
        )
    ]
    data["signalements_faits"] = [
        {"sur": {"type": kind, "id": target}, "motif": str(r.reason), "texte": r.text, "le": _when(r.created_at)}
        for r, kind, target in db.session.execute(
            select(Report, ModerationCase.kind, ModerationCase.target_id)
            .join(ModerationCase, ModerationCase.id == Report.case_id)
            .where(Report.reporter_id == uid)
            .order_by(Report.id)
        )
    ]
    data["suivis"] = [
        {"type": str(f.target), "id": f.target_id, "depuis": _when(f.created_at)}
        for f in db.session.scalars(select(Follow).where(Follow.user_id == uid).order_by(Follow.id))
    ]
    data["notifications"] = [
        {"sorte": n.kind, "texte": n.text, "lien": n.url, "le": _when(n.created_at), "lue_le": _when(n.read_at)}
        for n in db.session.scalars(select(Notification).where(Notification.user_id == uid).order_by(Notification.id))
    ]
    data["preferences_courriel"] = [
        {"sorte": p.kind, "envoi": str(p.mode)}
        for p in db.session.scalars(
            select(NotificationPreference)
            .where(NotificationPreference.user_id == uid)
            .order_by(NotificationPreference.kind)
        )
    ]
    data["moderation"] = _moderation(uid)
    data["connexions"] = {
        "derniere_connexion": _when(user.last_login_at),
        "deconnexions": [
            _when(ended)
            for ended in db.session.scalars(
                select(EndedSession.ended_at).where(EndedSession.user_id == uid).order_by(EndedSession.ended_at)
            )
        ],
    }
    return data


def _roles(uid: int) -> dict:
    return {
        "associations": [
            {"association": name, "role": str(role), "affiche_publiquement": shown, "depuis": _when(since)}
            for name, role, shown, since in db.session.execute(
                select(Association.name, Membership.role, Membership.show_publicly, Membership.created_at)
                .join(Association, Association.id == Membership.association_id)
                .where(Membership.user_id == uid)
                .order_by(Membership.id)
            )
        ],
        "unites": [
            {"unite": name, "role": role, "depuis": _when(since)}
            for name, role, since in db.session.execute(
                select(Pole.name, PoleRole.role, PoleRole.created_at)
                .join(Pole, Pole.id == PoleRole.pole_id)
                .where(PoleRole.user_id == uid)
                .order_by(Pole.name)
            )
        ],
        "evaluation_des_appels": [
            {"appel": title, "depuis": _when(since)}
            for title, since in db.session.execute(
                select(Call.title, CallEvaluator.created_at)
                .join(Call, Call.id == CallEvaluator.call_id)
                .where(CallEvaluator.user_id == uid)
                .order_by(Call.id)
            )
        ],
    }


def _proposals(uid: int) -> list[dict]:
    """Proposals they wrote, and those they changed as a co-author (with their own revisions)."""
    revisions: dict[int, list[ProposalRevision]] = {}
    for revision in db.session.scalars(
        select(ProposalRevision).where(ProposalRevision.author_id == uid).order_by(ProposalRevision.id)
    ):
        revisions.setdefault(revision.proposal_id, []).append(revision)
    rows = db.session.execute(
        select(Proposal, Association.name)
        .join(Association, Association.id == Proposal.association_id)
        .where(or_(Proposal.author_id == uid, Proposal.id.in_(revisions)))
        .order_by(Proposal.id)
    )
    return [
        {
            "id": p.id,
            "titre": p.title,
            "resume": p.summary,
            "association": association,
            "etat": str(p.state),
            "vous_l_avez": "ecrite" if p.author_id == uid else "co-ecrite",
            "creee_le": _when(p.created_at),
            "publiee_le": _when(p.published_at),
            "vos_revisions": [
                {"version": r.version, "le": _when(r.created_at), "champs": list(r.changed_fields), "note": r.note}
                for r in revisions.get(p.id, [])
            ],
        }
        for p, association in rows
    ]


def _moderation(uid: int) -> dict:
    cases = list(db.session.scalars(select(ModerationCase).where(ModerationCase.author_id == uid)))
    about = or_(
        *[(AuditEntry.target_kind == c.kind) & (AuditEntry.target_id == c.target_id) for c in cases],
        (AuditEntry.target_kind == "user") & (AuditEntry.target_id == uid),
    )
    return {
        "signalements_de_vos_contenus": [
            {
                "sur": {"type": c.kind, "id": c.target_id},
                "statut": str(c.status),
                "signalements": c.report_count,
                "ouvert_le": _when(c.created_at),
                "traite_le": _when(c.handled_at),
            }
            for c in cases
        ],
        # The decision and its reason; who took it stays the collectivity's (a moderator acts for it).
        "decisions": [
            {
                "action": e.action,
                "sur": {"type": e.target_kind, "id": e.target_id},
                "motif": e.reason,
                "le": _when(e.created_at),
            }
            for e in db.session.scalars(select(AuditEntry).where(about).order_by(AuditEntry.id))
        ],
        "contestations": [
            {"sur": {"type": c.kind, "id": c.target_id}, "texte": c.text, "le": _when(c.created_at), "issue": c.outcome}
            for c in db.session.scalars(
                select(Contestation).where(Contestation.author_id == uid).order_by(Contestation.id)
            )
        ],
    }
