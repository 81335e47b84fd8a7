"""The SCDL "subventions" 2.1.1 CSV of a call whose results are published: one row per grant and
beneficiary association, in the schema's 16 columns (``schema.json`` beside this file).

What is derived: the granting authority from the collectivity's settings (its official name for
grants, else its name; its SIRET), the amount and the beneficiaries from the decision and the
proposal (the lead association, then each co-author that accepted). What the administrator entered
with the decision: the reference, dates, purpose, nature and payment terms (app.scdl.terms).

``pourcentageSubvention`` splits the grant EQUALLY between the beneficiaries: Tisser's budget
records what is asked of the call for the whole project, not each association's share. Shares are
whole hundredths (the format's precision and its 0.01 minimum), the hundredths left over going one
each to the first beneficiaries (the lead first): 3 associations get 0.34, 0.33 and 0.33, so the
shares of a grant always add up to exactly 1.

The file only holds rows that validate: a grant whose terms are missing is left out, an identifier
the schema cannot take (an RNA with letters among its 9 characters) is left empty, and ``Export.issues``
says in French which rows and why, for the results page.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import identity
from app.extensions import db
from app.models import Association, Call, CoauthorStatus, Decision, Proposal, ProposalCoauthor, Submission

COLUMNS = (
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
)
# The schema's RNA pattern, narrower than the format Tisser accepts (W + 9 letters or digits).
SCDL_RNA = re.compile(r"^W\d{9}$")
HUNDREDTH = Decimal("0.01")


def shares(count: int) -> list[Decimal]:
    """Equal shares of 1 in hundredths, adding up to exactly 1 (see the module's note)."""
    if count <= 0:
        return []
    base, extra = divmod(100, count)
    return [Decimal(base + (1 if i < extra else 0)) * HUNDREDTH for i in range(count)]


@dataclass
class Issue:
    """A row the export could not complete: the project, the beneficiary (if it is about one), why,
    and whether the row was left out of the file or written with an empty identifier."""

    title: str
    beneficiary: str
    message: str
    left_out: bool


@dataclass
class Export:
    call: Call
    rows: list[dict[str, str]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    # A problem of the whole file (the collectivity's SIRET), said before the rows' issues.
    blocking: str = ""

    def lines(self) -> Iterator[str]:
        """The CSV, a line at a time (UTF-8 without BOM, comma-separated, as the format says)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        for values in (COLUMNS, *([row[c] for c in COLUMNS] for row in self.rows)):
            writer.writerow(values)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()


def available(call: Call) -> bool:
    return call.results_published_at is not None


def available_calls() -> list[Call]:
    """The calls whose SCDL file can be downloaded (for the open-data page), latest results first."""
    return db.session.scalars(
        select(Call).where(Call.results_published_at.is_not(None)).order_by(Call.results_published_at.desc())
    ).all()


def _beneficiaries(proposal_ids: list[int]) -> dict[int, list[Association]]:
    """Each proposal's co-authors that accepted, in invitation order: one query for the whole call."""
    result: dict[int, list[Association]] = {pid: [] for pid in proposal_ids}
    if not proposal_ids:
        return result
    for proposal_id, association in db.session.execute(
        select(ProposalCoauthor.proposal_id, Association)
        .join(Association, Association.id == ProposalCoauthor.association_id)
        .where(ProposalCoauthor.proposal_id.in_(proposal_ids), ProposalCoauthor.status == CoauthorStatus.ACCEPTED)
        .order_by(ProposalCoauthor.id)
    ):
        result[proposal_id].append(association)
    return result


def _missing_terms(s: Submission) -> list[str]:
    missing = []
    if not s.decision_reference:
        missing.append(_("la référence de la décision"))
    if s.convention_date is None:
        missing.append(_("la date de la convention"))
    if not s.grant_purpose:
        missing.append(_("l'objet"))
    if not s.grant_nature:
        missing.append(_("la nature de l'aide"))
    if not s.payment_conditions:
        missing.append(_("les conditions de versement"))
    if not s.payment_dates:
        missing.append(_("la date de versement"))
    return missing


def build(call: Call) -> Export:
    """The rows and the issues of one call's file: three queries whatever the number of grants."""
    export = Export(call)
    who = identity.current()
    authority = who.grant_authority_name or who.name
    if not who.siret:
        export.blocking = _(
            "La collectivité n'a pas de SIRET dans ses réglages : le fichier ne peut contenir aucune ligne, "
            "car l'identifiant de l'attribuant est obligatoire."
        )
    grants = db.session.scalars(
        select(Submission)
        .where(Submission.call_id == call.id, Submission.decision == Decision.SELECTED)
        .options(joinedload(Submission.proposal).joinedload(Proposal.association))
        .order_by(Submission.id)
    ).all()
    coauthors = _beneficiaries([s.proposal_id for s in grants])
    for s in grants:
        proposal = s.proposal
        missing = _missing_terms(s)
        if missing:
            export.issues.append(
                Issue(
                    proposal.title,
                    "",
                    _("Ligne non publiée : il manque %(fields)s.", fields=", ".join(missing)),
                    left_out=True,
                )
            )
            continue
        associations = [proposal.association, *coauthors[proposal.id]]
        for association, share in zip(associations, shares(len(associations)), strict=True):
            rna = association.rna or ""
            if not association.siret:
                export.issues.append(
                    Issue(
                        proposal.title,
                        association.name,
                        _("Pas de SIRET : la ligne est publiée sans identifiant SIRET du bénéficiaire."),
                        left_out=False,
                    )
                )
            if rna and not SCDL_RNA.match(rna):
                export.issues.append(
                    Issue(
                        proposal.title,
                        association.name,
                        _(
                            "Le numéro RNA %(rna)s ne suit pas le format du fichier (W suivi de 9 chiffres) : "
                            "il n'est pas publié.",
                            rna=rna,
                        ),
                        left_out=False,
                    )
                )
                rna = ""
            if not who.siret:
                continue
            export.rows.append(
                {
                    "nomAttribuant": authority,
                    "idAttribuant": who.siret,
                    "dateConvention": s.convention_date.isoformat(),
                    "referenceDecision": s.decision_reference,
                    "nomBeneficiaire": association.name,
                    "idBeneficiaire": association.siret or "",
                    "rnaBeneficiaire": rna,
                    "objet": s.grant_purpose,
                    "montant": f"{s.granted_eur}.00",
                    "nature": s.grant_nature,
                    "conditionsVersement": s.payment_conditions,
                    "datesPeriodeVersement": s.payment_dates,
                    "idRAE": "",
                    "notificationUE": "oui" if s.eu_notified else "non",
                    "pourcentageSubvention": str(share),
                    "dispositifAide": "",
                }
            )
    return export


def filename(call: Call) -> str:
    return f"subventions-{call.slug}.csv"
