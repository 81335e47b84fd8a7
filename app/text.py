"""Small text helpers."""

import re
import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: "Écoles" → "ecoles" (sorting, slugs)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
