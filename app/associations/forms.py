from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app import taxonomy
from app.associations import services
from app.forms import SingleLineEmailField, SingleLineField
from app.identity import lazy
from app.models import LegalForm, MembershipRole
from app.names import normalize_name, validate_public_name
from app.participation_forms import commune_field, options

DESCRIPTION_MAX = 1000


def _rule(check):
    """A form validator from a service rule: the same message on blur, on submit and in tests."""

    def validate(form, field):
        try:
            check(form, field.data)
        except services.AssociationError as error:
            raise ValidationError(error.message) from None

    return validate


def _check_rna(form, value):
    services.check_identifiers_available(services.normalize_rna(value), None, form.association_id)


def _check_siret(form, value):
    services.check_identifiers_available(None, services.normalize_siret(value), form.association_id)


def _check_phone(form, value):
    services.normalize_phone(value)


class AssociationForm(FlaskForm):
    name = SingleLineField(
        _l("Nom de la structure"),
        validators=[
            DataRequired(message=_l("Indiquez le nom de la structure.")),
            Length(min=2, max=160, message=_l("Le nom doit faire entre %(min)d et %(max)d caractères.")),
            validate_public_name,
        ],
        filters=[normalize_name],
        render_kw={"autocomplete": "organization"},
    )
    legal_form = RadioField(
        _l("Forme juridique"),
        choices=taxonomy.choices(LegalForm),
        validators=[InputRequired(message=_l("Choisissez la forme juridique."))],
        description=lazy(
            lambda i: _(
                "Les structures éligibles aux appels %(of_collectivity)s, ou « Autre ».",
                of_collectivity=i.collectivity.of_the,
            )
        ),
    )
    rna = SingleLineField(
        _l("Numéro RNA (facultatif)"),
        validators=[_rule(_check_rna)],
        description=_l(
            "W suivi de 9 chiffres ou lettres, par exemple W332001234. Les associations d'Alsace-Moselle n'en ont pas."
        ),
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    siret = SingleLineField(
        _l("Numéro SIRET (facultatif)"),
        validators=[_rule(_check_siret)],
        description=_l("14 chiffres, espaces permis, par exemple 732 829 320 00074."),
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )
    commune_id = commune_field(_l("Commune du siège"))
    description = TextAreaField(
        _l("Présentation courte"),
        validators=[
            Optional(),
            Length(max=DESCRIPTION_MAX, message=_l("La présentation fait au plus %(max)d caractères.")),
        ],
        description=_l("Ce que fait la structure, pour qui, où. %(max)d caractères au plus.", max=DESCRIPTION_MAX),
    )
    contact_email = SingleLineEmailField(
        _l("E-mail de contact public (facultatif)"),
        validators=[
            Optional(),
            Length(max=254, message=_l("L'adresse e-mail est trop longue (254 caractères au plus).")),
            Email(
                message=_l("Cette adresse e-mail n'est pas valide (exemple : contact@association.fr)."),
                check_deliverability=False,
            ),
        ],
        description=_l("Affichée sur la page publique de la structure."),
        render_kw={"autocomplete": "email"},
    )
    contact_phone = SingleLineField(
        _l("Téléphone de contact public (facultatif)"),
        validators=[_rule(_check_phone)],
        description=_l("Affiché sur la page publique de la structure."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )

    def __init__(self, *args, association_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The association being edited keeps its own numbers.
        self.association_id = association_id

    def values(self) -> dict:
        return {
            name: self[name].data
            for name in (
                "name",
                "legal_form",
                "rna",
                "siret",
                "commune_id",
                "description",
                "contact_email",
                "contact_phone",
            )
        }


class InviteForm(FlaskForm):
    email = SingleLineEmailField(
        _l("Adresse e-mail de la personne à inviter"),
        validators=[
            DataRequired(message=_l("Indiquez l'adresse e-mail de la personne à inviter.")),
            Length(max=254, message=_l("L'adresse e-mail est trop longue (254 caractères au plus).")),
            Email(
                message=_l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "off"},
    )
    role = RadioField(
        _l("Rôle"),
        choices=options(
            [
                (MembershipRole.MEMBER.value, _l("Membre : rédige les propositions de l'association")),
                (MembershipRole.ADMIN.value, _l("Administrateur·rice : gère aussi la fiche et les membres")),
            ]
        ),
        default=MembershipRole.MEMBER.value,
        validators=[InputRequired(message=_l("Choisissez un rôle."))],
    )
