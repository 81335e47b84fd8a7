from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from app.forms import SingleLineField
from app.models import Domain, LegalForm, TargetPublic
from app.models.associations import LEGAL_FORM_LABELS
from app.models.participation import DOMAIN_LABELS, PUBLIC_LABELS
from app.participation_forms import CheckboxesField, options

MONEY = NumberRange(min=0, max=100_000_000, message=_l("Indiquez un montant entre 0 et 100 000 000 €."))


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
    envelope_eur = IntegerField(
        _l("Enveloppe totale (en euros)"), validators=[InputRequired(message=_l("Indiquez l'enveloppe.")), MONEY]
    )
    min_grant_eur = IntegerField(_l("Subvention minimum (en euros)"), validators=[Optional(), MONEY])
    max_grant_eur = IntegerField(_l("Subvention maximum (en euros)"), validators=[Optional(), MONEY])
    opens_at = DateTimeLocalField(
        _l("Ouverture (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Indiquez la date et l'heure d'ouverture."))],
    )
    closes_at = DateTimeLocalField(
        _l("Clôture (heure de Paris)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message=_l("Indiquez la date et l'heure de clôture."))],
    )
    domains = CheckboxesField(
        _l("Domaines prioritaires acceptés"),
        choices=options((d.value, DOMAIN_LABELS[d]) for d in Domain),
        description=_l("Aucun coché : tous les domaines."),
    )
    publics = CheckboxesField(
        _l("Publics visés"),
        choices=options((p.value, PUBLIC_LABELS[p]) for p in TargetPublic),
        description=_l("Une proposition doit viser au moins l'un d'eux. Aucun coché : tous."),
    )
    legal_forms = CheckboxesField(
        _l("Structures éligibles"),
        choices=options((f.value, LEGAL_FORM_LABELS[f]) for f in LegalForm if f is not LegalForm.OTHER),
        description=_l("Forme juridique de l'association porteuse. Aucune cochée : toutes."),
    )
    requires_verified_association = BooleanField(
        _l("Réservé aux associations vérifiées"),
        default=True,
        description=_l("Décochez pour accepter aussi les associations que l'équipe n'a pas encore vérifiées."),
    )
    poles = CheckboxesField(
        _l("Territoires couverts"), coerce=int, description=_l("Aucun coché : tout le département.")
    )
    criteria = TextAreaField(
        _l("Grille d'évaluation"),
        validators=[DataRequired(message=_l("Indiquez au moins un critère."))],
        description=_l(
            "Un critère par ligne, suivi de « | » et de son poids (1 à 10). Chaque critère est noté de 0 à 4."
        ),
    )
    steps = TextAreaField(
        _l("Étapes d'instruction"), description=_l("Une étape par ligne, dans l'ordre. La décision s'y ajoute.")
    )

    def validate_closes_at(self, field):
        if self.opens_at.data and field.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("La clôture doit venir après l'ouverture."))

    def validate_max_grant_eur(self, field):
        if field.data is not None and self.min_grant_eur.data is not None and field.data < self.min_grant_eur.data:
            raise ValidationError(_l("Le maximum doit être supérieur ou égal au minimum."))
        if field.data is not None and self.envelope_eur.data is not None and field.data > self.envelope_eur.data:
            raise ValidationError(_l("Le maximum ne peut pas dépasser l'enveloppe."))
