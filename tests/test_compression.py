"""Bytes on the wire: pre-compressed static files, compressed HTML (app/compression.py)."""

import gzip
import os
from pathlib import Path

import brotli
import pytest
from flask import make_response, request

from app.compression import precompress_static
from tests.conftest import _base_config, running_app
from tests.helpers import html

ROOT = Path(__file__).resolve().parent.parent
HTMX = ROOT / "static" / "vendor" / "htmx-4.0.1" / "htmx.min.js"


def _htmx_url(client) -> str:
    page = html(client.get("/"))
    return page.split('<script src="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip", "gzip", gzip.decompress),
        ("br;q=0, gzip;q=1", "gzip", gzip.decompress),
    ],
)
def test_static_files_are_sent_pre_compressed_when_accepted(client, accept, encoding, decode):
    url = _htmx_url(client)
    with client.get(url, headers={"Accept-Encoding": accept}) as response:
        body = response.get_data()
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert response.headers["Content-Type"].startswith("text/javascript")
        assert int(response.headers["Content-Length"]) == len(body) < HTMX.stat().st_size / 2
        assert "Accept-Encoding" in response.headers["Vary"]
        # The caching and security headers of every static file stay (app/web.py).
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert decode(body) == HTMX.read_bytes()


def test_static_files_are_sent_as_they_are_otherwise(client):
    url = _htmx_url(client)
    for headers in ({}, {"Accept-Encoding": "identity"}, {"Accept-Encoding": "deflate"}):
        with client.get(url, headers=headers) as response:
            body = response.get_data()
            assert "Content-Encoding" not in response.headers
            assert int(response.headers["Content-Length"]) == len(body) == HTMX.stat().st_size
            assert "Accept-Encoding" in response.headers["Vary"]


def test_each_encoding_has_its_own_etag_and_revalidates(client):
    url = _htmx_url(client)
    etags = {}
    for accept in ("br", "gzip", "identity"):
        with client.get(url, headers={"Accept-Encoding": accept}) as response:
            etags[accept] = response.headers["ETag"]
        with client.get(url, headers={"Accept-Encoding": accept, "If-None-Match": etags[accept]}) as response:
            assert response.status_code == 304
    assert len(set(etags.values())) == 3


def test_precompression_writes_once_and_follows_changes(tmp_path):
    css = tmp_path / "css" / "site.css"
    css.parent.mkdir()
    css.write_text("body { color: black; }\n" * 200)
    (tmp_path / "logo.png").write_bytes(os.urandom(2000))
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("a")
    assert precompress_static(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.rglob("*")) == [
        "css",
        "logo.png",
        "site.css",
        "site.css.br",
        "site.css.gz",
        "tiny.txt",  # compressing one byte saves nothing: no variant
    ]
    assert precompress_static(tmp_path) == 0  # already up to date
    assert (css.parent / "site.css.br").stat().st_mode & 0o777 == css.stat().st_mode & 0o777
    css.write_text("main { margin: 0; }\n" * 200)
    os.utime(css, (css.stat().st_mtime + 10, css.stat().st_mtime + 10))
    assert precompress_static(tmp_path) == 2
    assert gzip.decompress((tmp_path / "css" / "site.css.gz").read_bytes()) == css.read_bytes()


def test_html_is_compressed_when_accepted(client):
    plain = client.get("/propositions/")
    assert "Content-Encoding" not in plain.headers
    for accept, decode in (("gzip, deflate, br", brotli.decompress), ("gzip", gzip.decompress)):
        response = client.get("/propositions/", headers={"Accept-Encoding": accept})
        body = response.get_data()
        assert response.headers["Content-Encoding"] == accept.split(", ")[-1]
        assert int(response.headers["Content-Length"]) == len(body) < len(plain.get_data()) / 3
        assert {"Accept-Encoding", "HX-Request"} <= set(response.headers["Vary"].replace(" ", "").split(","))
        assert decode(body).decode().count("<article") == plain.get_data(as_text=True).count("<article")


def test_html_compression_keeps_etags_and_304_right(database_url):
    with running_app(_base_config(database_url)) as app:

        @app.get("/essai-etag")
        def tagged():
            response = make_response("<p>" + "Bonjour. " * 300 + "</p>")
            response.set_etag("v1")
            return response.make_conditional(request)

        client = app.test_client()
        response = client.get("/essai-etag", headers={"Accept-Encoding": "gzip"})
        # The compressed representation has its own strong ETag (Flask-Compress: "...:gzip").
        assert response.headers["Content-Encoding"] == "gzip" and response.headers["ETag"] == '"v1:gzip"'
        again = client.get("/essai-etag", headers={"Accept-Encoding": "gzip", "If-None-Match": '"v1:gzip"'})
        assert again.status_code == 304 and again.get_data() == b""
        other = client.get("/essai-etag", headers={"If-None-Match": '"v1:gzip"'})
        assert other.status_code == 200 and "Content-Encoding" not in other.headers
        assert client.get("/essai-etag", headers={"If-None-Match": '"v1"'}).status_code == 304


def test_html_compression_can_be_turned_off(database_url):
    with running_app({**_base_config(database_url), "COMPRESS_HTML": False}) as app:
        response = app.test_client().get("/propositions/", headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200
        assert "Content-Encoding" not in response.headers
        # Static files are pre-compressed whatever the setting: it costs nothing per request.
        url = _htmx_url(app.test_client())
        with app.test_client().get(url, headers={"Accept-Encoding": "br"}) as static:
            assert static.headers["Content-Encoding"] == "br"
