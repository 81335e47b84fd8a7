"""The back office's page for the collectivity's identity: its names, the words for its territorial
units, its contacts and its legal pages (the rules: ``app.identity``)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from app import identity
from app.access import access
from app.associations.services import AssociationError, normalize_siret
from app.forms import SingleLineEmailField, SingleLineField, strip
from app.models.collectivity import AccessibilityStatus
from app.opendata.licences import LICENCES
from app.participation_forms import options
from app.rendering import render

GENDERS = options([("m", _l("masculin (le, du, au, un)")), ("f", _l("féminin (la, de la, à la, une)"))])


def _line(label, max_length: int, required: str | None = None, description=None) -> SingleLineField:
    validators = [DataRequired(message=required)] if required else [Optional()]
    validators.append(Length(max=max_length, message=_l("%(num)d caractères au plus.", num=max_length)))
    return SingleLineField(label, validators=validators, description=description)


def _text(label, max_length: int, description=None) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip],
        validators=[Length(max=max_length, message=_l("%(num)d caractères au plus.", num=max_length))],
        description=description,
    )


def _gender(label) -> RadioField:
    return RadioField(
        label, choices=GENDERS, validators=[DataRequired(message=_l("Choisissez le genre du nom."))], default="m"
    )


class IdentityForm(FlaskForm):
    name = _line(
        _l("Nom de la collectivité"),
        120,
        _l("Indiquez le nom de la collectivité."),
        _l("Tel qu'il s'écrit après un article : « Département du Nord », « Métropole de Lyon »."),
    )
    name_feminine = _gender(_l("Genre du nom de la collectivité"))
    platform_name = _line(_l("Nom de la plateforme"), 60, _l("Indiquez le nom de la plateforme."))
    tagline = _line(_l("Devise (sous le nom, en haut de chaque page)"), 120)
    unit_singular = _line(
        _l("Nom d'une unité territoriale"),
        120,
        _l("Indiquez le nom d'une unité territoriale."),
        _l("Au singulier, en entier : « Maison de la Métropole pour les solidarités »."),
    )
    unit_plural = _line(_l("Le même au pluriel"), 120, _l("Indiquez le nom au pluriel."))
    unit_short = _line(
        _l("Forme courte"),
        60,
        _l("Indiquez la forme courte."),
        _l("Dans les phrases et devant le nom d'une unité : « le pôle Médoc », « la Maison Vénissieux »."),
    )
    unit_short_plural = _line(_l("Forme courte au pluriel"), 60, _l("Indiquez la forme courte au pluriel."))
    unit_feminine = _gender(_l("Genre du nom des unités"))
    contact_email = SingleLineEmailField(
        _l("Adresse e-mail de contact"),
        validators=[
            Optional(),
            Length(max=254, message=_l("254 caractères au plus.")),
            Email(
                message=_l("Cette adresse e-mail n'est pas valide (exemple : contact@exemple.fr)."),
                check_deliverability=False,
            ),
        ],
        description=_l("Montrée dans les mentions légales et la déclaration d'accessibilité."),
    )
    dpo_contact = _text(
        _l("Délégué·e à la protection des données"),
        2000,
        _l("Comment le ou la joindre : nom ou service, adresse e-mail ou postale."),
    )
    legal_publisher = _text(
        _l("Éditeur (mentions légales)"),
        5000,
        _l("Nom, adresse, directeur ou directrice de la publication. Une ligne vide sépare deux paragraphes."),
    )
    legal_host = _text(_l("Hébergeur (mentions légales)"), 2000, _l("Nom, adresse et téléphone de l'hébergeur."))
    accessibility_status = RadioField(
        _l("État de conformité au RGAA"),
        choices=options((status.value, status.label) for status in AccessibilityStatus),
        validators=[DataRequired(message=_l("Choisissez l'état de conformité."))],
        description=_l("Sans audit, la plateforme est non conforme."),
    )
    accessibility_details = _text(
        _l("Précisions sur la conformité"),
        5000,
        _l("Par exemple : la date et l'auteur de l'audit, le taux de conformité, les contenus non accessibles."),
    )
    accessibility_date = DateField(
        _l("Date de la déclaration d'accessibilité"),
        validators=[Optional()],
    )
    data_licence = RadioField(
        _l("Licence des données ouvertes"),
        choices=options((licence.key, licence.name) for licence in LICENCES.values()),
        validators=[DataRequired(message=_l("Choisissez la licence des données ouvertes."))],
        description=_l(
            "Celle sous laquelle la page « Données ouvertes » publie les fichiers. La Licence Ouverte est "
            "celle que l'État recommande ; l'ODbL oblige qui réutilise à partager ses améliorations."
        ),
    )
    grant_authority_name = _line(
        _l("Nom officiel de l'attribuant des subventions"),
        120,
        description=_l("Publié dans le fichier des subventions (SCDL). Vide : le nom de la collectivité."),
    )
    siret = _line(
        _l("SIRET de la collectivité"),
        20,
        description=_l("14 chiffres, publiés comme identifiant de l'attribuant dans le fichier des subventions."),
    )

    def validate_siret(self, field) -> None:
        # The same rules and messages as an association's SIRET (python-stdnum's check).
        try:
            field.data = normalize_siret(field.data) or ""
        except AssociationError as error:
            raise ValidationError(error.message) from None


def _form_values(current: identity.Identity) -> dict:
    names = [name for name, value in vars(IdentityForm).items() if isinstance(value, UnboundField)]
    values = {name: getattr(current, name) for name in names}
    values["name_feminine"] = "f" if current.name_feminine else "m"
    values["unit_feminine"] = "f" if current.unit_feminine else "m"
    values["accessibility_status"] = current.accessibility_status.value
    return values


def to_values(form: IdentityForm) -> dict:
    """What the form says, as ``Collectivity`` values."""
    values = {name: field.data for name, field in form._fields.items() if name != "csrf_token"}
    values["name_feminine"] = values["name_feminine"] == "f"
    values["unit_feminine"] = values["unit_feminine"] == "f"
    values["accessibility_status"] = AccessibilityStatus(values["accessibility_status"])
    for name in (
        "tagline",
        "contact_email",
        "dpo_contact",
        "legal_publisher",
        "legal_host",
        "accessibility_details",
        "grant_authority_name",
        "siret",
    ):
        values[name] = values[name] or ""
    return values


@access("collectivity.edit")
def settings():
    form = IdentityForm(data=_form_values(identity.current()))
    if form.validate_on_submit():
        identity.save(to_values(form))
        flash(_("L'identité de la collectivité est enregistrée : toutes les pages l'affichent."), "success")
        return redirect(url_for("admin.identity"))
    return render("admin/identity.html", form=form, status=422 if form.is_submitted() else 200)
