"""The questions a proposal answers, and its answers: a call's own questions, or the default
questions outside any call. Also the rules of the question editors (calls and back office).

A question's ``key`` is stable: it names the form field, the revision snapshot's entry and an
amendment's ``field``. Keys are unique within one set (one call, or the defaults)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, event, func, or_, select

from app.errors import RuleError
from app.extensions import db
from app.models import Call, Proposal, ProposalAnswer, ProposalQuestion
from app.models.base import utcnow
from app.models.questions import ANSWER_MAX
from app.text import fold

# The proposal's own columns and form fields: a question key can never take one of these names.
RESERVED_KEYS = frozenset(
    {
        "title", "summary", "domain", "publics", "poles", "communes", "is_rural", "is_qpv", "budget_eur",
        "budget_lines", "duration_months", "version", "idea_id", "association_id", "csrf_token", "idee", "appel",
        "submit",
    }
)  # fmt: skip


class QuestionError(RuleError):
    """The question editor refused a change."""


def _in_set(call_id: int | None):
    return ProposalQuestion.call_id == call_id if call_id is not None else ProposalQuestion.call_id.is_(None)


def questions_of(call_id: int | None, *, retired: bool = False) -> list[ProposalQuestion]:
    """A set's questions in order: those still asked, or all of them (editors) with ``retired``."""
    query = select(ProposalQuestion).where(_in_set(call_id))
    if not retired:
        query = query.where(ProposalQuestion.retired_at.is_(None))
    return list(db.session.scalars(query.order_by(ProposalQuestion.position, ProposalQuestion.id)))


@dataclass
class Sheet:
    """A proposal's questions (asked ones, then retired or other ones it answered) and answers."""

    questions: list[ProposalQuestion]
    answers: dict[str, str] = field(default_factory=dict)
    rows: dict[str, ProposalAnswer] = field(default_factory=dict)
    # Every question of its set, retired ones too: labels for old revisions.
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def keys(self) -> list[str]:
        return [q.key for q in self.questions]

    def text(self, key: str) -> str:
        return self.answers.get(key, "")


def sheet(proposal: Proposal) -> Sheet:
    """One query whatever the number of questions; kept on the object until its answers change."""
    cached = proposal.__dict__.get("_sheet")
    if cached is not None:
        return cached
    if proposal.id is None:
        result = Sheet(questions_of(proposal.call_id))
        result.labels = {q.key: q.label for q in result.questions}
    else:
        found = db.session.execute(
            select(ProposalQuestion, ProposalAnswer)
            .outerjoin(
                ProposalAnswer,
                and_(ProposalAnswer.question_id == ProposalQuestion.id, ProposalAnswer.proposal_id == proposal.id),
            )
            .where(or_(_in_set(proposal.call_id), ProposalAnswer.id.is_not(None)))
            .order_by(ProposalQuestion.position, ProposalQuestion.id)
        ).all()
        own = [(q, a) for q, a in found if q.call_id == proposal.call_id]
        other = [(q, a) for q, a in found if q.call_id != proposal.call_id]
        result = Sheet(questions=[])
        for question, answer in own + other:
            result.labels.setdefault(question.key, question.label)
            if question.key in result.rows or (question.key in result.keys and answer is None):
                continue
            shown = question.retired_at is None and question.call_id == proposal.call_id
            if not shown and not (answer and answer.body):
                continue
            if question.key not in result.keys:
                result.questions.append(question)
            if answer is not None:
                result.rows[question.key] = answer
                result.answers[question.key] = answer.body
    proposal.__dict__["_sheet"] = result
    return result


def forget(proposal: Proposal | None, *_args) -> None:
    # None: a rollback expires a proposal the session no longer holds a reference to (garbage collected).
    if proposal is not None:
        proposal.__dict__.pop("_sheet", None)


# Whatever expires or reloads the proposal (a commit, expire_all, a refresh) reads its answers again.
event.listen(Proposal, "expire", forget)
event.listen(Proposal, "refresh", forget)


def text_of(proposal: Proposal, name: str) -> str:
    """A long text by name: the title and summary are columns, the rest are answers."""
    if name in ("title", "summary"):
        return getattr(proposal, name) or ""
    return sheet(proposal).text(name)


def save_answers(proposal: Proposal, values: dict[str, str]) -> None:
    """Write the answers named in ``values`` (keys of the proposal's questions; others ignored)."""
    current = sheet(proposal)
    by_key = {q.key: q for q in current.questions}
    for key, value in values.items():
        text = (value or "").strip()
        if key in current.rows:
            current.rows[key].body = text
        elif key in by_key and text:
            db.session.add(ProposalAnswer(proposal_id=proposal.id, question_id=by_key[key].id, body=text))
    forget(proposal)


def adopt_call(proposal: Proposal, call: Call) -> None:
    """Submitted to ``call``: the proposal now answers that call's questions. Each answer moves to the
    call's question of the same key; an answer the call does not ask stays where it is (shown after)."""
    if proposal.call_id == call.id:
        return
    current = sheet(proposal)
    target = {q.key: q for q in questions_of(call.id, retired=True)}
    for key, answer in current.rows.items():
        if key in target:
            answer.question_id = target[key].id
    proposal.call_id = call.id
    forget(proposal)


