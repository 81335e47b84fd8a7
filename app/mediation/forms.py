"""The agent's entry form: short, one screen on a phone, no JavaScript needed."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from app.comments.services import MAX_LENGTH
from app.forms import SingleLineEmailField, SingleLineField
from app.ideas.forms import DESCRIPTION_MAX, TITLE_MAX
from app.mediation.services import CONSENT_TEXT
from app.models.mediation import PLACE_LABELS
from app.participation_forms import commune_field, domain_field


def _not_in_future(form, field) -> None:
    if field.data and field.data > date.today():
        raise ValidationError(_l("La date de la rencontre ne peut pas être dans le futur."))


def _birth_year(form, field) -> None:
    if field.data is not None and not 1900 <= field.data <= date.today().year:
        raise ValidationError(_l("Indiquez une année entre 1900 et aujourd'hui (par exemple 1958)."))


class ResidentForm(FlaskForm):
    """Who was met, where and when: the part every entry shares."""

    name = SingleLineField(
        _l("Prénom ou initiale"),
        validators=[
            DataRequired(message=_l("Indiquez le prénom ou l'initiale de la personne.")),
            Length(max=60, message=_l("60 caractères au plus.")),
        ],
        render_kw={"autocomplete": "off"},
    )
    commune_id = commune_field(_l("Commune de la personne"))
    birth_year = IntegerField(
        _l("Année de naissance"),
        validators=[InputRequired(message=_l("Indiquez l'année de naissance (par exemple 1958).")), _birth_year],
        description=_l("Jamais publiée : elle évite de compter deux fois la même personne."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    contact_email = SingleLineEmailField(
        _l("E-mail (facultatif)"),
        validators=[
            Optional(),
            Length(max=254, message=_l("L'adresse e-mail est trop longue (254 caractères au plus).")),
            Email(
                message=_l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."),
                check_deliverability=False,
            ),
        ],
        description=_l("Seulement si la personne le souhaite : elle recevra un lien pour retrouver sa contribution."),
        render_kw={"autocomplete": "off"},
    )
    place = RadioField(
        _l("Lieu de la rencontre"),
        choices=[SelectChoice(place.value, label) for place, label in PLACE_LABELS.items()],
        validators=[InputRequired(message=_l("Choisissez le lieu de la rencontre."))],
    )
    place_detail = SingleLineField(
        _l("Précision sur le lieu (facultatif)"),
        validators=[Length(max=120, message=_l("120 caractères au plus."))],
        description=_l("Par exemple : marché de Lesparre."),
    )
    met_on = DateField(
        _l("Date de la rencontre"),
        validators=[InputRequired(message=_l("Indiquez la date de la rencontre.")), _not_in_future],
    )
    consent = BooleanField(
        CONSENT_TEXT,
        validators=[DataRequired(message=_l("Sans l'accord de la personne, rien n'est enregistré : cochez la case."))],
    )


class MediatedIdeaForm(ResidentForm):
    """A new idea, in the resident's commune (which must be in one of the agent's units)."""

    title = SingleLineField(
        _l("Titre de l'idée"),
        validators=[
            DataRequired(message=_l("Donnez un titre à l'idée.")),
            Length(min=5, max=TITLE_MAX, message=_l("Le titre doit faire entre %(min)d et %(max)d caractères.")),
        ],
    )
    description = TextAreaField(
        _l("Ce que la personne a dit"),
        validators=[
            DataRequired(message=_l("Décrivez le besoin.")),
            Length(
                min=20,
                max=DESCRIPTION_MAX,
                message=_l("La description doit faire entre %(min)d et %(max)d caractères."),
            ),
        ],
    )
    domain = domain_field()


class MediatedContributionForm(ResidentForm):
    """A support or a comment on an idea or a proposal."""

    kind = RadioField(
        _l("Contribution"),
        choices=[SelectChoice("support", _l("Un soutien")), SelectChoice("comment", _l("Un commentaire"))],
        default="support",
        validators=[InputRequired(message=_l("Choisissez un soutien ou un commentaire."))],
    )
    body = TextAreaField(
        _l("Commentaire (si c'en est un)"),
        validators=[Length(max=MAX_LENGTH, message=_l("5000 caractères au plus."))],
    )

    def validate_body(self, field) -> None:
        if self.kind.data == "comment" and not (field.data or "").strip():
            raise ValidationError(_l("Écrivez le commentaire de la personne."))
