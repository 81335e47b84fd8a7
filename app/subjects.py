"""The content people write: ideas and proposals ("subjects", which people discuss and support)
and the comments on them. One place names each kind of content and maps between its URL words,
its model, its foreign-key column and its page; comments, supports, follows and moderation all
read them from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import abort, url_for
from sqlalchemy.orm import lazyload

from app.extensions import db
from app.models import Comment, Idea, Proposal

Subject = Idea | Proposal
Item = Idea | Proposal | Comment


@dataclass(frozen=True)
class Kind:
    name: str  # stored in moderation cases and the audit log: "idea"
    model: type
    word: str  # one item in a URL: /signaler/idee/3
    slug: str = ""  # a subject in a URL: /idees/3/commentaires (comments have none)
    page: str = ""  # the endpoint of a subject's page, which takes ``fk`` as argument

    @property
    def fk(self) -> str:
        """The column naming a subject of this kind (``Comment.idea_id``), and its page's argument."""
        return f"{self.name}_id"


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("idea", Idea, word="idee", slug="idees", page="ideas.detail"),
        Kind("proposal", Proposal, word="proposition", slug="propositions", page="proposals.detail"),
        Kind("comment", Comment, word="commentaire"),
    )
}
SUBJECT_KINDS = (KINDS["idea"], KINDS["proposal"])
# The subject's model for each URL prefix, and the kind for each URL word.
SLUGS: dict[str, type[Subject]] = {kind.slug: kind.model for kind in SUBJECT_KINDS}
WORDS: dict[str, str] = {kind.word: kind.name for kind in KINDS.values()}


def any_of(words: Iterable[str]) -> str:
    """A URL rule converter that accepts exactly these words: ``any(idees,propositions)``."""
    return f"any({','.join(words)})"


# --- Kinds ----------------------------------------------------------------------------------


def kind_of(item: Item) -> str:
    return "comment" if isinstance(item, Comment) else item.kind


def word_of(item: Item) -> str:
    return KINDS[kind_of(item)].word


def slug_of(subject: Subject) -> str:
    return KINDS[subject.kind].slug


def _subject_kind_of(comment: Comment) -> Kind:
    return KINDS["idea"] if comment.idea_id is not None else KINDS["proposal"]


# --- Loading --------------------------------------------------------------------------------


def load_subject(slug: str, subject_id: int) -> Subject:
    model = SLUGS.get(slug)
    if model is None:
        abort(404)
    # One subject, not a list: its co-authors are read only if a permission asks (a resident's
    # support or comment never does), instead of with every load.
    options = [lazyload(Proposal.coauthorships)] if model is Proposal else []
    return db.get_or_404(model, subject_id, options=options)


def load_item(kind: str, item_id: int) -> Item | None:
    known = KINDS.get(kind)
    return db.session.get(known.model, item_id) if known else None


def subject_of(comment: Comment) -> Subject:
    kind = _subject_kind_of(comment)
    return db.session.get(kind.model, getattr(comment, kind.fk))


# --- Pages ----------------------------------------------------------------------------------


def url_of(subject: Subject, **kwargs: Any) -> str:
    kind = KINDS[subject.kind]
    return url_for(kind.page, **{kind.fk: subject.id}, **kwargs)


def url_of_item(item: Item) -> str:
    """An idea's or a proposal's page; for a comment, its subject's page at the comment."""
    if not isinstance(item, Comment):
        return url_of(item)
    kind = _subject_kind_of(item)
    return url_for(kind.page, **{kind.fk: getattr(item, kind.fk)}, _anchor=f"comment-{item.id}")


# --- Rows attached to a subject (comments, supports) ------------------------------------------


def fk_column(model: Any, subject_model: type[Subject]) -> Any:
    """``Comment.idea_id``: the column of ``model`` naming a subject of that model."""
    return getattr(model, KINDS[subject_model.kind].fk)


def subject_column(model: Any, subject: Subject) -> Any:
    """``Comment.idea_id == 3`` or ``Support.proposal_id == 5``: the filter for one subject."""
    return fk_column(model, type(subject)) == subject.id


def subject_fk(subject: Subject) -> dict[str, int]:
    """Keyword arguments that attach a new row (comment, support) to its subject."""
    return {KINDS[subject.kind].fk: subject.id}


def belongs_to(row: Any, subject: Subject) -> bool:
    return getattr(row, KINDS[subject.kind].fk) == subject.id
