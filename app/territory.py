"""The territory as data: official communes (INSEE codes), their import, and the units they belong to.

Communes are matched by their code of the Code officiel géographique, never by name: names change
(Cadillac became Cadillac-sur-Garonne), codes are what imports agree on. The slices shipped in
``app/data/cog/`` come from the open data (see its README); an administrator may also upload one.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.errors import RuleError
from app.extensions import db
from app.models import Commune, Pole
from app.text import slugify

SLICES_DIR = Path(__file__).parent / "data" / "cog"
INSEE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")  # Corsica's codes start with 2A / 2B
HEADER_WORDS = {"code", "code_insee", "codgeo", "com", "insee"}  # a CSV's first line may name its columns
MAX_UPLOAD_ROWS = 5000  # a whole region at most: anything larger is not a slice of communes
# "Pessac (33318)": what a picker shows and what comes back when one is chosen.
LABELLED = re.compile(r"^(?P<name>.*?)\s*\((?P<code>[0-9AB]{5})\)\s*$")


class TerritoryError(RuleError):
    """Bad input (a file, a name, a unit), with a French message; ``field`` names what was wrong."""


@dataclass(frozen=True)
class OfficialCommune:
    code: str
    name: str


@dataclass(frozen=True)
class Slice:
    key: str  # the file's stem
    name: str
    source: str
    communes: list[OfficialCommune]


@dataclass
class ImportReport:
    created: list[Commune] = field(default_factory=list)
    updated: list[Commune] = field(default_factory=list)
    unchanged: int = 0


# --- Slices: the shipped files, or an upload of the same shape ------------------------------------


def shipped_slices() -> list[str]:
    return sorted(p.stem for p in SLICES_DIR.glob("*.json"))


def load_slice(key: str) -> Slice:
    if key not in shipped_slices():
        raise TerritoryError(_("Aucune liste de communes nommée « %(key)s ».", key=key))
    doc = json.loads((SLICES_DIR / f"{key}.json").read_text(encoding="utf-8"))
    return Slice(key, doc["name"], doc["source"], _validated(doc["communes"]))


def parse_upload(filename: str, content: bytes) -> list[OfficialCommune]:
    """A JSON slice (``{"communes": [{"code", "nom"}]}`` or a bare list) or a CSV ``code,nom``."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TerritoryError(_("Le fichier doit être encodé en UTF-8.")) from None
    if filename.lower().endswith(".json"):
        try:
            doc = json.loads(text)
        except ValueError:
            raise TerritoryError(_("Ce fichier JSON est illisible.")) from None
        rows = doc.get("communes") if isinstance(doc, dict) else doc
        if not isinstance(rows, list):
            raise TerritoryError(_("Le fichier JSON doit contenir une liste « communes »."))
        return _validated(rows)
    if filename.lower().endswith(".csv"):
        first_line = text.split("\n", 1)[0]
        # A spreadsheet saved in French separates with semicolons.
        delimiter = ";" if ";" in first_line and "," not in first_line else ","
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        rows = [{"code": r[0].strip(), "nom": r[1].strip() if len(r) > 1 else ""} for r in reader if any(r)]
        if rows and rows[0]["code"].lower() in HEADER_WORDS:
            return _validated(rows[1:], first_line=2)
        return _validated(rows)
    raise TerritoryError(_("Envoyez un fichier .json ou .csv."))


def _validated(rows: list, first_line: int = 1) -> list[OfficialCommune]:
    if not rows:
        raise TerritoryError(_("Le fichier ne contient aucune commune."))
    if len(rows) > MAX_UPLOAD_ROWS:
        raise TerritoryError(_("Le fichier contient plus de %(n)d communes.", n=MAX_UPLOAD_ROWS))
    communes: dict[str, OfficialCommune] = {}
    for number, row in enumerate(rows, start=first_line):
        code = str(row.get("code", "")).strip().upper() if isinstance(row, dict) else ""
        name = " ".join(str(row.get("nom", "")).split()) if isinstance(row, dict) else ""
        if not INSEE_CODE.match(code) or not name or len(name) > 120:
            raise TerritoryError(
                _("Ligne %(n)d : il faut un code INSEE à 5 caractères et un nom de commune.", n=number)
            )
        communes[code] = OfficialCommune(code, name)
    return list(communes.values())


# --- Import: create or update by INSEE code --------------------------------------------------------


def import_communes(communes: list[OfficialCommune], default_pole: Pole | None) -> ImportReport:
    """Create the communes not yet known (in ``default_pole``), rename the known ones.

    Idempotent: a commune is found by its code, or, for a legacy row without one, by its slug (it
    then gets its code). Units, rural and priority-neighbourhood flags of known communes are kept.
    """
    report = ImportReport()
    codes = [c.code for c in communes]
    known = {c.insee_code: c for c in db.session.scalars(select(Commune).where(Commune.insee_code.in_(codes)))}
    legacy = {c.slug: c for c in db.session.scalars(select(Commune).where(Commune.insee_code.is_(None)))}
    slugs = set(db.session.scalars(select(Commune.slug)))
    missing = [c for c in communes if c.code not in known and slugify(c.name) not in legacy]
    if missing and default_pole is None:
        raise TerritoryError(
            _("Choisissez l'unité où ranger les %(n)d nouvelles communes.", n=len(missing)), field="unit"
        )
    for official in communes:
        commune = known.get(official.code) or legacy.pop(slugify(official.name), None)
        if commune is None:
            slug = _free_slug(slugify(official.name), official.code, slugs)
            commune = Commune(slug=slug, name=official.name, insee_code=official.code, pole_id=default_pole.id)
            db.session.add(commune)
            report.created.append(commune)
        elif commune.insee_code != official.code or commune.name != official.name:
            commune.insee_code = official.code
            commune.name = official.name
            report.updated.append(commune)
        else:
            report.unchanged += 1
    db.session.flush()
    return report


