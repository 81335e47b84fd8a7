"""No open redirect: every destination read from the request goes through app/urls.py's
``safe_next`` (issue 14, finding 10)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.urls import safe_next
from tests import factories

HOSTILE = [
    "https://evil.example",
    "//evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\t//evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
    "/\x00/evil.example",
    "/\u3000/evil.example",
]


@pytest.mark.parametrize("target", HOSTILE)
def test_safe_next_refuses_anything_off_the_site(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ["/", "/idees/3", "/idees/3?page=2#c5", "/recherche?q=caf%C3%A9"])
def test_safe_next_keeps_paths_of_the_site(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", ["https://evil.example", "/\t/evil.example", "//evil.example"])
def test_following_never_redirects_off_the_site(app, territory, resident, target):
    idea = factories.make_idea(resident, territory.medoc_commune)
    client = app.test_client().login_as(resident)
    response = client.post(f"/idees/{idea.id}/suivre", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/idees/{idea.id}"
    # A path of the site is still honoured.
    response = client.post(f"/idees/{idea.id}/suivre", data={"next": "/fil"})
    assert response.headers["Location"] == "/fil"


def test_every_destination_read_from_the_request_is_checked():
    """The class of bug: a view reading ``next``/``retour`` must pass it through safe_next."""
    root = Path(__file__).resolve().parent.parent / "app"
    offenders = []
    for path in root.rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            reads = re.search(r"request\.\w+\.get\(\s*[\"'](next|retour|back|return_to)[\"']", line)
            if (reads and not re.search(r"safe_next|redirect_back", line)) or "redirect(request." in line:
                offenders.append(f"{path.relative_to(root)}:{number}: {line.strip()}")
    assert offenders == []
