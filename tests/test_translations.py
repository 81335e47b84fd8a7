"""Every user-facing string is in both catalogues, and no French is written outside ``_()``.

The catalogues are checked against the strings extracted from the code right now (as ``make
messages`` extracts them), so a new ``_()`` without its English fails here, not on a page.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from jinja2 import Environment
from jinja2.lexer import TOKEN_DATA

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None, "N_": None}
PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


@cache
def extracted() -> dict[str, str | tuple[str, str]]:
    """msgid (the singular for a plural) -> the msgid as written, from app/ and templates/."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found: dict[str, str | tuple[str, str]] = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            message = tuple(m for m in message if m) if len(message) > 1 and message[1] else message[0]
            if isinstance(message, tuple) and len(message) == 1:
                message = message[0]
        if not message:
            continue
        key = message if isinstance(message, str) else message[0]
        found[key] = message
    return found


@cache
def catalogue(locale: str):
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0) if not m.group(1) else f"%({m.group(1)})" for m in PLACEHOLDER.finditer(text))


@pytest.mark.parametrize("locale", ["en", "fr"])
def test_every_message_is_translated(locale):
    cat = catalogue(locale)
    entries = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in cat if m.id}
    problems = []
    for key, message in extracted().items():
        entry = entries.get(key)
        if entry is None:
            problems.append(f"missing (run make messages): {key!r}")
            continue
        strings = [entry.string] if isinstance(entry.string, str) else list(entry.string)
        if entry.fuzzy:
            problems.append(f"fuzzy: {key!r}")
        if not strings or not all(strings):
            problems.append(f"untranslated: {key!r}")
            continue
        sources = [message] if isinstance(message, str) else list(message)
        wanted = placeholders(sources[-1]) if len(sources) > 1 else placeholders(sources[0])
        for string in strings:
            # A plural's singular may leave the number out ("Voir sa commune" / "See its municipality").
            got = placeholders(string)
            if got != wanted and not (len(sources) > 1 and set(got) <= set(wanted)):
                problems.append(f"placeholders {got} instead of {wanted}: {key!r} -> {string!r}")
    assert not problems, f"{len(problems)} problem(s) in the {locale} catalogue:\n" + "\n".join(problems[:60])


def test_the_catalogues_hold_no_obsolete_fuzzy_entry():
    for locale in ("en", "fr"):
        assert not [m.id for m in catalogue(locale) if m.id and m.fuzzy], locale


def test_french_plurals_come_from_the_french_catalogue():
    assert catalogue("fr").plural_expr == "(n > 1)"
    assert catalogue("en").plural_expr == "(n != 1)"


# --- French written outside _() ---------------------------------------------------------------

# Attributes a person reads or hears.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "aria-roledescription", "label"}
# Text that is the same in both languages: symbols, and names that are not words to translate.
NEUTRAL_TEXT = re.compile(r"^[\W\d_]*$|^(?:Tisser|htmx|RGAA|SIRET|SIREN|RNA|INSEE|CNIL|RGPD|JSON|CSV|Markdown|OK)$")
MARK = "\x00"
# Attributes kept in a {% set %} to be written into a tag later (hx-get="...").
ATTRIBUTES_ONLY = re.compile(r'"?(?:\s*[\w:-]+="[^"]*")*\s*(?:[\w:-]+=")?')


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self._check(value, f"{tag}[{name}]")
        if tag == "input" and dict(attrs).get("type") in ("submit", "button") and dict(attrs).get("value"):
            self._check(dict(attrs)["value"], "input[value]")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip:
            self._check(data, "text")

    def _check(self, text: str, where: str) -> None:
        for piece in text.split(MARK):
            piece = piece.strip()
            if piece and not NEUTRAL_TEXT.match(piece) and not ATTRIBUTES_ONLY.fullmatch(piece):
                self.found.append(f"{where}: {piece!r}")


def literal_text(source: str) -> str:
    """The template's own text: every expression replaced by a mark (text of its own), every tag and
    comment by a space (they may sit between a tag's attributes), a heading level by a digit."""
    env = Environment(extensions=["jinja2.ext.i18n"])
    parts = []
    for _lineno, token, value in env.lex(source):
        if token == TOKEN_DATA:
            parts.append(value)
        elif token == "variable_begin":
            parts.append("1" if parts and re.search(r"</?h$", parts[-1]) else MARK)
        elif token in ("block_begin", "comment_begin"):
            parts.append(" ")
    return "".join(parts)


def template_findings(path: Path) -> list[str]:
    collector = _TextCollector()
    collector.feed(literal_text(path.read_text(encoding="utf-8")))
    collector.close()
    return [f"{path.relative_to(ROOT)}: {finding}" for finding in collector.found]


def test_the_checker_finds_french_outside_gettext(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '<p>{{ _("Bonjour") }}</p><p>Au revoir {{ name }}</p><img alt="Logo du site" src="x">'
        '<a title="{{ _(\'Ouvrir\') }}" aria-label="Fermer">×</a><script>var t = "texte";</script> · —'
    )
    collector = _TextCollector()
    collector.feed(literal_text(page.read_text()))
    assert collector.found == ["img[alt]: 'Logo du site'", "a[aria-label]: 'Fermer'", "text: 'Au revoir'"] or sorted(
        collector.found
    ) == sorted(["text: 'Au revoir'", "img[alt]: 'Logo du site'", "a[aria-label]: 'Fermer'"])


def test_no_template_holds_untranslated_text():
    found = [finding for path in sorted((ROOT / "templates").rglob("*.html")) for finding in template_findings(path)]
    assert not found, f"{len(found)} piece(s) of text outside _():\n" + "\n".join(found)


# --- French written outside _() in Python -----------------------------------------------------

# Calls whose text reaches a person: flash messages, form errors, rule errors, field labels.
MESSAGE_CALLS = {"flash", "ValidationError", "abort"}
MESSAGE_KEYWORDS = {"message", "label", "description"}
# French, not the English of a programming error: an accent, or one of its little words.
FRENCH = re.compile(r"[àâçéèêëîïôûùœ]|\b(?:le|la|les|des|du|une|est|vous|votre|pas|ce|cette|sur|pour)\b", re.I)
# The operators' command line, start-up checks and the demo's data speak French on their own.
NOT_THE_PUBLIC = {"app/cli.py", "app/config.py", "app/backup.py", "app/seed.py"}


def _literal_french(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and FRENCH.search(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
        return text if FRENCH.search(text) else None
    return None


def test_no_python_message_is_left_untranslated():
    found = []
    for path in sorted((ROOT / "app").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative in NOT_THE_PUBLIC or relative.startswith("app/demo"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            candidates = list(node.args[:1]) if name in MESSAGE_CALLS or name.endswith("Error") else []
            # A field's label is its first argument.
            candidates += [k.value for k in node.keywords if k.arg in MESSAGE_KEYWORDS]
            if name.endswith("Field") and node.args:
                candidates.append(node.args[0])
            for candidate in candidates:
                text = _literal_french(candidate)
                if text is not None:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {text[:80]!r}")
    assert not found, "\n".join(found)
