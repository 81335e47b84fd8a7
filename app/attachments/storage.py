"""Where the files' bytes live, behind one small interface.

``LocalStorage`` (default) keeps them under the instance folder; ``S3Storage`` in any
S3-compatible object storage (docs/deploiement.md). Keys are random ids made by the caller.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol

from flask import current_app

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    # Keys are ours (secrets.token_urlsafe), but a path must never come from anywhere else.
    if not _KEY.match(key):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        key = _checked(key)
        # Two levels of folders: no directory with a hundred thousand entries.
        return self.root / key[:2] / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(path.name + ".part")
        draft.write_bytes(data)
        os.replace(draft, path)  # never a half-written file under the final name

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, client) -> None:
        self.bucket = bucket
        self.client = client

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=_checked(key), Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=_checked(key))["Body"].read()
        except self.client.exceptions.NoSuchKey:
            raise FileNotFoundError(key) from None

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=_checked(key))


def from_config(config) -> Storage:
    if config.get("ATTACHMENTS_STORAGE", "local") == "s3":
        import boto3  # only deployments on object storage need it loaded

        client = boto3.client(
            "s3",
            endpoint_url=config.get("ATTACHMENTS_S3_ENDPOINT_URL") or None,
            region_name=config.get("ATTACHMENTS_S3_REGION") or None,
        )
        return S3Storage(config["ATTACHMENTS_S3_BUCKET"], client)
    return LocalStorage(config["ATTACHMENTS_DIR"])


def current() -> Storage:
    """One storage object per app (a boto3 client is costly to build and safe to share)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    storage = app.extensions.get("tisser_attachments")
    if storage is None:
        storage = app.extensions["tisser_attachments"] = from_config(app.config)
    return storage
