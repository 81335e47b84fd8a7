"""The rules of attachments: what is accepted, where it goes, what a call still requires.

A form may send several files: each is checked on its own, the good ones are kept and the bad
ones reported, so one refused file never costs the others.
"""

from __future__ import annotations

import secrets
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.attachments import filetypes, scan, storage
from app.errors import RuleError
from app.extensions import db
from app.models import EDITABLE_STATES, Association, Attachment, Call, CallRequiredDocument, Proposal, User
from app.models.attachments import DOCUMENT_KINDS
from app.models.base import utcnow
from app.proposals import revisions


@dataclass
class Upload:
    filename: str
    data: bytes


@dataclass
class Outcome:
    added: list[Attachment] = field(default_factory=list)
    # (the name as sent, why it was refused)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} Mo".replace(".", ",")


def clean_name(filename: str, extension: str) -> str:
    """The name shown and offered on download: the uploaded one without folders or control
    characters, its extension replaced by the detected type's (a PNG named .html downloads as .png)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip(" .")
    stem = name.rsplit(".", 1)[0].strip() if "." in name else name
    return f"{(stem or _('document'))[:180]}.{extension}"


def check(upload: Upload, used_bytes: int) -> filetypes.FileType:
    """The file's type, or AttachmentError saying in French why it is refused."""
    config = current_app.config
    name = upload.filename or _("(sans nom)")
    if not upload.data:
        raise AttachmentError(_("« %(name)s » est vide.", name=name))
    if len(upload.data) > config["ATTACHMENT_MAX_BYTES"]:
        raise AttachmentError(
            _(
                "« %(name)s » dépasse la taille maximale d'un fichier (%(max)s).",
                name=name,
                max=_mb(config["ATTACHMENT_MAX_BYTES"]),
            )
        )
    if used_bytes + len(upload.data) > config["ATTACHMENTS_MAX_TOTAL_BYTES"]:
        raise AttachmentError(
            _(
                "« %(name)s » ferait dépasser la taille totale autorisée des pièces jointes (%(max)s).",
                name=name,
                max=_mb(config["ATTACHMENTS_MAX_TOTAL_BYTES"]),
            )
        )
    kind = filetypes.detect(upload.data)
    if kind is None:
        raise AttachmentError(
            _(
                "« %(name)s » n'est pas d'un type accepté. Types acceptés : PDF, ODT, ODS, DOCX, XLSX, JPEG, PNG "
                "(le type est lu dans le contenu du fichier, pas dans son nom).",
                name=name,
            )
        )
    if socket_path := config.get("CLAMD_SOCKET"):
        try:
            virus = scan.scan(socket_path, upload.data)
        except scan.ScanUnavailable:
            current_app.logger.exception("clamd did not answer")
            raise AttachmentError(
                _("« %(name)s » n'a pas pu être analysé par l'antivirus : réessayez dans un moment.", name=name)
            ) from None
        if virus:
            raise AttachmentError(
                _("« %(name)s » contient un virus (%(virus)s) : il est refusé.", name=name, virus=virus)
            )
    return kind


class AttachmentError(RuleError):
    """A file refused, or a change to a proposal's files that came too late."""


def _store(uploads: list[Upload], used: int, kind: str, user: User, **owner) -> Outcome:
    kind = kind if kind in DOCUMENT_KINDS else "autre"
    outcome = Outcome()
    store = storage.current()
    for upload in uploads:
        try:
            detected = check(upload, used)
        except AttachmentError as error:
            outcome.refused.append((upload.filename, error.message))
            continue
        key = secrets.token_urlsafe(24)
        store.put(key, upload.data, detected.mime)
        used += len(upload.data)
        attachment = Attachment(
            storage_key=key,
            filename=clean_name(upload.filename, detected.extension),
            content_type=detected.mime,
            size=len(upload.data),
            kind=kind,
            uploaded_by_id=user.id,
            **owner,
        )
        db.session.add(attachment)
        outcome.added.append(attachment)
    return outcome


def _used(column, owner_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(Attachment.size), 0)).where(column == owner_id)) or 0


# --- Proposals ---------------------------------------------------------------------------------


def of_proposal(proposal_id: int) -> list[Attachment]:
    return list(
        db.session.scalars(select(Attachment).where(Attachment.proposal_id == proposal_id).order_by(Attachment.id))
    )


