"""Accompaniment forms. The four on the proposal page (request, decision, partner, related
project) are short: a refusal comes back there as a message; the ids a choice is read by are
checked again by the rules (pole of the proposal, partner of the pole...)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from app import taxonomy
from app.accompaniment.services import choose_a_pole_message
from app.forms import SingleLineField, strip
from app.identity import lazy, upper_first
from app.models import Domain
from app.participation_forms import CheckboxesField, int_or_none


def _chosen(label, message) -> SelectField:
    # The choices are checked by the rule that receives the id, with its own French message.
    return SelectField(label, coerce=int_or_none, validate_choice=False, validators=[InputRequired(message=message)])


class PartnerForm(FlaskForm):
    organisation = SingleLineField(
        _l("Organisation"),
        filters=[strip],
        validators=[DataRequired(message=_l("Nommez l'organisation.")), Length(max=150)],
    )
    service = SingleLineField(_l("Service ou dispositif"), filters=[strip], validators=[Length(max=150)])
    contact = SingleLineField(
        _l("Contact"),
        filters=[strip],
        validators=[Length(max=300)],
        description=_l("Un service, une adresse ou un numéro professionnels : jamais de coordonnées personnelles."),
    )
    domains = CheckboxesField(_l("Domaines"), choices=taxonomy.choices(Domain))


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Votre message"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Écrivez votre message avant de l'envoyer.")),
            Length(max=5000, message=_l("5 000 caractères au plus.")),
        ],
        description=lazy(
            lambda i: _(
                "Visible seulement par l'association, le ou la référent·e et la modération %(of_unit)s.",
                of_unit=i.unit.of_the,
            )
        ),
    )


class RequestForm(FlaskForm):
    pole = _chosen(
        lazy(lambda i: _("%(unit)s à solliciter", unit=upper_first(i.unit.singular))),
        lazy(lambda i: choose_a_pole_message()),
    )


class DecideForm(FlaskForm):
    decision = SingleLineField(
        validators=[
            AnyOf(("accepter", "refuser"), message=_l("Choisissez d'accepter ou de refuser la demande.")),
        ]
    )
    referent = SelectField(_l("Référent·e"), coerce=int_or_none, validate_choice=False)
    reason = SingleLineField(
        _l("Motif d'un refus (facultatif)"),
        filters=[strip],
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))],
    )


class LinkPartnerForm(FlaskForm):
    partner = _chosen(
        _l("Partenaire de l'annuaire"),
        lazy(lambda i: _("Choisissez un partenaire de l'annuaire %(of_unit)s.", of_unit=i.unit.of_the)),
    )


class LinkRelatedForm(FlaskForm):
    related = _chosen(_l("Proposition proche"), _l("Choisissez une autre proposition publiée."))
