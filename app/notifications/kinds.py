"""The kinds of events people are notified of: the one list, with labels and e-mail defaults.

Code that calls ``notify`` passes one of these names. An unknown name still works (in-app and
daily digest by default) but people cannot set a preference for it: add it here.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.identity import lazy
from app.models import EmailMode


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # lazy French string
    default: EmailMode


KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind("comment", _l("Un commentaire sur mon idée ou ma proposition"), EmailMode.DAILY),
        Kind("reply", _l("Une réponse à mon commentaire"), EmailMode.DAILY),
        Kind("idea_taken_up", _l("Une association reprend mon idée"), EmailMode.IMMEDIATE),
        Kind("moderation", _l("Une décision de modération me concernant"), EmailMode.IMMEDIATE),
        Kind("invitation", _l("Une invitation à rejoindre une association ou une proposition"), EmailMode.IMMEDIATE),
        Kind("amendment", _l("Une modification proposée sur une proposition que je rédige"), EmailMode.DAILY),
        Kind("evaluation", _l("Une décision sur une proposition déposée à un appel"), EmailMode.IMMEDIATE),
        Kind("followed", _l("L'activité de ce que je suis"), EmailMode.DAILY),
        Kind(
            "accompaniment",
            lazy(lambda i: _("L'accompagnement de mes propositions par %(a_unit)s", a_unit=i.unit.a)),
            EmailMode.IMMEDIATE,
        ),
        Kind(
            "roles", _l("Un rôle qu'on me confie ou me retire, la vérification de mon association"), EmailMode.IMMEDIATE
        ),
    )
}

# The precise events the code notifies, each under the kind people set a preference for.
EVENTS: dict[str, str] = {
    "comment_new": "comment",
    "comment_reply": "reply",
    "coauthor_invitation": "invitation",
    "coauthor_answer": "invitation",
    "coauthor_removed": "invitation",
    "amendment_suggested": "amendment",
    "amendment_answered": "amendment",
    "account_suspended": "moderation",
    "account_unsuspended": "moderation",
    "suspension_proposed": "moderation",
    "accompaniment_requested": "accompaniment",
    "accompaniment_decided": "accompaniment",
    "referent_named": "accompaniment",
    "private_message": "accompaniment",
    "idea_funded": "idea_taken_up",
    "project_funded": "followed",
    "evaluation_assigned": "evaluation",
    "role_changed": "roles",
    "association_verified": "roles",
    "association_refused": "roles",
}


def category(kind: str) -> str:
    """The preference kind an event belongs to (moderation decisions are ``moderation_<action>``)."""
    if kind in KINDS:
        return kind
    if kind.startswith("moderation_"):
        return "moderation"
    return EVENTS.get(kind, kind)


MODE_LABELS = {
    EmailMode.IMMEDIATE: _l("Immédiatement"),
    EmailMode.DAILY: _l("Dans un résumé quotidien"),
    EmailMode.NEVER: _l("Jamais"),
}


def default_mode(kind: str) -> EmailMode:
    known = KINDS.get(category(kind))
    return known.default if known else EmailMode.DAILY
