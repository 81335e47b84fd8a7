"""The route fuzzer (issue 14): every route of ``app.url_map``, every method, for anonymous visitors
and each role, with hostile path segments, query strings and form bodies. Any 5xx fails.

What is sent to a view is found by reading it: the names its source reads from ``request.args``,
``request.form`` and ``request.values`` (directly or through app/inputs.py), the fields of the
WTForms classes it builds (with their prefixes), and the names the shared helpers read for every
page (comment threads, search filters, ranking filters). Values come from hostile families (huge and
negative integers, NUL bytes, invalid UTF-8, 1 MB strings, duplicated parameters, numbers that are
not numbers, dates out of range); which families a (route, role) gets is drawn from a seeded
random generator, so a failure replays exactly. Bounded: a few requests per route and role.

Runs on the demo data set (the same the audit used): real ids and slugs reach the views.
"""

from __future__ import annotations

import inspect
import random
import re
import time
import traceback
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.routing import AnyConverter, IntegerConverter
from wtforms.fields.core import UnboundField

from app import models as m
from app.demo import load_demo
from app.extensions import db
from tests.conftest import _base_config, running_app

SEED = 14
APP_DIR = Path(__file__).resolve().parent.parent / "app"
ROLES = {
    "anonymous": None,
    "resident": "habitant1@tisser.demo",
    "member": "asso.bassin@tisser.demo",
    "moderator": "moderation.medoc@tisser.demo",
    "admin": "admin@tisser.demo",
}
# Requests with hostile parameters per route, method and role (plus one with a hostile path).
FAMILIES_PER_ROLE = 2
MEGABYTE = "A" * 1_000_000
HUGE = "99999999999999999999"

# Hostile parameter values, by family. bytes are sent as they are (invalid UTF-8).
FAMILIES: dict[str, list[str | bytes]] = {
    "huge": [HUGE],
    "int64+1": [str(2**63)],
    "negative": ["-1"],
    "int64-": [str(-(2**63) - 1)],
    "nul": ["1\x00", "\x00"],
    "utf8": [b"\xff\xfe\xc3("],
    "megabyte": [MEGABYTE],
    "duplicated": ["1", HUGE],
    "not-a-number": ["nan"],
    "floats": ["1e308"],
    "decimal": ["1.0"],
    "unicode-digits": ["²", "٣"],
    "date": ["0001-01-01T00:00"],
    "empty": [""],
    "bidi": ["\u202eevil\u200b"],
    "long-digits": ["9" * 5000],
}

# Path segments: NUL, invalid UTF-8, very long (an int segment gets HUGE).
HOSTILE_SEGMENTS: list[str | bytes] = ["x\x00", b"\xff\xfe", "x" * 5000, "../../etc/passwd"]

# Names read by helpers shared by many pages (not in the views' own source).
_READ = re.compile(
    r"""(?:request\.(?:args|form|values)|\bargs|\bvalues)\.get(?:list)?\(\s*f?["']([\w\-{}.]+)["']"""
    r"""|(?:int_value|page_value)\(\s*(?:request\.\w+|args|values)\s*,\s*["']([\w\-]+)["']"""
)
_FORM = re.compile(r"\b([A-Z]\w*Form)\((?:[^()]*prefix=([^,)]+))?")
_SEGMENT = re.compile(r"<(?:[^<>]+:)?(\w+)>")


def _names_in(source: str) -> set[str]:
    names = set()
    for match in _READ.finditer(source):
        name = match.group(1) or match.group(2)
        # f"score-{c.id}": the criteria of the demo call have small ids.
        names.add(re.sub(r"\{[^}]*\}", "1", name))
    if "page_value(" in source:
        names.add("page")
    return names


def _form_fields(form_class) -> set[str]:
    return {name for name in dir(form_class) if isinstance(getattr(form_class, name, None), UnboundField)}


def _form_names(source: str, namespace: dict) -> set[str]:
    names = set()
    for match in _FORM.finditer(source):
        form_class = namespace.get(match.group(1))
        if not isinstance(form_class, type):
            continue
        fields = _form_fields(form_class)
        prefixes = {""}
        literal = (match.group(2) or "").strip()
        if re.fullmatch(r"""["'][\w\-]*["']""", literal):
            prefixes = {literal.strip("\"'")}
        elif literal:  # a computed prefix: the comment forms' and the report forms'
            prefixes = {"commentaire-", "reponse-1-", "page-", "modal-"}
        for prefix in prefixes:
            if prefix and not prefix.endswith("-"):
                prefix += "-"
            names |= {prefix + field for field in fields}
    return names


def _shared_names() -> set[str]:
    names = set()
    for path in APP_DIR.rglob("*.py"):
        if not path.name.endswith("routes.py"):
            names |= _names_in(path.read_text())
    return names


def view_parameters(app: Flask) -> dict[str, list[str]]:
    """For each endpoint: the parameter names its view reads, then those shared helpers read."""
    shared = _shared_names()
    found = {}
    for endpoint, view in app.view_functions.items():
        view = inspect.unwrap(view)
        try:
            source = inspect.getsource(view)
        except (OSError, TypeError):
            source = ""
        own = _names_in(source) | _form_names(source, getattr(view, "__globals__", {}))
        own.discard("csrf_token")
        found[endpoint] = sorted(own) + sorted(shared - own)
    return found


# --- Path values -------------------------------------------------------------------------------

