"""Form helpers shared by every area: a rejected form comes back whole, with a 422."""

from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_wtf import FlaskForm

from app.rendering import is_htmx, render


def invalid(template: str, block: str | None = None, status: int = 422, **context) -> Response:
    """Re-render a form that did not validate: what was typed stays, errors are shown, 422
    (429 when a brake, not the input, refused it)."""
    return render(template, block=block, status=status, **context)


def reject(template: str, form: FlaskForm, error, block: str | None = None, **context):
    """Attach a rule's error (``FieldError``) to its field and re-render the form."""
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
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
