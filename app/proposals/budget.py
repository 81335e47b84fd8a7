"""The budget prévisionnel of a proposal (the CERFA 12156 shape): expense lines by category and
resource lines, in whole euros (integers, never floats: grants are decided to the euro, like the
call's envelope).

Stored as a JSON list on the proposal (``Proposal.budget_lines``, None until the authors fill it):
it is always read and revised whole, and the one figure other pages query, the amount asked of
the call, stays in ``Proposal.budget_eur``, recomputed on every save (the ranking, the decisions
and the envelope check keep reading that column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.formatting import euros

EXPENSE = "expense"
RESOURCE = "resource"

EXPENSE_CATEGORIES = {
    "personnel": _l("Charges de personnel"),
    "achats": _l("Achats"),
    "services": _l("Prestations de services"),
    "deplacements": _l("Déplacements"),
    "autres": _l("Autres charges"),
}
ASKED = "asked"
PUBLIC = "public"
RESOURCE_CATEGORIES = {
    ASKED: _l("Montant demandé à cet appel"),
    PUBLIC: _l("Autre financeur public (nommez-le)"),
    "own": _l("Fonds propres"),
    "in_kind": _l("Contributions en nature"),
}
CATEGORIES = {EXPENSE: EXPENSE_CATEGORIES, RESOURCE: RESOURCE_CATEGORIES}
MAX_AMOUNT = 100_000_000
MAX_LINES = 40
_THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+")
LABEL_LENGTH = 200


@dataclass
class Line:
    side: str
    category: str
    label: str = ""
    amount: int | None = None
    # What was typed when it is not a whole number of euros: shown back with the error.
    typed: str = ""
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"side": self.side, "category": self.category, "label": self.label, "amount": self.amount or 0}


def lines_of(stored: list[dict[str, Any]] | None) -> list[Line]:
    return [Line(d["side"], d["category"], d.get("label", ""), int(d.get("amount") or 0)) for d in stored or []]


def parse_amount(text: str) -> int | None:
    """« 12 000 », « 12000 € », « 12.000 »: whole euros. Raises ValueError for cents (« 12,50 »,
    « 12.50 ») or words: a dot only separates thousands, never read as a decimal point."""
    cleaned = "".join(ch for ch in text if not ch.isspace() and ch != "€")
    if cleaned == "":
        return None
    if _THOUSANDS.fullmatch(cleaned):
        cleaned = cleaned.replace(".", "")
    if not (cleaned.isascii() and cleaned.isdigit()):
        raise ValueError(text)
    return int(cleaned)


def parse_form(form: Any, keep_blank: bool = False, skip: int | None = None) -> list[Line]:
    """The table as typed (``side-N``, ``category-N``, ``label-N``, ``amount-N``), each line with
    its own errors. Nothing typed is lost: a wrong amount stays in ``typed``. Blank lines are
    dropped when saving (kept while adding or removing rows); ``skip``: the row N removed."""
    lines: list[Line] = []
    indexes = sorted({int(k.split("-", 1)[1]) for k in form if k.startswith("side-") and k[5:].isdigit()})
    for i in indexes[:MAX_LINES]:
        side = form.get(f"side-{i}", "")
        category = form.get(f"category-{i}", "")
        label = " ".join(form.get(f"label-{i}", "").split())[:LABEL_LENGTH]
        typed = form.get(f"amount-{i}", "").strip()[:20]
        if side not in CATEGORIES or i == skip:
            continue
        line = Line(side, category, label, typed=typed)
        if not label and not typed:
            if keep_blank:
                lines.append(line)
            continue
        if category not in CATEGORIES[side]:
            line.errors.append(_("Choisissez une catégorie."))
        try:
            line.amount = parse_amount(typed)
        except ValueError:
            line.errors.append(_("Indiquez un montant en euros entiers, sans centimes (par exemple 1 200)."))
        else:
            if line.amount is None:
                line.errors.append(_("Indiquez le montant."))
            elif line.amount > MAX_AMOUNT:
                line.errors.append(_("Indiquez un montant entre 0 et 100 000 000 €."))
        if category == PUBLIC and not label:
            line.errors.append(_("Nommez ce financeur public."))
        lines.append(line)
    return lines


@dataclass
class Totals:
    expenses: int
    resources: int
    asked: int

    @property
    def difference(self) -> int:
        """Resources minus expenses: negative when resources are missing."""
        return self.resources - self.expenses


def totals(lines: list[Line]) -> Totals:
    expenses = sum(line.amount or 0 for line in lines if line.side == EXPENSE)
    resources = sum(line.amount or 0 for line in lines if line.side == RESOURCE)
    asked = sum(line.amount or 0 for line in lines if line.side == RESOURCE and line.category == ASKED)
    return Totals(expenses, resources, asked)


def balance_problem(lines: list[Line]) -> str | None:
    """Why the budget does not balance, in French with the difference; None when it does."""
    t = totals(lines)
    if not any(line.side == EXPENSE for line in lines):
        return _("Indiquez les dépenses prévues.")
    if t.asked == 0:
        return _("Indiquez le montant demandé à cet appel parmi les ressources.")
    if t.difference < 0:
        return _(
            "Il manque %(amount)s de ressources : "
            "les dépenses (%(expenses)s) dépassent les ressources (%(resources)s).",
            amount=euros(-t.difference),
            expenses=euros(t.expenses),
            resources=euros(t.resources),
        )
    if t.difference > 0:
        return _(
            "Les ressources dépassent les dépenses de %(amount)s : "
            "les dépenses (%(expenses)s) et les ressources (%(resources)s) doivent être égales.",
            amount=euros(t.difference),
            expenses=euros(t.expenses),
            resources=euros(t.resources),
        )
    return None


def grant_problem(asked: int, min_eur: int | None, max_eur: int | None) -> str | None:
    """The amount asked against the call's minimum and maximum per project, with the difference."""
    if min_eur is not None and asked < min_eur:
        return _(
            "%(asked)s est en dessous du minimum de l'appel (%(min)s) : il manque %(gap)s.",
            asked=euros(asked),
            min=euros(min_eur),
            gap=euros(min_eur - asked),
        )
    if max_eur is not None and asked > max_eur:
        return _(
            "%(asked)s dépasse le maximum de l'appel (%(max)s) de %(gap)s.",
            asked=euros(asked),
            max=euros(max_eur),
            gap=euros(asked - max_eur),
        )
    return None


def stored(lines: list[Line]) -> list[dict[str, Any]]:
    """Expenses first then resources, each in the order typed: what the proposal keeps."""
    return [line.as_json() for side in (EXPENSE, RESOURCE) for line in lines if line.side == side]


def readable(value: list[dict[str, Any]] | None) -> str:
    """One line per budget line, for the history's diff."""
    out = []
    for line in lines_of(value):
        category = str(CATEGORIES.get(line.side, {}).get(line.category, line.category))
        label = f" — {line.label}" if line.label else ""
        out.append(f"{category}{label} : {euros(line.amount or 0)}")
    return " ; ".join(out)


def view(budget_lines: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What templates/proposals/_budget.html's table needs."""
    lines = lines_of(budget_lines)
    return {"lines": lines, "totals": totals(lines), "categories": CATEGORIES}
