"""Calls forms: set-up, instruction (step, evaluator, decision, sending back), follow-up and
replication. Field names are what the templates post; several copies of one form on a page get
their ids numbered (``numbered``), never their names."""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import TextInput

from app import taxonomy
from app.forms import SingleLineField, strip
from app.models import Decision, Domain, LegalForm, TargetPublic
from app.models.calls import DECISION_LABELS
from app.participation_forms import CheckboxesField, int_or_none, options
from app.scdl.terms import DEFAULT_NATURE, NATURES

MONEY = NumberRange(min=0, max=100_000_000, message=_l("Indiquez un montant entre 0 et 100 000 000 €."))
# Far enough for any call; outside it the Paris/UTC conversion would overflow (year 1, year 9999).
FIRST_YEAR, LAST_YEAR = 2000, 2100


def numbered(form: FlaskForm, n: int | str) -> FlaskForm:
    """One form among several on a page: its ids (labels, errors, summary links) get ``-n``, so
    that they stay unique; the names stay those the route reads."""
    for field in form:
        if field.type != "CSRFTokenField":
            field.id = f"{field.id}-{n}"
            field.label.field_id = field.id
    return form


class EurosField(IntegerField):
    """Whole euros as people write them: "15000", "15 000", "15 000 €". Only ASCII digits:
    ``"²".isdigit()`` is true but ``int("²")`` fails."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = re.sub(r"[\s€]", "", valuelist[0] or "")
        if not raw:
            self.data = None
        elif raw.isascii() and raw.isdigit():
            self.data = int(raw)
        else:
            self.data = None
            raise ValueError(_l("Le montant doit être un nombre entier d'euros (exemple : 15 000)."))


class MeasureField(FloatField):
    """A measured quantity, with a comma or a point: "12", "12,5". Not a number, an infinity or
    a float overflow are refused here, before they reach a chart or the database."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = re.sub(r"\s", "", valuelist[0] or "").replace(",", ".")
        if not raw:
            self.data = None
            return
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            self.data = None
            raise ValueError(_l("Indiquez un nombre (exemple : 12 ou 12,5)."))
        self.data = value


MEASURE_RANGE = NumberRange(
    min=0, max=1_000_000_000, message=_l("Indiquez une valeur positive d'au plus 1 000 000 000.")
)


def _plausible(form, field):
    if isinstance(field.data, datetime | date) and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(_l("Indiquez une date entre %(first)d et %(last)d.", first=FIRST_YEAR, last=LAST_YEAR))


