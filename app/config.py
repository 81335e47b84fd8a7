"""Configuration read from the environment, with safe defaults.

``TISSER_ENV`` is ``production`` or ``development`` (default). In production a missing
``SECRET_KEY`` stops the start-up; in development a key is generated once into ``instance/``.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("TISSER_INSTANCE_DIR", PROJECT_ROOT / "instance"))


# --- Rate limits -------------------------------------------------------
# Generous for people, low for robots; "N per minute;M per hour" means both apply. Each one can
# be changed by an environment variable TISSER_RATELIMIT_<NAME> (e.g. TISSER_RATELIMIT_LOGIN).
DEFAULT_RATELIMITS = {
    "login": "10 per minute;60 per hour",
    "register": "10 per minute;60 per hour",
    "password_reset": "5 per minute;20 per hour",
    "comment": "10 per minute;200 per day",
    "support": "60 per minute;1000 per day",
    "report": "10 per minute;50 per day",
    # Inline checks of the registration form (is this address or name taken?): enumeration.
    "register_check": "30 per minute;300 per hour",
    # Actions that send e-mail or notifications with text the sender chose (issue 14, finding 8).
    "invitation": "10 per hour;30 per day",
    "amendment": "10 per hour;50 per day",
    "private_message": "30 per hour;200 per day",
    "association_create": "3 per hour;10 per day",
    # "Renvoyer le lien" of the e-mail confirmation: each one sends a message.
    "verification_email": "3 per hour;10 per day",
    # Changing one's address: each request sends a link to the address typed.
    "email_change": "5 per hour;10 per day",
    # "Recevoir une copie de mes données": each one builds a zip and sends a message.
    "data_export": "5 per hour;20 per day",
    # The public API (app/api), per IP address: generous for a program paging through the data.
    "api": "300 per minute;20000 per day",
}


def _production_settings(env: dict[str, str]) -> dict:
    """Rate limits and reverse proxy."""
    return {
        "RATELIMIT_ENABLED": env.get("RATELIMIT_ENABLED", "1") == "1",
        # database:// counts in Tisser's own database (app/ratelimit_storage.py): one count for every
        # gunicorn worker and every server, nothing to install. Redis is the other shared choice
        # (redis://127.0.0.1:6379/0). memory:// counts per worker: a limit of 10 lets 40 through
        # with 4 workers, fine only for one process.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "database://"),
        # Fixed windows: the only strategy database:// counts (Redis does all of them).
        "RATELIMIT_STRATEGY": env.get("RATELIMIT_STRATEGY", "fixed-window"),
        "RATELIMITS": {
            name: env.get(f"TISSER_RATELIMIT_{name.upper()}", value) for name, value in DEFAULT_RATELIMITS.items()
        },
        # Rendered cards of ideas and proposals kept per worker (app/fragments.py); 0 = off.
        "CARD_CACHE_SIZE": int(env.get("TISSER_CARD_CACHE_SIZE", "4096") or 0),
        # Anonymous pages kept whole (app/page_cache.py): how many per worker (0 = off), how long at
        # most for what depends on the clock alone, and Redis to share them between servers.
        "PAGE_CACHE_SIZE": int(env.get("TISSER_PAGE_CACHE_SIZE", "2048") or 0),
        "PAGE_CACHE_SECONDS": int(env.get("TISSER_PAGE_CACHE_SECONDS", "300") or 300),
        "PAGE_CACHE_REDIS_URL": env.get("TISSER_PAGE_CACHE_REDIS_URL", ""),
        # Behind nginx: trust this many proxies for the client address and the scheme (https).
        "PROXY_FIX": int(env.get("TISSER_PROXY_FIX", "0") or 0),
        # X-Forwarded-Host is trusted only when asked: nginx sets Host itself, and a client-sent
        # X-Forwarded-Host would otherwise choose the host of every URL the site builds.
        "PROXY_FIX_HOST": int(env.get("TISSER_PROXY_FIX_HOST", "0") or 0),
        # Compress HTML (and JSON, CSV) answers with brotli or gzip (app/compression.py). On by
        # default: gunicorn alone compresses nothing; turn it off (0) behind a proxy that does.
        "COMPRESS_HTML": env.get("TISSER_COMPRESS_HTML", "1") == "1",
    }


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration cannot be used safely."""