def _new_revision(proposal: Proposal, user: User, added: list[str], removed: list[str]) -> bool:
    """A version of the proposal that records which files came and went. The bump is guarded like
    a text edit: a proposal submitted meanwhile is frozen, nothing changes."""
    bumped = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.version == proposal.version)
        .where(Proposal.state.in_(EDITABLE_STATES))
        .values(version=Proposal.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if bumped.rowcount != 1:
        return False
    proposal.version += 1
    revision = revisions.record(proposal, user.id, ["attachments"])
    revision.snapshot = {**revision.snapshot, "attachments": {"added": added, "removed": removed}}
    return True


def add_to_proposal(proposal: Proposal, user: User, uploads: list[Upload], kind: str = "autre") -> Outcome:
    outcome = _store(uploads, _used(Attachment.proposal_id, proposal.id), kind, user, proposal_id=proposal.id)
    if outcome.added:
        db.session.flush()
        if not _new_revision(proposal, user, [a.filename for a in outcome.added], []):
            _discard(outcome)
            raise AttachmentError(frozen_or_changed())
    db.session.commit()
    return outcome


def remove_from_proposal(proposal: Proposal, attachment: Attachment, user: User) -> None:
    key, name = attachment.storage_key, attachment.filename
    db.session.delete(attachment)
    db.session.flush()
    if not _new_revision(proposal, user, [], [name]):
        db.session.rollback()
        raise AttachmentError(frozen_or_changed())
    db.session.commit()
    # The bytes go once the row is gone for good: an older revision names the file, not its content.
    storage.current().delete(key)


def frozen_or_changed() -> str:
    return _(
        "La proposition vient de changer ou d'être déposée (ses pièces jointes sont alors figées) : "
        "rechargez la page et recommencez."
    )


def _discard(outcome: Outcome) -> None:
    db.session.rollback()
    for attachment in outcome.added:
        storage.current().delete(attachment.storage_key)


# --- Associations' profile documents --------------------------------------------------------------


def of_association(association_id: int) -> list[Attachment]:
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.association_id == association_id).order_by(Attachment.id)
        )
    )


def add_to_association(association: Association, user: User, uploads: list[Upload], kind: str) -> Outcome:
    used = _used(Attachment.association_id, association.id)
    outcome = _store(uploads, used, kind, user, association_id=association.id)
    db.session.commit()
    return outcome


def remove_from_association(attachment: Attachment) -> None:
    key = attachment.storage_key
    db.session.delete(attachment)
    db.session.commit()
    storage.current().delete(key)


# --- Downloads ---------------------------------------------------------------------------------


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the exact name in ``filename*`` (RFC 6266, 5987)."""
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode("ascii")
    ascii_name = "".join(c if c.isalnum() or c in " ._-()" else "_" for c in ascii_name).strip() or "document"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- Documents a call requires ---------------------------------------------------------------------


def required_documents(call_id: int) -> list[CallRequiredDocument]:
    return list(
        db.session.scalars(
            select(CallRequiredDocument)
            .where(CallRequiredDocument.call_id == call_id)
            .order_by(CallRequiredDocument.position, CallRequiredDocument.id)
        )
    )


def missing_documents(call: Call, proposal: Proposal) -> list[CallRequiredDocument]:
    """The call's required documents that neither the proposal's files nor (where the call allows
    it) the association's profile documents provide, matched by kind. Two queries."""
    required = required_documents(call.id)
    if not required:
        return []
    owners = (Attachment.proposal_id == proposal.id) | (Attachment.association_id == proposal.association_id)
    kinds = {
        (kind, association_id is not None)
        for kind, association_id in db.session.execute(select(Attachment.kind, Attachment.association_id).where(owners))
    }
    return [
        doc for doc in required if (doc.kind, False) not in kinds and not (doc.profile_ok and (doc.kind, True) in kinds)
    ]


def add_required_document(call: Call, label: str, help_text: str, kind: str, profile_ok: bool) -> None:
    position = db.session.scalar(
        select(func.coalesce(func.max(CallRequiredDocument.position), 0)).where(CallRequiredDocument.call_id == call.id)
    )
    db.session.add(
        CallRequiredDocument(
            call_id=call.id,
            label=label.strip(),
            help_text=(help_text or "").strip(),
            kind=kind if kind in DOCUMENT_KINDS else "autre",
            profile_ok=profile_ok,
            position=(position or 0) + 1,
        )
    )
    db.session.commit()
