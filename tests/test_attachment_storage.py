"""Both storage back-ends behind one interface, and the clamd client against a fake clamd.

S3: moto's server mode (``moto[server]``, from PyPI) is a real S3-compatible HTTP server started
here on a local port; boto3 talks to it exactly as to any S3-compatible storage (endpoint URL,
credentials, bucket). No AWS account or network is involved.
"""

from __future__ import annotations

import os
import socketserver
import struct
import threading
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from app.attachments import scan, storage
from tests import attachment_samples as s

KEY = "k" * 20


def _round_trip(store: storage.Storage) -> None:
    store.put(KEY, s.PDF, "application/pdf")
    assert store.get(KEY) == s.PDF
    store.put(KEY, b"%PDF-1.7 replaced", "application/pdf")
    assert store.get(KEY) == b"%PDF-1.7 replaced"
    store.delete(KEY)
    # Both back-ends say "missing" the same way (the download route answers 404).
    with pytest.raises(FileNotFoundError):
        store.get(KEY)


def test_local_storage_names_files_by_key_only(tmp_path: Path):
    store = storage.LocalStorage(tmp_path)
    store.put(KEY, s.PDF, "application/pdf")
    assert [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()] == [f"kk/{KEY}"]
    _round_trip(store)
    store.delete(KEY)  # deleting twice is fine


@pytest.mark.parametrize("key", ["../../etc/passwd", "short", "a/b" * 10, ""])
def test_storage_refuses_keys_that_are_not_ours(tmp_path: Path, key: str):
    with pytest.raises(ValueError):
        storage.LocalStorage(tmp_path).put(key, b"x", "text/plain")


@pytest.fixture
def s3_server(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def test_s3_storage_against_a_local_s3_compatible_server(s3_server: str):
    client = boto3.client("s3", endpoint_url=s3_server, region_name="eu-west-3")
    client.create_bucket(Bucket="tisser", CreateBucketConfiguration={"LocationConstraint": "eu-west-3"})
    store = storage.from_config(
        {
            "ATTACHMENTS_STORAGE": "s3",
            "ATTACHMENTS_S3_BUCKET": "tisser",
            "ATTACHMENTS_S3_ENDPOINT_URL": s3_server,
            "ATTACHMENTS_S3_REGION": "eu-west-3",
        }
    )
    assert isinstance(store, storage.S3Storage)
    store.put(KEY, s.PDF, "application/pdf")
    head = client.head_object(Bucket="tisser", Key=KEY)
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == len(s.PDF)
    _round_trip(store)


# --- clamd -----------------------------------------------------------------------------------------------


class FakeClamd(socketserver.StreamRequestHandler):
    """Speaks clamd's INSTREAM: reads the chunks, answers FOUND for the EICAR test string."""

    def handle(self):
        assert self.rfile.read(10) == b"zINSTREAM\0"
        data = b""
        while True:
            (size,) = struct.unpack("!L", self.rfile.read(4))
            if size == 0:
                break
            data += self.rfile.read(size)
        found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in data
        self.wfile.write(b"stream: Eicar-Signature FOUND\0" if found else b"stream: OK\0")


@pytest.fixture
def clamd_socket(tmp_path_factory):
    # A short path: Unix socket paths are limited to about 100 bytes.
    path = os.path.join(tmp_path_factory.mktemp("clamd"), "c.sock")
    server = socketserver.ThreadingUnixStreamServer(path, FakeClamd)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_clamd_client_finds_the_eicar_string_and_passes_a_clean_file(clamd_socket: str):
    assert scan.scan(clamd_socket, b"%PDF-1.4 " + s.EICAR) == "Eicar-Signature"
    # Several chunks: the stream is cut at 64 KiB.
    assert scan.scan(clamd_socket, s.PDF + b" " * 200_000) is None


def test_clamd_that_does_not_answer_is_an_error_not_a_pass(tmp_path: Path):
    with pytest.raises(scan.ScanUnavailable):
        scan.scan(str(tmp_path / "missing.sock"), s.PDF)
