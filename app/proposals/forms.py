from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app.forms import SingleLineField
from app.inputs import parse_int
from app.participation_forms import CheckboxesField, domain_field, publics_field, subdomain_field

TEXT_MAX = 20_000

LONG_FIELDS = {
    "need": (
        _l("Le besoin social peu ou pas couvert"),
        _l("Quel besoin, pour qui, et pourquoi les réponses actuelles ne suffisent pas."),
    ),
    "experimentation": (
        _l("Ce qui est expérimental"),
        _l("Ce que le projet renouvelle dans la façon de faire ; comment les personnes sont au cœur de l'action."),
    ),
    "outreach": (
        _l("La démarche « aller vers »"),
        _l("Comment le projet va à la rencontre des personnes les moins visibles, les moins entendues."),
    ),
    "cooperation": (
        _l("Coopération et partenaires"),
        _l("Les ressources locales et les partenaires mobilisés, notamment le Pôle territorial de solidarité."),
    ),
    "impact_indicators": (
        _l("Indicateurs d'impact mesurables"),
        _l("Ce que vous mesurerez, avec des valeurs cibles (exemple : 40 familles accompagnées en 12 mois)."),
    ),
}


def _long_text(name: str) -> TextAreaField:
    label, hint = LONG_FIELDS[name]
    return TextAreaField(
        label,
        validators=[
            Optional(),
            Length(max=TEXT_MAX, message=_l("Ce texte est trop long (%(max)d caractères au plus).")),
        ],
        description=hint,
    )


def _version_number(form, field) -> None:
    # A hand-edited or truncated hidden field: a field error, never a 500 (int("abc")).
    if field.data not in (None, "") and parse_int(field.data) is None:
        raise ValidationError(
            _l("La version de départ est illisible : vérifiez votre texte (il est conservé) et enregistrez à nouveau.")
        )


class ProposalForm(FlaskForm):
    # Optimistic concurrency: the version the person started editing from.
    version = HiddenField(_l("Version de départ"), validators=[_version_number])
    idea_id = HiddenField()
    association_id = SelectField(_l("Au nom de l'association"), coerce=int, validate_choice=True)
    title = SingleLineField(
        _l("Titre"),
        validators=[
            DataRequired(message=_l("Donnez un titre à la proposition.")),
            Length(min=5, max=150, message=_l("Le titre doit faire entre %(min)d et %(max)d caractères.")),
        ],
    )
    summary = TextAreaField(
        _l("Résumé"),
        validators=[
            DataRequired(message=_l("Résumez la proposition en quelques phrases.")),
            Length(min=20, max=600, message=_l("Le résumé doit faire entre %(min)d et %(max)d caractères.")),
        ],
        description=_l("Affiché dans la liste des propositions. 600 caractères au plus."),
    )
    need = _long_text("need")
    experimentation = _long_text("experimentation")
    outreach = _long_text("outreach")
    cooperation = _long_text("cooperation")
    impact_indicators = _long_text("impact_indicators")
    domain = domain_field()
    subdomain = subdomain_field()
    publics = publics_field()
    poles = CheckboxesField(
        _l("Pôles territoriaux concernés"), coerce=int, description=_l("Tout le territoire d'un pôle.")
    )
    communes = CheckboxesField(
        _l("Communes concernées"), coerce=int, description=_l("Leur pôle est ajouté automatiquement.")
    )
    is_rural = BooleanField(_l("Le projet se déroule en zone rurale (hors métropole)"))
    is_qpv = BooleanField(_l("Le projet concerne un quartier prioritaire ou de veille de la politique de la ville"))
    budget_eur = IntegerField(
        _l("Budget demandé (en euros)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=100_000_000, message=_l("Indiquez un montant entre 0 et 100 000 000 €.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    duration_months = IntegerField(
        _l("Durée de l'expérimentation (en mois)"),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l("Indiquez une durée entre 1 et 60 mois."))],
        render_kw={"inputmode": "numeric"},
    )

    def validate_communes(self, field):
        if not field.data and not self.poles.data:
            raise ValidationError(_l("Choisissez au moins un pôle ou une commune."))


class InviteCoauthorForm(FlaskForm):
    association_id = SelectField(_l("Association à inviter"), coerce=int)


class AmendmentForm(FlaskForm):
    field = SelectField(_l("Partie de la proposition à amender"))
    new_text = TextAreaField(
        _l("Texte proposé"),
        validators=[
            DataRequired(message=_l("Écrivez le texte que vous proposez.")),
            Length(max=TEXT_MAX, message=_l("Ce texte est trop long (%(max)d caractères au plus).")),
        ],
        description=_l("Partez du texte actuel et modifiez-le. Mise en forme Markdown possible."),
    )
    reason = TextAreaField(
        _l("Pourquoi cet amendement ?"),
        validators=[
            DataRequired(message=_l("Expliquez en quelques mots pourquoi vous proposez ce changement.")),
            Length(min=10, max=2000, message=_l("L'explication doit faire entre %(min)d et %(max)d caractères.")),
        ],
    )


class DeclineAmendmentForm(FlaskForm):
    decline_reason = TextAreaField(
        _l("Raison du refus"),
        validators=[
            DataRequired(message=_l("Dites en quelques mots pourquoi vous déclinez cet amendement.")),
            Length(max=2000, message=_l("La raison est trop longue (%(max)d caractères au plus).")),
        ],
    )
