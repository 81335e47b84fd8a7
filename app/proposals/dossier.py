"""The printable dossier of a proposal: one page that prints (print CSS, no navigation, a page
break between sections, the budget as a table, the answers to the questions), and for a
submitted proposal the PDF of the dossier as submitted, made server-side by WeasyPrint and kept
with the submission (``SubmissionDossier``: the bytes, in the database like the rest of the dossier).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.attachments import services as attachments
from app.calls import services as call_services
from app.extensions import db
from app.markdown import render_markdown
from app.models import FROZEN_STATES, Proposal, Submission, SubmissionDossier
from app.proposals import budget, questions
from app.rendering import render

log = logging.getLogger(__name__)


def context(proposal: Proposal, pdf: bool = False) -> dict[str, Any]:
    """What the print template shows (the proposal's relationships loaded by get_proposal)."""
    sheet = questions.sheet(proposal)
    lines = budget.lines_of(proposal.budget_lines)
    return {
        "proposal": proposal,
        "texts": [(q, render_markdown(sheet.text(q.key))) for q in sheet.questions],
        "lines": lines,
        "totals": budget.totals(lines),
        "categories": budget.CATEGORIES,
        "attachments": attachments.of_proposal(proposal.id),
        "submission": call_services.submission_of(proposal),
        "frozen": proposal.state in FROZEN_STATES,
        "pdf": pdf,
    }


def _stylesheet() -> Path:
    return Path(current_app.static_folder or "static") / "css" / "print.css"


def render_pdf(proposal: Proposal) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only the dossier needs.
    from weasyprint import CSS, HTML

    # Through the one rendering helper (tests/test_rendering.py), as text.
    html = render("proposals/print.html", **context(proposal, pdf=True)).get_data(as_text=True)
    # No base URL and no fetcher: the dossier embeds nothing remote (its stylesheet is passed here).
    return HTML(string=html, url_fetcher=_refuse).write_pdf(stylesheets=[CSS(filename=str(_stylesheet()))])


def _refuse(url: str, *args: Any, **kwargs: Any) -> dict:
    raise ValueError(f"the dossier fetches nothing: {url}")


def stored(submission: Submission) -> SubmissionDossier | None:
    """The PDF kept for this submission, if it shows this submission (not an earlier one)."""
    kept = db.session.scalar(select(SubmissionDossier).where(SubmissionDossier.submission_id == submission.id))
    return kept if kept is not None and kept.submitted_at == submission.submitted_at else None


def keep(submission: Submission, proposal: Proposal) -> SubmissionDossier | None:
    """Make and keep the PDF while the proposal is still as submitted (frozen); None once it has
    been sent back for changes without a PDF (its text may have changed since)."""
    kept = stored(submission)
    if kept is not None:
        return kept
    if proposal.state not in FROZEN_STATES:
        return None
    pdf = render_pdf(proposal)
    kept = db.session.get(SubmissionDossier, submission.id)
    if kept is None:
        kept = SubmissionDossier(submission_id=submission.id, submitted_at=submission.submitted_at, pdf=pdf)
        db.session.add(kept)
    else:
        kept.submitted_at, kept.pdf = submission.submitted_at, pdf
    db.session.commit()
    return kept


def keep_quietly(submission: Submission, proposal: Proposal) -> None:
    """At submission: a PDF that fails is made again when first opened, the submission stands.
    DOSSIER_PDF_AT_SUBMISSION=False (the tests) leaves it to the first opening."""
    if not current_app.config.get("DOSSIER_PDF_AT_SUBMISSION", True):
        return
    try:
        keep(submission, proposal)
    except Exception:
        db.session.rollback()
        log.exception("dossier PDF of submission %s", submission.id)
