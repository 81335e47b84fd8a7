"""What a file really is, read from its content (never from its name or the browser's word).

``filetype`` reads the magic bytes; the office formats are zip containers, so for a zip we open it
and read what the format itself declares: ODF's first member ``mimetype``, OOXML's main part in
``[Content_Types].xml``. Anything else (HTML, SVG, scripts, other zips) is refused.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass

import filetype

ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class FileType:
    mime: str
    extension: str


ALLOWED = {
    "application/pdf": FileType("application/pdf", "pdf"),
    "image/jpeg": FileType("image/jpeg", "jpg"),
    "image/png": FileType("image/png", "png"),
    ODT: FileType(ODT, "odt"),
    ODS: FileType(ODS, "ods"),
    DOCX: FileType(DOCX, "docx"),
    XLSX: FileType(XLSX, "xlsx"),
}
# OOXML main parts: the document's own declaration of what it is (macro-enabled ones differ, and are refused).
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
}
_CONTENT_TYPE = re.compile(rb'ContentType="([^"]+)"')
# Enough for any [Content_Types].xml or mimetype member; a bigger one is not an office file.
_MEMBER_LIMIT = 256 * 1024


def detect(data: bytes) -> FileType | None:
    """The allowed type of ``data``, or None when it is none of them."""
    kind = filetype.guess(data[:8192])
    if kind is None:
        return None
    if kind.mime == "application/zip" or data[:4] == b"PK\x03\x04":
        return _office(data)
    return ALLOWED.get(kind.mime)


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > _MEMBER_LIMIT:
        return None
    with archive.open(info) as member:
        return member.read(_MEMBER_LIMIT)


def _office(data: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        return None
    with archive:
        try:
            names = archive.namelist()
            # ODF: "mimetype" comes first, stored uncompressed, and says the type in plain ASCII.
            if names and names[0] == "mimetype":
                declared = (_read_member(archive, "mimetype") or b"").strip().decode("ascii", "replace")
                return ALLOWED.get(declared) if declared in (ODT, ODS) else None
            types = _read_member(archive, "[Content_Types].xml")
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError):
            return None  # encrypted, corrupt or unsupported compression
    if types is None:
        return None
    for content_type in _CONTENT_TYPE.findall(types):
        found = _OOXML_MAIN.get(content_type.decode("ascii", "replace"))
        if found:
            return ALLOWED[found]
    return None
