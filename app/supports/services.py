"""Support rules: one person backs an idea or a published proposal, at most once.

The count on the subject changes in the same transaction as the row it counts, by an atomic
``UPDATE ... SET support_count = support_count ± 1``: it stays exact however many people click at
the same time, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from app import page_cache
from app.associations.voices import speakers
from app.errors import RuleError
from app.extensions import db
from app.models import AssociationSupport, Idea, Proposal, Support
from app.models.base import utcnow
from app.permissions import association_ids, author_association_ids, can, is_author_of_proposal
from app.subjects import Subject, subject_column, subject_fk


class SupportRefused(RuleError):
    """This person may not support this subject (anonymous, own association, not published)."""


def support_context(subject: Subject, user: Any) -> dict:
    """Everything templates/supports/_button.html needs (one query at most, none if anonymous;
    two more for a member of an association)."""
    return button_context(subject, user, is_supported(subject, user))


def button_context(subject: Subject, user: Any, supported: bool) -> dict:
    # The membership lookup is cached per request (and already made by the page's permissions).
    return {
        "supported": supported,
        "support_own": is_own_proposal(subject, user),
        "association_buttons": association_buttons(subject, user),
    }


def is_supported(subject: Subject, user: Any) -> bool:
    if user is None or not user.is_authenticated:
        return False
    found = db.session.scalar(
        select(Support.id).where(Support.user_id == user.id, subject_column(Support, subject)).limit(1)
    )
    return found is not None


def is_own_proposal(subject: Subject, user: Any) -> bool:
    """Members of the association behind a proposal see its count, never a button."""
    return subject.kind == "proposal" and is_author_of_proposal(user, subject)


def _bump(subject: Subject, delta: int) -> int:
    """Move the count atomically and return the new value (RETURNING: no second read)."""
    model = type(subject)
    page_cache.touch_subject(subject)  # the count on its page and its card, with this transaction
    return db.session.execute(
        update(model)
        .where(model.id == subject.id)
        .values(support_count=model.support_count + delta)
        .returning(model.support_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def _commit(subject: Subject, count: int, counter: str = "support_count") -> None:
    """Commit without expiring what this request already loaded: the button is rendered from the
    same person and subject, with the count the UPDATE returned, instead of reloading them."""
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    set_committed_value(subject, counter, count)


def _delete(subject: Subject, user: Any) -> int:
    result = db.session.execute(
        delete(Support)
        .where(Support.user_id == user.id, subject_column(Support, subject))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _insert(subject: Subject, user: Any) -> None:
    db.session.execute(insert(Support).values(user_id=user.id, created_at=utcnow(), **subject_fk(subject)))


def toggle_support(subject: Subject, user: Any) -> bool:
    """Support ``subject``, or withdraw the support if there is one. Returns the new state."""
    if not can(user, "support.toggle", subject):
        raise SupportRefused(_("Vous ne pouvez pas soutenir ce contenu."))
    # The DELETE comes first because it is a write: SQLite takes its write lock here and waits
    # (busy_timeout) for other writers, instead of failing later on a read-to-write upgrade.
    try:
        removed = _delete(subject, user)
        if removed:
            _commit(subject, _bump(subject, -removed))
            return False
        _insert(subject, user)
        _commit(subject, _bump(subject, +1))
    except IntegrityError:
        # Another request of the same person inserted the row first (PostgreSQL lets both
        # transactions reach the INSERT): the unique constraint wins, nothing is counted twice.
        db.session.rollback()
        return is_supported(subject, user)
    return True


# --- Associations' supports -------------------------------------------------------------------
# Counted apart (``association_support_count``), once per association and subject, and never on
# the association's own proposals. Same atomic UPDATE and same transaction as the row.


@dataclass(frozen=True)
class AssociationButton:
    association_id: int
    name: str
    supported: bool


def association_buttons(subject: Subject, user: Any) -> list[AssociationButton]:
    """One toggle per association this member may support for (none and no query for others)."""
    if not can(user, "support.as_association", subject):
        return []
    own = author_association_ids(subject) if subject.kind == "proposal" else set()
    choices = [s for s in speakers(user) if s.id not in own]
    given = set(
        db.session.scalars(
            select(AssociationSupport.association_id).where(
                AssociationSupport.association_id.in_([s.id for s in choices]),
                subject_column(AssociationSupport, subject),
            )
        )
    )
    return [AssociationButton(s.id, s.name, s.id in given) for s in choices]


def _bump_associations(subject: Subject, delta: int) -> int:
    model = type(subject)
    page_cache.touch_subject(subject)
    return db.session.execute(
        update(model)
        .where(model.id == subject.id)
        .values(association_support_count=model.association_support_count + delta)
        .returning(model.association_support_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def toggle_association_support(subject: Subject, user: Any, association_id: int | None) -> bool:
    """Support ``subject`` in the name of one of ``user``'s associations, or withdraw that support.
    Returns the new state."""
    if not can(user, "support.as_association", subject) or association_id not in association_ids(user):
        raise SupportRefused(_("Vous ne pouvez soutenir qu'au nom d'une association dont vous êtes membre."))
    if subject.kind == "proposal" and association_id in author_association_ids(subject):
        raise SupportRefused(_("Une association ne soutient pas ses propres propositions."))
    where = (AssociationSupport.association_id == association_id, subject_column(AssociationSupport, subject))
    try:
        removed = db.session.execute(
            delete(AssociationSupport).where(*where).execution_options(synchronize_session=False)
        ).rowcount
        if removed:
            count, state = _bump_associations(subject, -removed), False
        else:
            db.session.execute(
                insert(AssociationSupport).values(
                    association_id=association_id, user_id=user.id, created_at=utcnow(), **subject_fk(subject)
                )
            )
            count, state = _bump_associations(subject, +1), True
        _commit(subject, count, "association_support_count")
    except IntegrityError:
        # Two members of the same association at the same instant: the constraint keeps one.
        db.session.rollback()
        return db.session.scalar(select(AssociationSupport.id).where(*where)) is not None
    return state


def withdraw_all(user_id: int) -> int:
    """Withdraw every support of one person (account erasure): each subject's count goes down by
    exactly the rows removed, in the same transaction (the caller commits). Returns how many."""
    for model, column in ((Idea, Support.idea_id), (Proposal, Support.proposal_id)):
        backed = select(column).where(Support.user_id == user_id, column.is_not(None)).scalar_subquery()
        db.session.execute(
            update(model)
            .where(model.id.in_(backed))
            .values(support_count=model.support_count - 1)
            .execution_options(synchronize_session=False)
        )
    result = db.session.execute(
        delete(Support).where(Support.user_id == user_id).execution_options(synchronize_session=False)
    )
    return result.rowcount
