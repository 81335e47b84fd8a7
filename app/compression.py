"""Fewer bytes on the wire when no proxy compresses (docs/deploiement.md, "Compression").

Static files: compressed once (brotli and gzip, best quality) into ``name.br`` and ``name.gz``
beside each text file, at start-up when missing or older than the file, and served by Flask's own
static view when the browser accepts them. Why not WhiteNoise: it answers before Flask, so the
security headers and the one-year ``immutable`` rule for ``?v=`` URLs (app/web.py) would have to
be written a second time, in a WSGI wrapper; Flask's ``send_file`` already answers conditional
and range requests, and each variant gets its own ETag (its own file).

HTML (and the other text answers): compressed per response by Flask-Compress when
``TISSER_COMPRESS_HTML`` is on (the default); a proxy that compresses makes it useless.
"""

from __future__ import annotations

import gzip
import logging
import mimetypes
import os
import tempfile
from pathlib import Path

import brotli
from flask import Flask, Response, current_app, request, send_from_directory
from flask_compress import Compress
from werkzeug.security import safe_join

log = logging.getLogger(__name__)

# Best first: brotli is ~15 % smaller than gzip on htmx and the CSS.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
TEXT_SUFFIXES = frozenset({".css", ".js", ".mjs", ".svg", ".json", ".txt", ".map", ".xml", ".html"})
# A variant that saves less than this is not worth a second file (nor a Content-Encoding).
MIN_SAVING = 0.05


def _pack(data: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=11)
    # mtime=0: the same file always gives the same bytes (no churn, same ETag after a rebuild).
    return gzip.compress(data, compresslevel=9, mtime=0)


def _write_atomically(target: Path, data: bytes, mode: int) -> None:
    # Test workers and gunicorn workers may start together: each writes aside, then renames.
    fd, draft = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # Readable by whoever reads the original (mkstemp makes it private): nginx, another user.
        os.chmod(draft, mode)
        os.replace(draft, target)
    except BaseException:
        Path(draft).unlink(missing_ok=True)
        raise


def precompress_static(folder: str | Path) -> int:
    """Write the missing or stale ``.br``/``.gz`` variants of the text files under ``folder``.
    Returns how many were written (0 on every start but the first)."""
    written = 0
    for path in Path(folder).rglob("*"):
        if path.suffix not in TEXT_SUFFIXES or not path.is_file():
            continue
        stat = path.stat()
        data = None
        for encoding, suffix in ENCODINGS:
            target = path.with_name(path.name + suffix)
            if target.exists() and target.stat().st_mtime >= stat.st_mtime:
                continue
            data = path.read_bytes() if data is None else data
            packed = _pack(data, encoding)
            if len(packed) > len(data) * (1 - MIN_SAVING):
                target.unlink(missing_ok=True)
                continue
            _write_atomically(target, packed, stat.st_mode & 0o777)
            written += 1
    return written


def send_static(filename: str) -> Response:
    """Flask's static view, choosing the pre-compressed variant the browser accepts."""
    folder = current_app.static_folder or ""
    max_age = current_app.get_send_file_max_age(filename)
    accepted = request.accept_encodings
    for encoding, suffix in ENCODINGS:
        if not accepted[encoding]:
            continue
        variant = safe_join(folder, filename + suffix)
        if variant is None or not os.path.isfile(variant):
            continue
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        response = send_from_directory(folder, filename + suffix, mimetype=mimetype, max_age=max_age)
        response.headers["Content-Encoding"] = encoding
        break
    else:
        response = send_from_directory(folder, filename, max_age=max_age)
    # Every answer of this URL depends on Accept-Encoding, the identity one too.
    response.vary.add("Accept-Encoding")
    return response


def setup_compression(app: Flask) -> None:
    if app.static_folder:
        try:
            precompress_static(app.static_folder)
        except OSError as error:
            # A read-only install still serves every file, uncompressed.
            log.warning("static files not pre-compressed: %s", error)
        app.view_functions["static"] = send_static
    if app.config.get("COMPRESS_HTML"):
        app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
        # Brotli 4 compresses a 23 KB list as well as gzip 6, in about the same time.
        app.config.setdefault("COMPRESS_BR_LEVEL", 4)
        app.config.setdefault("COMPRESS_LEVEL", 6)
        app.config.setdefault(
            "COMPRESS_MIMETYPES",
            ["text/html", "application/json", "text/csv", "text/plain", "application/xml", "application/atom+xml"],
        )
        # Streamed answers (large exports) go out as they are, chunk by chunk.
        app.config.setdefault("COMPRESS_STREAMS", False)
        # One per app: Flask-Compress keeps the chosen algorithms on the instance.
        Compress(app)
