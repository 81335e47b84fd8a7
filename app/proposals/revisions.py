"""Revisions of a proposal: snapshots, word-level diffs, merging concurrent edits, restoring.

A snapshot holds every field people edit, as plain JSON values (lists sorted), so two snapshots
compare field by field.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import taxonomy
from app.extensions import db
from app.formatting import euros
from app.identity import lazy, upper_first
from app.models import Commune, Domain, Pole, Proposal, ProposalRevision, SubDomain, TargetPublic, User
from app.proposals import budget, questions

# Between the title and summary and the other fields come the answers, named by their question's key.
COLUMN_TEXTS = ("title", "summary")
OTHER_FIELDS = (
    "domain",
    "subdomain",
    "publics",
    "poles",
    "communes",
    "is_rural",
    "is_qpv",
    "budget_eur",
    "duration_months",
)

# The budget prévisionnel (app.proposals.budget): edited on its own page, diffed line by line as text.
BUDGET_FIELDS = ("budget_lines",)

FIELD_LABELS = {
    "title": _l("Titre"),
    "summary": _l("Résumé"),
    "domain": _l("Domaine prioritaire"),
    "subdomain": _l("Sous-domaine"),
    "publics": _l("Publics visés"),
    "poles": lazy(lambda i: upper_first(i.unit.plural)),
    "communes": _l("Communes"),
    "is_rural": _l("Zone rurale"),
    "is_qpv": _l("Quartier prioritaire"),
    "budget_eur": _l("Budget demandé"),
    "duration_months": _l("Durée"),
    "budget_lines": _l("Budget prévisionnel"),
    # Not a snapshot field: a revision that adds or removes files names them (app/attachments).
    "attachments": _l("Pièces jointes"),
}


def text_fields(proposal: Proposal) -> list[str]:
    """The title, the summary, then the proposal's questions' keys in order."""
    return [*COLUMN_TEXTS, *questions.sheet(proposal).keys]


def fields_of(proposal: Proposal) -> list[str]:
    return [*text_fields(proposal), *OTHER_FIELDS, *BUDGET_FIELDS]


def is_text(name: str) -> bool:
    return name not in OTHER_FIELDS


def labels_of(proposal: Proposal) -> dict[str, str]:
    """What people read for each field name: the question's label, never its key (a field no
    question names any more keeps its key, rather than disappearing from the history)."""
    return {**{k: str(v) for k, v in FIELD_LABELS.items()}, **questions.sheet(proposal).labels}


def snapshot(proposal: Proposal) -> dict[str, Any]:
    """The editable state of a proposal (its relationships must be loaded)."""
    sheet = questions.sheet(proposal)
    return {
        **{name: getattr(proposal, name) or "" for name in COLUMN_TEXTS},
        **{key: sheet.text(key) for key in sheet.keys},
        # Slugs (stable when a label is renamed) and the sub-domain's id: a snapshot from before
        # sub-domains has none, which compares equal to None.
        "domain": proposal.domain.slug if proposal.domain else "",
        # From the relationship: the id column is only set at the next flush.
        "subdomain": proposal.subdomain.id if proposal.subdomain else None,
        "publics": sorted(p.slug for p in proposal.publics),
        "poles": sorted(p.id for p in proposal.poles),
        "communes": sorted(c.id for c in proposal.communes),
        "is_rural": bool(proposal.is_rural),
        "is_qpv": bool(proposal.is_qpv),
        "budget_eur": proposal.budget_eur,
        "duration_months": proposal.duration_months,
        "budget_lines": list(proposal.budget_lines or []),
    }


def normalise(fields: dict[str, Any]) -> dict[str, Any]:
    """Form values in snapshot form, so that they compare with snapshots."""
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in ("publics", "poles", "communes"):
            out[name] = sorted(value or [])
        elif name in ("is_rural", "is_qpv"):
            out[name] = bool(value)
        elif name == "domain":
            out[name] = getattr(value, "slug", value) or ""
        elif name == "subdomain":
            out[name] = int(value) if value not in (None, "") else None
        elif name in OTHER_FIELDS:
            out[name] = value
        elif name in BUDGET_FIELDS:
            out[name] = list(value or [])
        else:
            out[name] = (value or "").strip()
    return out


def record(proposal: Proposal, author_id: int, changed_fields: list[str], note: str = "") -> ProposalRevision:
    revision = ProposalRevision(
        proposal_id=proposal.id,
        version=proposal.version,
        author_id=author_id,
        changed_fields=changed_fields,
        snapshot=snapshot(proposal),
        note=note,
    )
    db.session.add(revision)
    return revision


def revision_at(proposal_id: int, version: int) -> ProposalRevision | None:
    return db.session.scalar(
        select(ProposalRevision).where(ProposalRevision.proposal_id == proposal_id, ProposalRevision.version == version)
    )


def history(proposal_id: int) -> list[ProposalRevision]:
    """All revisions, newest first, authors loaded: one query whatever the length."""
    return list(
        db.session.scalars(
            select(ProposalRevision)
            .where(ProposalRevision.proposal_id == proposal_id)
            .options(joinedload(ProposalRevision.author))
            .order_by(ProposalRevision.version.desc())
        )
    )


# --- Merging two concurrent edits ---------------------------------------------------------------


def three_way(base: dict[str, Any], current: dict[str, Any], mine: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """What this person changed since ``base`` (to apply on ``current``), and the fields where
    someone else changed the same thing differently (conflicts)."""
    # A revision from before the budget prévisionnel had no budget: an empty one, not a change.
    base = {**dict.fromkeys(BUDGET_FIELDS, []), **base}
    my_changes = {name: value for name, value in mine.items() if base.get(name) != value}
    conflicts = [
        name for name, value in my_changes.items() if current.get(name) != base.get(name) and current.get(name) != value
    ]
    return my_changes, conflicts


# --- Word-level diff ---------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


def place_names(snapshots: list[dict[str, Any]]) -> dict[str, dict[int, str]]:
    """The names of every pole and commune these snapshots mention: one query each, whatever
    the number of versions (a snapshot keeps ids, the names are today's)."""
    names: dict[str, dict[Any, str]] = {"poles": {}, "communes": {}}
    for field, model in (("poles", Pole), ("communes", Commune)):
        ids = {i for snap in snapshots for i in snap.get(field) or []}
        if ids:
            names[field] = dict(db.session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())
    # Taxonomy labels too, today's: a snapshot keeps slugs (and the sub-domain's id).
    names["domain"] = taxonomy.labels_by_slug(Domain, {snap.get("domain") for snap in snapshots} - {"", None})
    names["publics"] = taxonomy.labels_by_slug(
        TargetPublic, {v for snap in snapshots for v in snap.get("publics") or []}
    )
    sub_ids = {snap.get("subdomain") for snap in snapshots} - {None, ""}
    if sub_ids:
        names["subdomain"] = dict(
            db.session.execute(select(SubDomain.id, SubDomain.label).where(SubDomain.id.in_(sub_ids))).all()
        )
    return names


def attachments_change(snapshot: dict[str, Any]) -> Markup:
    """The files a revision added (inserted) and removed (deleted), named."""
    change = snapshot.get("attachments") or {}
    return value_change(", ".join(change.get("removed", [])), ", ".join(change.get("added", [])))


def readable(field: str, value: Any, names: dict[str, dict[int, str]]) -> str:
    """A snapshot's value as the rest of the site shows it: labels, names, amounts, not raw values."""
    if value is None or value == "" or value == []:
        return ""
    if field in ("domain", "subdomain"):
        return names.get(field, {}).get(value, str(_l("(supprimé)")))
    if field in ("poles", "communes", "publics"):
        return ", ".join(names[field].get(i, str(_l("(supprimé)"))) for i in value)
    if field == "budget_eur":
        return euros(value)
    if field == "budget_lines":
        return budget.readable(value)
    if field == "duration_months":
        return ngettext("%(num)d mois", "%(num)d mois", value)
    if isinstance(value, bool):
        return str(_l("oui") if value else _l("non"))
    return str(value)


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _deleted(text: str) -> str:
    return (
        f'<del><span class="visually-hidden">[{escape(str(_l("supprimé")))} : </span>{escape(text)}'
        f'<span class="visually-hidden">]</span></del>'
    )


def _inserted(text: str) -> str:
    return (
        f'<ins><span class="visually-hidden">[{escape(str(_l("ajouté")))} : </span>{escape(text)}'
        f'<span class="visually-hidden">]</span></ins>'
    )


def value_change(old: str, new: str) -> Markup:
    """A short value (a domain, a list of names, an amount) replaced whole: word by word,
    "Citoyenneté sociale…" → "Solidarité alimentaire" would read as a jumble."""
    parts = [_deleted(old)] if old else []
    if new:
        parts.append(_inserted(new))
    return Markup(" ".join(parts))


def word_diff(old: Any, new: Any) -> Markup:
    """Additions in <ins>, deletions in <del>, each also named in words for screen readers
    (and shown by more than colour: underline and strike-through)."""
    a, b = _TOKENS.findall(_display(old)), _TOKENS.findall(_display(new))
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            parts.append(_deleted("".join(a[i1:i2])))
        if op in ("insert", "replace"):
            parts.append(_inserted("".join(b[j1:j2])))
    return Markup("".join(parts))


def user_names(ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
