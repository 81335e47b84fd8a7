"""Fill and check the English catalogue (translations/en/LC_MESSAGES/messages.po).

    python scripts/po_en.py dump [N]        untranslated msgids -> /tmp/r17-english-work/todo-NN.txt, numbered
    python scripts/po_en.py merge FILE...   {msgid or number: msgstr | [singular, plural]} JSON, or .po files
                                            (translations/incoming/*.po) -> the PO file; run `make messages`
                                            first so that new msgids are in it
    python scripts/po_en.py check [PO]      every msgid has a msgstr, placeholders match; exit 1 otherwise

Glossary (French source -> English, kept consistent across the catalogue):
    idée -> idea; proposition -> proposal; appel à projets -> call for projects; soutien/soutenir -> support;
    co-auteur -> co-author; amendement -> amendment; pôle territorial de solidarité -> territorial solidarity hub
    (pôle -> hub); association -> association; structure -> organisation; modération -> moderation;
    signalement -> report; signaler -> report; fil -> feed; « Compte supprimé » -> "Deleted account";
    résultats -> results; lauréat -> selected project; candidature -> application; collectivité -> local authority;
    commune -> municipality; canton -> canton; habitant -> resident;
    accompagner/accompagnement -> mentor/mentoring (soutien is "support");
    besoin -> need; thème -> theme; domaine -> field (sous-domaine -> sub-field; "area" is kept for places);
    suivre -> follow; abonnement -> subscription;
    courriel/e-mail -> email; mot de passe -> password; se connecter -> sign in; s'inscrire -> create an account;
    masquer -> hide; rétablir -> restore; contester/contestation -> challenge; référent·e -> contact person;
    retenu -> selected; déposer -> submit; instruction -> review; évaluer -> assess; enveloppe -> budget;
    agent -> staff; fiche (d'association) -> profile; renvoyer pour compléments -> send back for more information.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations/en/LC_MESSAGES/messages.po"
WORK = Path("/tmp/r17-english-work")
# Named (%(name)s) and positional (%s, %d) placeholders; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def placeholders(text: str) -> list[str]:
    return sorted(p for p in PLACEHOLDER.findall(text))


def load(path: Path = PO):
    with path.open("rb") as f:
        return read_po(f, locale="en")


def save(catalog, path: Path = PO) -> None:
    with path.open("wb") as f:
        write_po(f, catalog)  # pybabel update's own layout: `make messages` leaves a small diff


def dump(size: int = 250) -> None:
    """Number the untranslated msgids: index.json maps each number to its msgid, todo-NN.txt lists them to read."""
    WORK.mkdir(exist_ok=True)
    todo = []
    for msg in load():
        if not msg.id:
            continue
        done = all(msg.string) if isinstance(msg.id, tuple) else bool(msg.string)
        if not done:
            todo.append((msg.id[0] if isinstance(msg.id, tuple) else msg.id, msg))
    (WORK / "index.json").write_text(json.dumps([key for key, _ in todo], ensure_ascii=False))
    for start in range(0, len(todo), size):
        lines = []
        for n, (_, msg) in enumerate(todo[start : start + size], start):
            where = msg.locations[0][0].removeprefix("templates/").removeprefix("app/") if msg.locations else ""
            text = " || ".join(msg.id) if isinstance(msg.id, tuple) else msg.id
            lines.append(f"{n}\t[{where}]{' PLURAL' if isinstance(msg.id, tuple) else ''}\t{text}")
        (WORK / f"todo-{start // size:02d}.txt").write_text("\n".join(lines) + "\n")
    print(f"{len(todo)} untranslated")


def _translations(path: Path):
    """(msgid, msgstr) pairs of a JSON chunk or of a PO file (plural entries keyed by their singular)."""
    if path.suffix == ".po":
        for msg in load(path):
            if msg.id and (all(msg.string) if isinstance(msg.string, tuple) else msg.string):
                yield (msg.id[0] if isinstance(msg.id, tuple) else msg.id), msg.string
    else:
        yield from json.loads(path.read_text()).items()


def merge(files: list[str]) -> None:
    catalog = load()
    index = json.loads((WORK / "index.json").read_text()) if (WORK / "index.json").exists() else []
    merged = unknown = 0
    for name in files:
        for key, value in _translations(Path(name)):
            if key.isdigit():  # a number from the last dump
                key = index[int(key)]
            msg = catalog.get(key)
            if msg is None:
                # Plural entries are keyed by their singular msgid.
                msg = next((m for m in catalog if isinstance(m.id, tuple) and m.id[0] == key), None)
            if msg is None:
                unknown += 1
                print(f"unknown msgid: {key!r}", file=sys.stderr)
                continue
            msg.string = tuple(value) if isinstance(msg.id, tuple) else value
            # pybabel update's guess for a new msgid is marked fuzzy; a real translation replaces it.
            msg.flags.discard("fuzzy")
            merged += 1
    save(catalog)
    print(f"merged {merged}, unknown {unknown}")


def problems(path: Path = PO) -> list[str]:
    found = []
    catalog = load(path)
    # Babel's own checkers: python-format consistency and plural form counts.
    for msg, errors in catalog.check():
        found.extend(f"{error}: {msg.id!r}" for error in errors)
    for msg in catalog:
        if not msg.id:
            continue
        ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if not all(s.strip() for s in strings) or len(strings) < len(ids):
            found.append(f"missing translation: {ids[0]!r}")
            continue
        if "fuzzy" in msg.flags:
            found.append(f"fuzzy: {ids[0]!r}")
        for source, target in zip(ids, strings, strict=False):
            # A singular may drop %(num)s ("1 support"); every other placeholder must survive.
            want = {p for p in placeholders(source)}
            got = {p for p in placeholders(target)}
            if got - want or (want - got) - {"%(num)s", "%(num)d"}:
                found.append(f"placeholders differ: {source!r} -> {target!r}")
    return found


def check(path: Path = PO) -> int:
    found = problems(path)
    for line in found:
        print(line)
    print(f"{len(found)} problem(s) in {path}")
    return 1 if found else 0


if __name__ == "__main__":
    command, *args = sys.argv[1:] or ["check"]
    if command == "dump":
        dump(int(args[0]) if args else 250)
    elif command == "merge":
        merge(args)
    elif command == "check":
        sys.exit(check(Path(args[0]) if args else PO))
    else:
        sys.exit(__doc__)
