"""One-line fields never carry control characters or line breaks (issue 14, finding 2): a title
with "\\r\\nBcc:" once reached an e-mail subject and blocked the whole outbox."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.meta import DefaultMeta

import app as app_package
from app.extensions import db
from app.forms import single_line
from app.models import Idea
from app.text import one_line
from tests.test_ideas import _form


def _all_forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(app_package.__path__, "app."):
        importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        todo += form.__subclasses__()
        if form.__module__.startswith("app."):
            found.append(form)
    return found


def test_every_single_line_field_of_every_form_uses_the_shared_filter():
    """The class of bug: a new StringField without the filter fails here."""
    forms = _all_forms()
    assert len(forms) >= 20
    missing = []
    for form in forms:
        for name in dir(form):
            unbound = getattr(form, name)
            if not isinstance(unbound, UnboundField) or not issubclass(unbound.field_class, StringField):
                continue
            if issubclass(unbound.field_class, (TextAreaField, PasswordField, HiddenField)):
                continue
            field = unbound.bind(form=None, name=name, _meta=DefaultMeta(), translations=None)
            if single_line not in field.filters:
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    assert missing == []


@pytest.mark.parametrize(
    "raw,clean",
    [
        ("Titre\r\nBcc: victim@example.org", "Titre Bcc: victim@example.org"),
        ("  Jardins\tpartagés\x00 ", "Jardins partagés"),
        ("Une\u2028ligne\x85de plus", "Une ligne de plus"),
        ("\u202eCafé solidaire\u202c", "Café solidaire"),
        ("Café · « solidaire » !", "Café · « solidaire » !"),
    ],
)
def test_one_line(raw, clean):
    assert one_line(raw) == clean


def test_a_title_with_a_line_break_is_saved_on_one_line(resident_client, territory):
    data = _form(territory, title="Titre\r\nBcc: victim@example.org")
    assert resident_client.post("/idees/nouvelle", data=data).status_code == 302
    assert db.session.scalar(select(Idea.title)) == "Titre Bcc: victim@example.org"
