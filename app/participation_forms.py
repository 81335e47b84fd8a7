"""Form pieces shared by ideas and proposals: domain, publics, communes."""

from __future__ import annotations

from flask import g
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import Field, RadioField, SelectChoice, SelectField, SelectMultipleField, widgets
from wtforms.validators import DataRequired, InputRequired, StopValidation, ValidationError

from app import taxonomy
from app.extensions import db
from app.inputs import parse_int
from app.models import Commune, Domain, TargetPublic
from app.poles.services import commune_options
from app.territory import TerritoryError, commune_label, resolve_commune


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


def datalist(list_id: str, choices: list[tuple[str, str]]) -> Markup:
    """The suggestions of a type-ahead: each value, and its unit as the label the browser shows."""
    items = "".join(f'<option value="{escape(value)}" label="{escape(label)}">' for value, label in choices)
    return Markup(f'<datalist id="{list_id}">{items}</datalist>')


class CommuneInput(widgets.TextInput):
    """A text input whose <datalist> suggests communes as one types: no JavaScript needed, and
    usable with a whole département's 535 communes, which a <select> is not."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("list", f"{field.id}-choices")
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("spellcheck", "false")
        return super().__call__(field, **kwargs) + datalist(f"{field.id}-choices", cached_commune_options())


def cached_commune_options() -> list[tuple[str, str]]:
    # Several pickers on one page share one query.
    if "commune_options" not in g:
        g.commune_options = commune_options()
    return g.commune_options


class CommuneField(Field):
    """A commune typed or picked as "Nom (code)"; ``data`` is its id. What was typed is shown back
    as typed when the form is refused. A bare id is read too (older forms, tests)."""

    widget = CommuneInput()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.typed: str | None = None
        self.resolve_error: str | None = None

    def process_formdata(self, valuelist):
        self.typed = " ".join((valuelist[0] if valuelist else "").split())[:200]
        self.data, self.resolve_error = None, None
        if not self.typed:
            return
        if self.typed.isdigit() and len(self.typed) < 5:
            self.data = parse_int(self.typed)
            if self.data is None or db.session.get(Commune, self.data) is None:
                self.data, self.resolve_error = None, str(_l("Choisissez une commune dans la liste."))
            return
        try:
            self.data = resolve_commune(self.typed).id
        except TerritoryError as error:
            self.resolve_error = str(error)

    def pre_validate(self, form):
        if self.resolve_error:
            raise StopValidation(self.resolve_error)

    def _value(self):
        if self.typed is not None and not (self.typed.isdigit() and self.data):
            return self.typed
        commune = db.session.get(Commune, self.data) if self.data else None
        return commune_label(commune) if commune else ""


def commune_field(label=_l("Commune"), *, required: bool = True) -> CommuneField:
    return CommuneField(
        label,
        validators=[DataRequired(message=_l("Choisissez une commune."))] if required else [],
        description=_l("Tapez les premières lettres de son nom, puis choisissez-la dans la liste."),
    )


def existing_communes(ids) -> list[Commune]:
    """The communes of these ids, by name, with their unit (for the labels of chosen ones)."""
    if not ids:
        return []
    query = select(Commune).where(Commune.id.in_(set(ids))).options(joinedload(Commune.pole)).order_by(Commune.name)
    return list(db.session.scalars(query))