class CallForm(FlaskForm):
    title = SingleLineField(
        _l("Titre"), validators=[DataRequired(message=_l("Donnez un titre à l'appel.")), Length(max=200)]
    )
    funder = SingleLineField(
        _l("Financeur"), validators=[DataRequired(message=_l("Indiquez le financeur.")), Length(max=160)]
    )
    summary = TextAreaField(
        _l("Résumé"), validators=[DataRequired(message=_l("Résumez l'appel en une ou deux phrases.")), Length(max=600)]
    )
    description = TextAreaField(_l("Ce que l'appel finance"), validators=[Optional(), Length(max=20_000)])
    envelope_eur = EurosField(
        _l("Enveloppe totale (en euros)"),
        validators=[InputRequired(message=_l("Indiquez l'enveloppe.")), MONEY],
        render_kw={"inputmode": "numeric"},
    )
    min_grant_eur = EurosField(
        _l("Subvention minimum (en euros)"), validators=[Optional(), MONEY], render_kw={"inputmode": "numeric"}
    )
    max_grant_eur = EurosField(
        _l("Subvention maximum (en euros)"), validators=[Optional(), MONEY], render_kw={"inputmode": "numeric"}
    )
    opens_at = DateTimeLocalField(
        _l("Ouverture (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Indiquez la date et l'heure d'ouverture.")), _plausible],
    )
    closes_at = DateTimeLocalField(
        _l("Clôture (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Indiquez la date et l'heure de clôture.")), _plausible],
    )
    domains = CheckboxesField(
        _l("Domaines prioritaires acceptés"),
        choices=taxonomy.choices(Domain),
        description=_l("Aucun coché : tous les domaines."),
    )
    publics = CheckboxesField(
        _l("Publics visés"),
        choices=taxonomy.choices(TargetPublic),
        description=_l("Une proposition doit viser au moins l'un d'eux. Aucun coché : tous."),
    )
    legal_forms = CheckboxesField(
        _l("Structures éligibles"),
        choices=taxonomy.choices(LegalForm),
        description=_l("Forme juridique de l'association porteuse. Aucune cochée : toutes."),
    )
    requires_verified_association = BooleanField(
        _l("Réservé aux associations vérifiées"),
        default=True,
        description=_l("Décochez pour accepter aussi les associations que l'équipe n'a pas encore vérifiées."),
    )
    # Unchecked by default: the calls that existed before the budget prévisionnel did not ask for one.
    requires_budget = BooleanField(
        _l("Exiger un budget prévisionnel équilibré"),
        description=_l(
            "Dépenses et ressources (dont le montant demandé, entre le minimum et le maximum ci-dessus) "
            "doivent s'équilibrer pour déposer."
        ),
    )
    poles = CheckboxesField(_l("Territoires couverts"), coerce=int, description=_l("Aucun coché : tout le territoire."))
    criteria = TextAreaField(
        _l("Grille d'évaluation"),
        validators=[DataRequired(message=_l("Indiquez au moins un critère."))],
        description=_l(
            "Un critère par ligne, suivi de « | » et de son poids (1 à 10). Chaque critère est noté de 0 à 4."
        ),
    )
    steps = TextAreaField(
        _l("Étapes d'instruction"),
        validators=[DataRequired(message=_l("Indiquez au moins une étape d'instruction."))],
        description=_l("Une étape par ligne, dans l'ordre. La décision s'y ajoute."),
    )

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La clôture doit venir après l'ouverture."))

    def validate_max_grant_eur(self, field):
        if field.data is not None and self.min_grant_eur.data is not None and field.data < self.min_grant_eur.data:
            raise ValidationError(_l("Le maximum doit être supérieur ou égal au minimum."))
        if field.data is not None and self.envelope_eur.data is not None and field.data > self.envelope_eur.data:
            raise ValidationError(_l("Le maximum ne peut pas dépasser l'enveloppe."))


# --- Instruction (admin) -------------------------------------------------------------------------


class StepForm(FlaskForm):
    """Choices: the call's steps, plus the submission's current one when a decision named it."""

    step = SelectField(
        _l("Étape"),
        validators=[InputRequired(message=_l("Choisissez une étape."))],
        invalid_choice_message=_l("Cette étape n'existe pas pour cet appel."),
    )


class AssignForm(FlaskForm):
    evaluator_id = SelectField(
        _l("Affecter un évaluateur"),
        coerce=int_or_none,
        validators=[InputRequired(message=_l("Choisissez une personne parmi la liste."))],
        invalid_choice_message=_l("Choisissez une personne parmi la liste."),
    )


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("Décision"),
        choices=options((d.value, DECISION_LABELS[d]) for d in Decision),
        validators=[InputRequired(message=_l("Choisissez une décision : retenu, liste d'attente ou non retenu."))],
        invalid_choice_message=_l("Choisissez une décision : retenu, liste d'attente ou non retenu."),
    )
    amount = EurosField(
        _l("Montant accordé (en euros, si retenu)"),
        validators=[Optional(), MONEY],
        render_kw={"inputmode": "numeric"},
    )
    reason = TextAreaField(
        _l("Raison publique de la décision"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Donnez la raison de la décision : elle sera publiée avec les résultats.")),
            Length(max=5000, message=_l("5 000 caractères au plus.")),
        ],
        render_kw={"rows": 2},
    )
    # Shown only once a grant above the request was refused: the administrator confirms it is deliberate.
    above_request = BooleanField(_l("Je confirme accorder plus que le montant demandé"))
    ask_above_request = False
    # A grant's terms for the SCDL open-data file (app.scdl.terms checks them, with a grant only).
    reference = SingleLineField(
        _l("Référence de l'acte de décision"),
        filters=[strip],
        validators=[Optional(), Length(max=60, message=_l("60 caractères au plus."))],
        description=_l("Le numéro de la délibération ou de l'arrêté, par exemple 2026-03-103."),
    )
    convention_date = DateField(
        _l("Date de la convention ou de la décision"),
        validators=[Optional()],
        format=["%Y-%m-%d", "%d/%m/%Y"],
        invalid_value_message=_l("Indiquez une date valide (jour, mois, année)."),
    )
    purpose = SingleLineField(
        _l("Objet de la subvention"),
        filters=[strip],
        validators=[Optional(), Length(max=256, message=_l("256 caractères au plus."))],
        description=_l("Publié tel quel ; vide, le titre du projet est proposé."),
    )
    nature = RadioField(
        _l("Nature de l'aide"),
        choices=options(NATURES.items()),
        default=DEFAULT_NATURE,
        validate_choice=False,  # checked with the other terms, only for a grant
    )
    conditions = SingleLineField(
        _l("Conditions de versement"),
        filters=[strip],
        validators=[Optional(), Length(max=256, message=_l("256 caractères au plus."))],
        description=_l("« unique », « échelonné » ou une courte description."),
    )
    payment_dates = SingleLineField(
        _l("Date ou période de versement"),
        filters=[strip],
        validators=[Optional(), Length(max=40, message=_l("40 caractères au plus."))],
        description=_l("AAAA-MM-JJ, ou une période AAAA-MM-JJ/AAAA-MM-JJ."),
    )
    eu_notified = BooleanField(_l("Aide notifiée à la Commission européenne"))


