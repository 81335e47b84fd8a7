"""Small text helpers."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: "Écoles" → "ecoles" (sorting, slugs)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


# C0 and C1 controls (tab, CR, LF, NUL, ESC...) and the Unicode line and paragraph separators.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional controls: they reorder what follows them ("txt.exe" shown as "exe.txt").
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(text: str) -> str:
    """``text`` on one line: each run of control characters or line breaks becomes one space,
    bidirectional controls go, the ends are trimmed. A title pasted with "\\r\\nBcc: x" can then
    never become an e-mail header of its own."""
    text = _CONTROLS.sub(" ", text)
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS).strip()


# Personal data a moderation log must not repeat: e-mail addresses and phone numbers
# (9 digits or more, with spaces, dots or dashes between them: "06 12 34 56 78", "+33 6 12…").
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d(?:[\s.\-/]?\d){8,}")


def redact(text: str) -> str:
    """``text`` with e-mail addresses and phone numbers masked."""
    return _PHONE.sub("[téléphone masqué]", _EMAIL.sub("[e-mail masqué]", text or ""))
