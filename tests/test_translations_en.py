"""The English catalogue: every msgid of the code has a non-empty English msgstr that keeps its placeholders.

French is the source language (the msgids); translations/en/LC_MESSAGES/messages.po holds the English.
The checks live in scripts/po_en.py so that a translator runs them before committing
(`python scripts/po_en.py check`).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("po_en", ROOT / "scripts" / "po_en.py")
po_en = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(po_en)


def _write_po(path: Path, entries: str) -> Path:
    path.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n' + entries, encoding="utf-8")
    return path


def test_every_english_entry_is_translated_and_keeps_its_placeholders():
    assert po_en.problems() == []


def test_every_msgid_of_the_code_is_in_the_english_catalogue():
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    in_code = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        # The same keywords as `pybabel extract -k _l`.
        str(ROOT),
        method_map,
        options_map,
        keywords={**DEFAULT_KEYWORDS, "_l": None},
    ):
        in_code.add(message if isinstance(message, str) else message[0])
    in_catalogue = {msg.id if isinstance(msg.id, str) else msg.id[0] for msg in po_en.load() if msg.id}
    assert sorted(in_code - in_catalogue) == []


def test_the_check_catches_a_missing_translation_and_a_lost_placeholder(tmp_path):
    po = _write_po(
        tmp_path / "bad.po",
        'msgid "Bonjour %(name)s"\nmsgstr "Hello"\n\n'
        'msgid "Merci"\nmsgstr ""\n\n'
        'msgid "%(num)d idée"\nmsgid_plural "%(num)d idées"\nmsgstr[0] "one idea"\nmsgstr[1] "%(num)d ideas"\n\n'
        'msgid "%(n)d semaines"\nmsgstr "%(n)d weeks"\n',
    )
    found = po_en.problems(po)
    assert any("placeholders differ" in line and "Bonjour" in line for line in found)
    assert any("missing translation" in line and "Merci" in line for line in found)
    # A singular may say "one" instead of %(num)d; the good entries raise nothing.
    assert not any("idée" in line or "semaines" in line for line in found)
    assert len(found) == 2
