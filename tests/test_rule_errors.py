"""One base for every rule error (app/errors.py): ``message`` an attribute, optional ``field``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from app.accompaniment.services import AccompanimentError
from app.associations.services import AssociationError, InvitationError
from app.attachments.services import AttachmentError
from app.auth.services import AccountError
from app.calls.services import CallError
from app.comments.services import CommentError
from app.errors import RuleError
from app.forms import attach
from app.moderation.services import ModerationError
from app.proposals.amendments import AmendmentError
from app.proposals.coauthors import CoauthorError
from app.proposals.services import Frozen, Incomplete
from app.proposals.states import InvalidTransition
from app.supports.services import SupportRefused

APP = Path(__file__).resolve().parent.parent / "app"
# Not rule errors: a broken configuration stops the process before any request.
# Nor is clamd not answering (the file is then refused with an AttachmentError of its own).
NOT_RULES = {"ConfigError", "ScanUnavailable"}

SAME_SIGNATURE = [
    AccompanimentError,
    AccountError,
    AssociationError,
    InvitationError,
    CallError,
    CommentError,
    ModerationError,
    AmendmentError,
    CoauthorError,
    Frozen,
    Incomplete,
    SupportRefused,
    AttachmentError,
]


def test_every_error_class_of_the_app_derives_from_the_one_base():
    strays = []
    for path in APP.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ClassDef):
                continue
            where = f"{path.relative_to(APP)}: {node.name}"
            bases = {ast.unparse(b) for b in node.bases}
            if bases & {"Exception", "ValueError", "RuntimeError"} and node.name not in NOT_RULES | {"RuleError"}:
                strays.append(where)
            # ``message`` is an attribute everywhere, never a method.
            assert "message" not in {f.name for f in node.body if isinstance(f, ast.FunctionDef)}, where
    assert strays == []


@pytest.mark.parametrize("cls", SAME_SIGNATURE, ids=lambda c: c.__name__)
def test_one_signature_message_then_field(cls):
    error = cls("Un message en français.", "title")
    assert isinstance(error, RuleError)
    assert (error.message, error.field, str(error)) == ("Un message en français.", "title", "Un message en français.")
    assert cls("Sans champ.").field == ""


def test_transition_errors_carry_a_french_message():
    assert "pas possible" in InvalidTransition("publish").message
    assert InvitationError("Expirée.", status=404).status == 404


def test_attach_puts_the_error_next_to_its_field_or_on_top(app):
    from app.calls.forms import SendBackForm

    form = SendBackForm(formdata=None)
    attach(form, CallError("Trop court.", "message"))
    attach(form, CallError("Les résultats sont publiés."))
    assert form.message.errors == ["Trop court."]
    assert form.form_errors == ["Les résultats sont publiés."]