def _free_slug(base: str, code: str, taken: set[str]) -> str:
    # Homonyms exist (two Saint-Savin in France): the code makes the slug unique.
    slug = base if base not in taken else f"{base}-{code.lower()}"
    taken.add(slug)
    return slug


def load_units(slice_key: str, units: dict[str, tuple[str, list[str]]], *, demo: bool = False) -> dict[str, Pole]:
    """For a preset: the slice's communes named by code, grouped into units.

    ``units`` maps a unit's name to (description, INSEE codes). Idempotent; a commune named in a
    unit is moved there. ``demo`` marks the grouping as illustrative, not an official one.
    """
    official = {c.code: c for c in load_slice(slice_key).communes}
    poles: dict[str, Pole] = {}
    for name, (description, codes) in units.items():
        unknown = [code for code in codes if code not in official]
        if unknown:
            raise TerritoryError(f"codes absent from {slice_key}: {', '.join(unknown)}")
        pole = unit_named(name) or create_unit(name, description)
        import_communes([official[code] for code in codes], pole)
        for commune in db.session.scalars(select(Commune).where(Commune.insee_code.in_(codes))):
            commune.pole_id = pole.id
            commune.is_demo = commune.is_demo or demo
        poles[name] = pole
    db.session.flush()
    return poles


# --- Units -----------------------------------------------------------------------------------------


def unit_named(name: str) -> Pole | None:
    return db.session.scalar(select(Pole).where(func.lower(Pole.name) == name.strip().lower()))


def create_unit(name: str, description: str = "") -> Pole:
    name = " ".join(name.split())
    if not name:
        raise TerritoryError(_("Donnez un nom à l'unité."))
    if unit_named(name) is not None:
        raise TerritoryError(_("Une unité porte déjà ce nom."))
    slug = slugify(name)
    taken = set(db.session.scalars(select(Pole.slug).where(Pole.slug.like(f"{slug}%"))))
    n = 2
    base = slug
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    pole = Pole(slug=slug, name=name, description=description.strip())
    db.session.add(pole)
    db.session.flush()
    return pole


def update_unit(pole: Pole, name: str, description: str) -> None:
    """Rename and describe; the slug (in shared URLs) stays."""
    name = " ".join(name.split())
    if not name:
        raise TerritoryError(_("Donnez un nom à l'unité."))
    other = unit_named(name)
    if other is not None and other.id != pole.id:
        raise TerritoryError(_("Une unité porte déjà ce nom."))
    pole.name = name
    pole.description = description.strip()


def delete_unit(pole: Pole) -> None:
    count = db.session.scalar(select(func.count(Commune.id)).where(Commune.pole_id == pole.id))
    if count:
        raise TerritoryError(_("Déplacez d'abord ses %(n)d communes dans une autre unité.", n=count))
    db.session.delete(pole)
    db.session.flush()


# --- Communes: the editor's search, and what pickers send back -------------------------------------


def commune_label(commune: Commune) -> str:
    """What pickers show and read back: the name, and the code that tells homonyms apart."""
    return f"{commune.name} ({commune.insee_code})" if commune.insee_code else commune.name


def search_communes(q: str = "", pole_id: int | None = None):
    """The query of the communes editor: by name (accents ignored) or by code prefix."""
    query = select(Commune).order_by(Commune.name, Commune.id)
    q = " ".join(q.split())
    if q:
        query = query.where(or_(Commune.slug.contains(slugify(q)), Commune.insee_code.startswith(q.upper())))
    if pole_id:
        query = query.where(Commune.pole_id == pole_id)
    return query


def resolve_commune(typed: str) -> Commune:
    """The commune a person typed or picked: "Nom (code)", a code, or a name that only one commune has."""
    typed = " ".join(typed.split())
    if not typed:
        raise TerritoryError(_("Choisissez une commune."))
    match = LABELLED.match(typed)
    code = match["code"] if match else (typed.upper() if INSEE_CODE.match(typed.upper()) else None)
    if code:
        commune = db.session.scalar(select(Commune).where(Commune.insee_code == code))
        if commune is not None:
            return commune
        if not match:
            raise TerritoryError(_("Aucune commune n'a le code %(code)s.", code=code))
        typed = match["name"]
    slug = slugify(typed)
    if not slug:
        raise TerritoryError(_("Aucune commune ne s'appelle « %(typed)s » : choisissez-la dans la liste.", typed=typed))
    # Shortest names first, so that an exact name is among the few read; homonyms share a name.
    candidates = list(
        db.session.scalars(
            select(Commune)
            .where(Commune.slug.startswith(slug))
            .order_by(func.length(Commune.name), Commune.id)
            .limit(6)
        )
    )
    found = [c for c in candidates if slugify(c.name) == slug] or candidates
    if len(found) == 1:
        return found[0]
    if not found:
        raise TerritoryError(_("Aucune commune ne s'appelle « %(typed)s » : choisissez-la dans la liste.", typed=typed))
    raise TerritoryError(
        _(
            "Plusieurs communes correspondent à « %(typed)s » (%(names)s) : choisissez-en une dans la liste.",
            typed=typed,
            names=", ".join(commune_label(c) for c in found),
        )
    )