def _dev_secret_key(instance_dir: Path) -> str:
    key_file = instance_dir / "secret_key"
    if not key_file.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        # Written aside (mkstemp: only the owner may read it), then linked into place: processes
        # starting together (gunicorn or test workers) agree on one key and never read half a file.
        fd, draft = tempfile.mkstemp(dir=instance_dir, prefix=".secret_key-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
            try:
                os.link(draft, key_file)
            except FileExistsError:
                pass  # another process was first: its key is the one
        finally:
            os.unlink(draft)
    return key_file.read_text().strip()


def _database_url(env: dict[str, str], instance_dir: Path) -> str:
    url = env.get("DATABASE_URL", "").strip()
    if not url:
        instance_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_dir / 'tisser.sqlite3'}"
    # Heroku-style URLs name neither the dialect nor the driver SQLAlchemy should use.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _trusted_hosts(env: dict[str, str], production: bool, base_url: str) -> list[str] | None:
    """Host names the site answers to (Flask's ``TRUSTED_HOSTS``; others get 400).

    In production: the host of ``TISSER_BASE_URL``, or the comma-separated
    ``TISSER_TRUSTED_HOSTS``. In development every host is accepted (127.0.0.1, localhost...)."""
    listed = [h.strip() for h in env.get("TISSER_TRUSTED_HOSTS", "").split(",") if h.strip()]
    if listed:
        return listed
    if not production:
        return None
    host = urlsplit(base_url).hostname
    return [host] if host else None


