"""Form pieces shared by ideas and proposals: domain, publics, communes."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired

from app import identity
from app.identity import lazy, upper_first
from app.inputs import parse_int
from app.models import Domain, TargetPublic
from app.models.participation import DOMAIN_LABELS, PUBLIC_LABELS
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
        choices=options((d.value, DOMAIN_LABELS[d]) for d in Domain),
        validators=[InputRequired(message=_l("Choisissez un domaine."))],
        coerce=str,
    )


def publics_field(label=_l("Publics visés")) -> CheckboxesField:
    return CheckboxesField(
        label,
        choices=options((p.value, PUBLIC_LABELS[p]) for p in TargetPublic),
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
        description=lazy(lambda i: _("%(its_unit)s en découle.", its_unit=upper_first(i.unit_full.the))),
    )


def load_commune_choices(field: SelectField, placeholder=_l("— Choisir une commune —")) -> None:
    # One <optgroup> per pole: the commune's pole is visible while choosing.
    choices = [SelectChoice("", placeholder)]
    for pole, communes in commune_choices():
        choices += options(communes, optgroup=f"{upper_first(identity.current().unit.singular)} {pole}")
    field.choices = choices
