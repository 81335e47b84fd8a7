"""Version counters of what anonymous pages show (app/page_cache.py)."""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class CacheVersion(db.Model):
    """One counter per subject ("proposal:12"), per list ("list:proposal") and for the whole site.

    Bumped in the same transaction as the change, read on every cached request: every worker and
    every server sees an invalidation as soon as the change is committed.
    """

    __tablename__ = "cache_versions"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