def missing_for(questions: list[ProposalQuestion], proposal: Proposal) -> list[ProposalQuestion]:
    """The required questions of a set this proposal leaves empty (matched by key)."""
    answers = sheet(proposal).answers
    return [q for q in questions if q.required and q.retired_at is None and not answers.get(q.key, "").strip()]


def short_label(question: ProposalQuestion) -> str:
    """ "Le besoin…" → "le besoin…", to sit inside a sentence (an acronym keeps its capitals)."""
    label = question.label
    if len(label) > 1 and label[0].isupper() and not label[1].isupper():
        return label[0].lower() + label[1:]
    return label


def answers_by_key(proposal_ids: list[int], key: str) -> dict[int, str]:
    """One answer (by key) of many proposals, in one query: list pages that show a single question."""
    if not proposal_ids:
        return {}
    return dict(
        db.session.execute(
            select(ProposalAnswer.proposal_id, ProposalAnswer.body)
            .join(ProposalQuestion, ProposalQuestion.id == ProposalAnswer.question_id)
            .where(ProposalAnswer.proposal_id.in_(proposal_ids), ProposalQuestion.key == key)
        ).all()
    )


def all_answers(proposal_id: int) -> dict[str, str]:
    """Every answer of one proposal by key, in one query (copies: replication)."""
    return dict(
        db.session.execute(
            select(ProposalQuestion.key, ProposalAnswer.body)
            .join(ProposalQuestion, ProposalQuestion.id == ProposalAnswer.question_id)
            .where(ProposalAnswer.proposal_id == proposal_id)
        ).all()
    )


# --- Editors: a call's questions (calls management) and the default ones (back office) --------------


def slug_key(label: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "_", fold(label)).strip("_")
    return (words or "question")[:32].rstrip("_")


def _unique_key(call_id: int | None, base: str) -> str:
    taken = set(db.session.scalars(select(ProposalQuestion.key).where(_in_set(call_id))))
    key, n = base, 1
    while key in taken or key in RESERVED_KEYS:
        n += 1
        key = f"{base}_{n}"
    return key


def _check(label: str, help_text: str, max_length: int | None) -> tuple[str, str, int]:
    label, help_text = (label or "").strip(), (help_text or "").strip()
    if not label:
        raise QuestionError(_("Écrivez l'intitulé de la question."), "label")
    if len(label) > 200:
        raise QuestionError(_("L'intitulé fait 200 caractères au plus."), "label")
    if len(help_text) > 600:
        raise QuestionError(_("L'aide fait 600 caractères au plus."), "help_text")
    max_length = max_length or ANSWER_MAX
    if not 50 <= max_length <= ANSWER_MAX:
        raise QuestionError(
            _("La longueur maximale est comprise entre 50 et %(max)d caractères.", max=ANSWER_MAX), "max_length"
        )
    return label, help_text, max_length


def add_question(
    call_id: int | None, label: str, help_text: str = "", required: bool = False, max_length: int | None = None
) -> ProposalQuestion:
    label, help_text, max_length = _check(label, help_text, max_length)
    position = db.session.scalar(select(func.max(ProposalQuestion.position)).where(_in_set(call_id)))
    question = ProposalQuestion(
        call_id=call_id,
        key=_unique_key(call_id, slug_key(label)),
        label=label,
        help_text=help_text,
        required=bool(required),
        max_length=max_length,
        position=(position if position is not None else -1) + 1,
    )
    db.session.add(question)
    db.session.commit()
    return question


def edit_question(
    question: ProposalQuestion, label: str, help_text: str, required: bool, max_length: int | None
) -> None:
    """The key stays: revisions and amendments written before keep naming it."""
    question.label, question.help_text, question.max_length = _check(label, help_text, max_length)
    question.required = bool(required)
    db.session.commit()


def move_question(question: ProposalQuestion, direction: str) -> None:
    """Swap with the neighbour above ("up") or below ("down"), retired questions included."""
    siblings = questions_of(question.call_id, retired=True)
    for i, q in enumerate(siblings):
        q.position = i  # renumbered: positions written by hand or by older code may tie
    index = siblings.index(question)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(siblings):
        siblings[index].position, siblings[other].position = other, index
    db.session.commit()


def retire_question(question: ProposalQuestion) -> bool:
    """Retired (kept for its answers) if answered, deleted if nobody answered it; True if deleted."""
    answered = db.session.scalar(select(ProposalAnswer.id).where(ProposalAnswer.question_id == question.id).limit(1))
    if answered is None:
        db.session.delete(question)
        db.session.commit()
        return True
    question.retired_at = utcnow()
    db.session.commit()
    return False


def restore_question(question: ProposalQuestion) -> None:
    question.retired_at = None
    db.session.commit()


def copy_defaults(call: Call) -> None:
    """A new call starts from the default questions; its administrator then edits its own copy."""
    for q in questions_of(None):
        db.session.add(
            ProposalQuestion(
                call_id=call.id,
                key=q.key,
                label=q.label,
                help_text=q.help_text,
                required=q.required,
                max_length=q.max_length,
                position=q.position,
            )
        )
