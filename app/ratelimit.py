"""Rate limits on the actions a robot would repeat: log-in, registration (and its inline checks),
password reset, comments, supports, reports, and whatever sends e-mail with text the sender
chose: invitations, amendments, private messages, new associations, confirmation e-mails.

One decorator, ``rate_limit(name)``, applies the limit called ``name`` to the POST requests of a
view. The values come from the configuration (``RATELIMITS``, each overridable by an environment
variable ``TISSER_RATELIMIT_<NAME>``, see app/config.py), read at request time. Limits on
anonymous forms count per IP address (behind nginx, set ``TISSER_PROXY_FIX=1`` so that the
address is the visitor's); limits on logged-in actions count per account. Limits sharing a name
share one budget, whatever the view: ``@rate_limit("report")`` on several report views counts
every report together.

A request over the limit gets 429 with ``Retry-After`` and the French error page (a fragment for
htmx), see ``too_many_requests`` in app/web.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from flask import current_app
from flask_limiter.util import get_remote_address
from flask_login import current_user

from app.config import DEFAULT_RATELIMITS as DEFAULT_LIMITS
from app.extensions import limiter

# Limits on forms filled in before logging in: counted per IP address.
ANONYMOUS_LIMITS = frozenset({"login", "register", "register_check", "password_reset"})


def account_or_ip() -> str:
    if current_user.is_authenticated:
        # The account number only: the session id changes with the password, the budget does not.
        return f"user:{current_user.id}"
    return f"ip:{get_remote_address()}"


def _limit_value(name: str) -> Callable[[], str]:
    return lambda: current_app.config["RATELIMITS"][name]


def rate_limit(name: str, per_account: bool | None = None):
    """Limit the POST requests of the decorated view with the limit called ``name``.

    ``per_account`` (default: every limit except the anonymous forms) counts per logged-in
    account instead of per IP address."""
    if name not in DEFAULT_LIMITS:
        raise KeyError(f"unknown rate limit {name!r}: add it to DEFAULT_LIMITS")
    if per_account is None:
        per_account = name not in ANONYMOUS_LIMITS
    return limiter.shared_limit(
        _limit_value(name),
        scope=name,
        key_func=account_or_ip if per_account else get_remote_address,
        methods=["POST"],
    )


def retry_after_seconds() -> int:
    """Seconds before the limit just hit lets this visitor through again (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 60
    return max(1, math.ceil(current.reset_at - time.time()))


def api_limit():
    """The public API's limit (``api``): GET requests, per IP address (the API is the same for
    everyone, see app/api/services.py). A 429 there is problem+json (app/api/routes.py)."""
    return limiter.shared_limit(_limit_value("api"), scope="api", key_func=get_remote_address, methods=["GET"])
