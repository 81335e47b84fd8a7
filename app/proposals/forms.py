from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from app import identity
from app.forms import SingleLineField
from app.identity import lazy
from app.inputs import parse_int
from app.participation_forms import (
    CheckboxesField,
    commune_field,
    domain_field,
    existing_communes,
    publics_field,
    subdomain_field,
)

TEXT_MAX = 20_000


def _answer_field(question) -> TextAreaField:
    """One question of the proposal's set: its label, help and maximum length come from data."""
    hint = question.help_text
    if question.required:
        hint = f"{hint} {_l('Obligatoire pour publier et pour déposer à un appel.')}".strip()
    return TextAreaField(
        question.label,
        validators=[
            Optional(),
            Length(max=question.max_length, message=_l("Ce texte est trop long (%(max)d caractères au plus).")),
        ],
        description=hint,
    )


def proposal_form(questions, **kwargs) -> "ProposalForm":
    """The proposal form with one field per question, named by the question's key (a draft may
    leave a required question empty: publishing and submitting name what is missing)."""
    fields = {q.key: _answer_field(q) for q in questions}
    return type("ProposalAnswersForm", (ProposalForm,), fields)(**kwargs)


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
    domain = domain_field()
    subdomain = subdomain_field()
    publics = publics_field()
    poles = CheckboxesField(
        lazy(lambda i: i.unit_plural),
        coerce=int,
        description=lazy(lambda i: _("Tout le territoire %(of_unit)s.", of_unit=i.unit.of_the)),
    )
    # Only the chosen communes are listed (uncheck one to remove it); more are added by typing
    # their name below: a département's 535 checkboxes could not be read.
    communes = CheckboxesField(
        _l("Communes concernées"),
        coerce=int,
        validate_choice=False,
        description=lazy(
            lambda i: _(
                "On y ajoute automatiquement %(the_unit)s de chacune. Décochez une commune pour la retirer.",
                the_unit=i.unit.the,
            )
        ),
    )
    commune_add = commune_field(_l("Ajouter une commune"), required=False)
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
        if self.commune_add.data and self.commune_add.data not in field.data:
            field.data = [*field.data, self.commune_add.data]
        if field.data and len(existing_communes(field.data)) != len(set(field.data)):
            raise ValidationError(_l("Choisissez une commune dans la liste."))
        if not field.data and not self.poles.data:
            raise ValidationError(_("Choisissez au moins %(a_unit)s ou une commune.", a_unit=identity.current().unit.a))


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


class QuestionForm(FlaskForm):
    """One question of an application form (question editors: a call's, the default ones)."""

    label = SingleLineField(
        _l("Intitulé de la question"),
        validators=[
            DataRequired(message=_l("Écrivez l'intitulé de la question.")),
            Length(max=200, message=_l("L'intitulé fait %(max)d caractères au plus.")),
        ],
    )
    help_text = TextAreaField(
        _l("Aide affichée sous la question"),
        validators=[Optional(), Length(max=600, message=_l("L'aide fait %(max)d caractères au plus."))],
    )
    required = BooleanField(_l("Réponse obligatoire pour publier et pour déposer"))
    max_length = IntegerField(
        _l("Longueur maximale de la réponse (en caractères)"),
        validators=[
            Optional(),
            NumberRange(min=50, max=20_000, message=_l("Indiquez une longueur entre %(min)d et %(max)d caractères.")),
        ],
        render_kw={"inputmode": "numeric"},
        description=_l("20 000 au plus ; laissez vide pour 20 000."),
    )


class BudgetForm(FlaskForm):
    """The budget prévisionnel's table: its rows are read by app.proposals.budget.parse_form (their
    number varies); this form carries the CSRF token and the version the table started from."""

    version = HiddenField()