def from_env(env: dict[str, str] | None = None) -> dict:
    env = dict(os.environ if env is None else env)
    production = env.get("TISSER_ENV", "development") == "production"
    instance_dir = Path(env.get("TISSER_INSTANCE_DIR", INSTANCE_DIR))

    secret = env.get("SECRET_KEY", "").strip()
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY est obligatoire en production (TISSER_ENV=production) : "
                "définissez une valeur longue et aléatoire, par exemple "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`."
            )
        secret = _dev_secret_key(instance_dir)

    base_url = env.get("TISSER_BASE_URL", "http://127.0.0.1:8000")
    return {
        "TISSER_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(env, instance_dir),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # The outbox is readable by admins except in production, where mail really leaves.
        "OUTBOX_READABLE": env.get("TISSER_OUTBOX_READABLE", "0" if production else "1") == "1",
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "587")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": env.get("MAIL_USE_TLS", "1") == "1",
        "MAIL_FROM": env.get("MAIL_FROM", "Tisser <ne-pas-repondre@tisser.localhost>"),
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        # "Rester connecté": a month, then log in again. The server refuses older logins too (the
        # date is in the session id), so a copied cookie does not outlive it.
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("TISSER_REMEMBER_DAYS", "30"))),
        # A token valid for the whole session: nobody loses a long text to an expired form.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_I18N_ENABLED": True,
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Paris",
        # The catalogues sit beside app/, not in it (Flask-Babel looks in app/translations otherwise).
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "PASSWORD_HASH_METHOD": "scrypt",
        # The public address used in e-mails (links must work outside the site).
        "TISSER_BASE_URL": base_url,
        "TRUSTED_HOSTS": _trusted_hosts(env, production, base_url),
        "PASSWORD_RESET_MAX_AGE": int(env.get("TISSER_PASSWORD_RESET_MAX_AGE", "3600")),
        "EMAIL_VERIFICATION_MAX_AGE": int(env.get("TISSER_EMAIL_VERIFICATION_MAX_AGE", str(3 * 86400))),
        # How long the link confirming a new e-mail address stays valid (seconds).
        "EMAIL_CHANGE_MAX_AGE": int(env.get("TISSER_EMAIL_CHANGE_MAX_AGE", str(86400))),
        "INVITATION_MAX_AGE_DAYS": int(env.get("TISSER_INVITATION_MAX_AGE_DAYS", "7")),
        # Static URLs carry a content hash (see ``asset_url``), so they can be cached for long.
        "SEND_FILE_MAX_AGE_DEFAULT": timedelta(days=365),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        **_production_settings(env),
        # --- Moderation ---
        # Distinct reports after which an item is hidden at once, pending review.
        "MODERATION_HIDE_THRESHOLD": int(env.get("TISSER_MODERATION_HIDE_THRESHOLD", "3")),
        # Spam brakes: accounts created per network address and per hour; ideas and comments per
        # hour of an account younger than a day.
        "REGISTRATIONS_PER_ADDRESS_PER_HOUR": int(env.get("TISSER_REGISTRATIONS_PER_ADDRESS_PER_HOUR", "5")),
        "NEW_ACCOUNT_POSTS_PER_HOUR": int(env.get("TISSER_NEW_ACCOUNT_POSTS_PER_HOUR", "10")),
        **_retention_settings(env),
        **_attachment_settings(env, instance_dir),
    }


def _retention_settings(env: dict[str, str]) -> dict:
    """How long personal data is kept (``flask retention purge``, daily). The "Données
    personnelles" page states these values: change them here, the page follows."""
    return {
        # An account whose address was never confirmed: a typo or a robot, never a participant.
        "RETENTION_UNVERIFIED_ACCOUNT_DAYS": int(env.get("TISSER_RETENTION_UNVERIFIED_ACCOUNT_DAYS", "30")),
        "RETENTION_NOTIFICATION_DAYS": int(env.get("TISSER_RETENTION_NOTIFICATION_DAYS", "180")),
        # Sent e-mails: long enough to answer "did it leave?", not an archive of everyone's mail.
        "RETENTION_SENT_EMAIL_DAYS": int(env.get("TISSER_RETENTION_SENT_EMAIL_DAYS", "30")),
        # Network addresses of registrations (the spam brake only looks one hour back).
        "RETENTION_REGISTRATION_ATTEMPT_DAYS": int(env.get("TISSER_RETENTION_REGISTRATION_ATTEMPT_DAYS", "1")),
        # A copy of one's data: the link (and the file) lives this long.
        "DATA_EXPORT_DAYS": int(env.get("TISSER_DATA_EXPORT_DAYS", "7")),
        # Up to this many rows, the copy is built during the request; beyond, by ``flask exports build``.
        "DATA_EXPORT_INLINE_ROWS": int(env.get("TISSER_DATA_EXPORT_INLINE_ROWS", "5000")),
    }


def _attachment_settings(env: dict[str, str], instance_dir: Path) -> dict:
    """Attachments (app/attachments): limits, where they are stored, the optional virus scan."""
    mb = 1024 * 1024
    per_file = int(env.get("TISSER_ATTACHMENT_MAX_MB", "10")) * mb
    per_proposal = int(env.get("TISSER_ATTACHMENTS_MAX_TOTAL_MB", "30")) * mb
    return {
        "ATTACHMENT_MAX_BYTES": per_file,
        # Per proposal, and per association profile.
        "ATTACHMENTS_MAX_TOTAL_BYTES": per_proposal,
        # Any request: one upload form's worth of files and a little more; bigger ones get a 413.
        "MAX_CONTENT_LENGTH": per_proposal + mb,
        # "local" (the instance folder) or "s3" (any S3-compatible object storage; credentials
        # come from boto3's usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables).
        "ATTACHMENTS_STORAGE": env.get("TISSER_ATTACHMENTS_STORAGE", "local"),
        "ATTACHMENTS_DIR": env.get("TISSER_ATTACHMENTS_DIR", str(instance_dir / "attachments")),
        "ATTACHMENTS_S3_BUCKET": env.get("TISSER_ATTACHMENTS_S3_BUCKET", ""),
        "ATTACHMENTS_S3_ENDPOINT_URL": env.get("TISSER_ATTACHMENTS_S3_ENDPOINT_URL", ""),
        "ATTACHMENTS_S3_REGION": env.get("TISSER_ATTACHMENTS_S3_REGION", ""),
        # clamd's Unix socket (e.g. /run/clamav/clamd.ctl): empty means no virus scan.
        "CLAMD_SOCKET": env.get("CLAMD_SOCKET", ""),
    }
