"""Form helpers shared by every area: a rejected form comes back whole, with a 422."""

from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_wtf import FlaskForm
from wtforms import EmailField, StringField

from app.errors import RuleError
from app.rendering import is_htmx, render
from app.text import one_line


def strip(value):
    """The filter of multi-line fields: surrounding white space is not part of what was written."""
    return value.strip() if isinstance(value, str) else value


def single_line(value):
    """The filter of every one-line field (titles, names, subjects...): no control character,
    no line break, no bidirectional control (see ``app.text.one_line``), ends trimmed."""
    return one_line(value) if isinstance(value, str) else value


class SingleLineField(StringField):
    """A one-line text field; use it instead of StringField (a test checks every form)."""

    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=(single_line, *filters), **kwargs)


class SingleLineEmailField(EmailField):
    def __init__(self, *args, filters=(), **kwargs):
        super().__init__(*args, filters=(single_line, *filters), **kwargs)


def invalid(template: str, block: str | None = None, status: int = 422, **context) -> Response:
    """Re-render a form that did not validate: what was typed stays, errors are shown, 422
    (429 when a brake, not the input, refused it)."""
    return render(template, block=block, status=status, **context)


def attach(form: FlaskForm, error: RuleError) -> FlaskForm:
    """Put a rule's error next to the field it names, or at the top of the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
    return form


def reject(template: str, form: FlaskForm, error: RuleError, block: str | None = None, **context):
    """Attach a rule's error to its field and re-render the form."""
    attach(form, error)
    return invalid(template, block=block, form=form, **context)


def field_check(form: FlaskForm, template: str = "_field.html"):
    """Inline validation: an htmx POST naming one field (``?valider=title``) gets that field
    back, with its error if any — 200 when valid, 422 when not. Returns None otherwise, and the
    view goes on with a normal submit. Nothing is saved by a check."""
    name = request.args.get("valider")
    if not name or not is_htmx():
        return None
    if name not in form or name == "csrf_token":
        abort(404)
    valid = form[name].validate(form)
    url = url_for(request.endpoint, **(request.view_args or {}), valider=name)
    return render(template, status=200 if valid else 422, f=form[name], validate_url=url)


def check_url(name: str) -> str:
    """The URL a field of the current form posts to when it checks itself."""
    return url_for(request.endpoint, **(request.view_args or {}), valider=name)