class SendBackForm(FlaskForm):
    message = TextAreaField(
        _l("Message aux auteurs (ce qu'il faut compléter)"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Écrivez aux auteurs ce qu'il faut compléter ou corriger.")),
            Length(max=5000, message=_l("5 000 caractères au plus.")),
        ],
    )


# --- Follow-up and replication ---------------------------------------------------------------------


class IndicatorForm(FlaskForm):
    label = SingleLineField(
        _l("Nouvel indicateur"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Nommez l'indicateur (exemple : familles accompagnées).")),
            Length(max=150, message=_l("150 caractères au plus.")),
        ],
    )
    unit = SingleLineField(
        _l("Unité"), filters=[strip], validators=[Length(max=40, message=_l("40 caractères au plus."))]
    )
    target = MeasureField(_l("Cible"), validators=[Optional(), MEASURE_RANGE], render_kw={"inputmode": "decimal"})


class ValueForm(FlaskForm):
    measured_on = DateField(
        _l("Date de la mesure"),
        validators=[InputRequired(message=_l("Indiquez la date de la mesure."))],
        invalid_value_message=_l("Indiquez une date valide (jour, mois, année)."),
    )
    value = MeasureField(
        _l("Valeur"),
        validators=[InputRequired(message=_l("Indiquez une valeur (exemple : 12 ou 12,5).")), MEASURE_RANGE],
        render_kw={"inputmode": "decimal"},
    )

    def validate_measured_on(self, field):
        if field.data and field.data > date.today():
            raise ValidationError(_l("La date de mesure ne peut pas être dans le futur."))
        _plausible(self, field)


class UpdateForm(FlaskForm):
    body = TextAreaField(
        _l("Où en est le projet ?"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Écrivez quelques mots sur l'avancement du projet.")),
            Length(max=4000, message=_l("4 000 caractères au plus.")),
        ],
        render_kw={"rows": 3},
    )


class ReplicateForm(FlaskForm):
    association_id = SelectField(
        _l("Association qui reproduit le projet"),
        coerce=int_or_none,
        validators=[InputRequired(message=_l("Choisissez l'association qui reproduit le projet."))],
        validate_choice=False,  # the service says why an association may not (author, same territory)
    )


def evaluation_form(criteria) -> FlaskForm:
    """A score (kept as typed: the rules of ``evaluation.save_scores`` say what is wrong with it)
    and a comment per criterion of the call's grid, and the button pressed (draft or final)."""

    class EvaluationForm(FlaskForm):
        action = SingleLineField()

    for criterion in criteria:
        setattr(EvaluationForm, f"score-{criterion.id}", SingleLineField(filters=[strip]))
        setattr(EvaluationForm, f"comment-{criterion.id}", TextAreaField())
    return EvaluationForm()