_MODELS_BY_ARG = {
    "idea_id": m.Idea,
    "proposal_id": m.Proposal,
    "related_id": m.Proposal,
    "comment_id": m.Comment,
    "user_id": m.User,
    "submission_id": m.Submission,
    "amendment_id": m.Amendment,
    "assignment_id": m.Assignment,
    "case_id": m.ModerationCase,
    "coauthor_id": m.ProposalCoauthor,
    "indicator_id": m.Indicator,
    "invitation_id": m.Invitation,
    "membership_id": m.Membership,
    "message_id": m.PrivateMessage,
    "notification_id": m.Notification,
    "partner_id": m.Partner,
}
_SLUGS_BY_PREFIX = {"appels": m.Call, "associations": m.Association, "territoires": m.Pole, "moderation": m.Pole}


@dataclass
class PathValues:
    ids: dict[str, str]
    slugs: dict[str, str]

    @classmethod
    def from_database(cls) -> PathValues:
        ids = {}
        for arg, model in _MODELS_BY_ARG.items():
            ids[arg] = str(db.session.scalar(select(func.min(model.id))) or 1)
        slugs = {}
        for prefix, model in _SLUGS_BY_PREFIX.items():
            slugs[prefix] = db.session.scalar(select(model.slug).order_by(model.id).limit(1)) or "x"
        return cls(ids, slugs)

    def url(self, rule, hostile: str | bytes | None = None) -> str:
        """The rule's URL with real values, or with ``hostile`` in every non-``any`` segment."""
        prefix = rule.rule.strip("/").split("/")[0]

        def value(match: re.Match) -> str:
            name = match.group(1)
            converter = rule._converters[name]
            if isinstance(converter, AnyConverter):
                return sorted(converter.items)[0]
            if hostile is not None:
                return urllib.parse.quote(hostile if not isinstance(converter, IntegerConverter) else HUGE, safe="")
            if isinstance(converter, IntegerConverter):
                return self.ids.get(name, "1")
            if name == "slug":
                return self.slugs.get(prefix, "x")
            if name == "field":
                return "email"
            return "x"

        return _SEGMENT.sub(value, rule.rule)


# --- The run -----------------------------------------------------------------------------------


def _quoted(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode()
    return urllib.parse.quote_from_bytes(raw, safe="")


# Quoted once: quoting a megabyte for every request would cost more than the requests.
_QUOTED = {family: [_quoted(v) for v in values] for family, values in FAMILIES.items()}


def _query(names: list[str], family: str) -> str:
    """The URL-encoded parameters: every name gets the family's values (each value once: a family
    of two values duplicates the parameter); a megabyte goes to three names only (memory, time)."""
    pairs = []
    for n, name in enumerate(names):
        values = _QUOTED[family] if family != "megabyte" or n < 3 else ["1"]
        pairs += [f"{urllib.parse.quote(name)}={v}" for v in values]
    return "&".join(pairs)


@pytest.fixture
def fuzz_app(database_url):
    config = {
        **_base_config(database_url),
        # The fuzzer wants to reach the views: CSRF is tested in tests/test_csrf.py.
        "WTF_CSRF_ENABLED": False,
    }
    with running_app(config) as app:
        yield app


def test_no_route_answers_5xx_to_hostile_input(fuzz_app, capsys):
    load_demo()
    users = {role: db.session.scalar(select(m.User).where(m.User.email == email)) for role, email in ROLES.items()}
    paths = PathValues.from_database()
    parameters = view_parameters(fuzz_app)
    rules = sorted(
        (r for r in fuzz_app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: (r.rule, r.endpoint)
    )
    rng = random.Random(SEED)
    families = list(FAMILIES)
    failures: list[str] = []
    sent: list[str] = []
    statuses: dict[int, int] = {}
    start, cpu = time.perf_counter(), time.process_time()

    def send(client, method: str, url: str, query: str, htmx: bool, label: str) -> None:
        sent.append(label)
        headers = {"HX-Request": "true"} if htmx else {}
        try:
            if method == "GET":
                response = client.open(f"{url}?{query}", method="GET", headers=headers)
            else:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                response = client.open(url, method=method, data=query.encode(), headers=headers)
            status = response.status_code
            statuses[status // 100] = statuses.get(status // 100, 0) + 1
            response.close()
        except Exception:  # noqa: BLE001  (TESTING re-raises what would be a 500)
            failures.append(f"{label}: {traceback.format_exc(limit=-3)}")
            return
        if status >= 500:
            failures.append(f"{label}: {status}")

    for rule in rules:
        names = parameters.get(rule.endpoint, [])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for role, user in users.items():
                client = fuzz_app.test_client()
                chosen = rng.sample(families, FAMILIES_PER_ROLE)
                attempts = [(paths.url(rule), family) for family in chosen]
                if rule.arguments - {"slug"} or "<slug>" in rule.rule:
                    hostile = rng.choice(HOSTILE_SEGMENTS)
                    attempts.append((paths.url(rule, hostile=hostile), "empty"))
                for url, family in attempts:
                    if user is not None:
                        client.login_as(user)  # a logout or a suspension earlier must not change the role
                    htmx = rng.random() < 0.3
                    label = f"{method} {url[:120]} as {role}, {family}{' (htmx)' if htmx else ''}"
                    send(client, method, url, _query(names, family), htmx, label)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    with capsys.disabled():
        by_class = ", ".join(f"{k}xx: {v}" for k, v in sorted(statuses.items()))
        print(
            f"\n[route fuzzer] {len(sent)} requests over {len(rules)} routes in {elapsed:.1f} s "
            f"({cpu:.1f} s of CPU): {by_class}; {len(failures)} failed"
        )
    assert not failures, "\n".join(failures[:40]) + f"\n… {len(failures)} in all"
