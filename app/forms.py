"""Form helpers shared by every area: a rejected form comes back whole, with a 422."""

from __future__ import annotations

from flask_wtf import FlaskForm

from app.rendering import render


def invalid(template: str, block: str | None = None, **context):
    """Re-render a form that did not validate: what was typed stays, errors are shown, 422."""
    return render(template, block=block, status=422, **context)


def reject(template: str, form: FlaskForm, error, block: str | None = None, **context):
    """Attach a rule's error (``FieldError``) to its field and re-render the form."""
    field = getattr(form, error.field, None)
    if field is not None:
        field.errors = [*field.errors, error.message] if isinstance(field.errors, list) else [error.message]
    else:
        form.form_errors.append(error.message)
    return invalid(template, block=block, form=form, **context)
