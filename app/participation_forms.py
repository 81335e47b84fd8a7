"""Form pieces shared by ideas and proposals: domain, publics, communes."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired, ValidationError

from app import taxonomy
from app.inputs import parse_int
from app.models import Domain, TargetPublic
from app.poles.services import commune_choices


def options(pairs, optgroup=None) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label, optgroup=optgroup) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (accessible without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def domain_field() -> RadioField:
    return RadioField(
        _l("Domaine prioritaire"),
        choices=taxonomy.choices(Domain),
        validators=[InputRequired(message=_l("Choisissez un domaine."))],
        coerce=str,
    )


def _subdomain_of_domain(form, field) -> None:
    if not field.data:
        return
    domain = taxonomy.by_slug(Domain, form.domain.data)
    if domain is None:
        return  # the domain field says what is wrong
    try:
        taxonomy.subdomain_for(domain, field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def subdomain_field() -> SelectField:
    # Choices are set per form (load_subdomain_choices): one <optgroup> per domain.
    return SelectField(
        _l("Sous-domaine (facultatif)"),
        validators=[_subdomain_of_domain],
        description=_l("Précisez, si vous le souhaitez, sous le domaine choisi."),
    )


def load_subdomain_choices(field: SelectField, keep=None) -> None:
    field.choices = taxonomy.subdomain_choices(keep)
    if not field.raw_data:
        # Not submitted: show the object's own (obj= would give the SubDomain, not its id).
        field.data = str(keep.id) if keep is not None else ""


def publics_field(label=_l("Publics visés")) -> CheckboxesField:
    return CheckboxesField(
        label,
        choices=taxonomy.choices(TargetPublic),
        validators=[DataRequired(message=_l("Cochez au moins un public."))],
        description=_l("Plusieurs choix possibles."),
    )


def int_or_none(value):
    # Bounded like every integer read from outside (app/inputs.py): a huge id is no id.
    return value if isinstance(value, int) else parse_int(value)


def commune_field(label=_l("Commune")) -> SelectField:
    return SelectField(
        label,
        coerce=int_or_none,
        validators=[DataRequired(message=_l("Choisissez une commune."))],
        description=_l("Son Pôle territorial de solidarité en découle."),
    )


def load_commune_choices(field: SelectField, placeholder=_l("— Choisir une commune —")) -> None:
    # One <optgroup> per pole: the commune's pole is visible while choosing.
    choices = [SelectChoice("", placeholder)]
    for pole, communes in commune_choices():
        choices += options(communes, optgroup=_l("Pôle %(name)s", name=pole))
    field.choices = choices
