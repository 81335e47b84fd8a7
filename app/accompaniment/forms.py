from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import SingleLineField
from app.models import Domain
from app.models.participation import DOMAIN_LABELS
from app.participation_forms import CheckboxesField, options


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PartnerForm(FlaskForm):
    organisation = SingleLineField(
        _l("Organisation"),
        filters=[_strip],
        validators=[DataRequired(message=_l("Nommez l'organisation.")), Length(max=150)],
    )
    service = SingleLineField(_l("Service ou dispositif"), filters=[_strip], validators=[Length(max=150)])
    contact = SingleLineField(
        _l("Contact"),
        filters=[_strip],
        validators=[Length(max=300)],
        description=_l("Un service, une adresse ou un numéro professionnels : jamais de coordonnées personnelles."),
    )
    domains = CheckboxesField(_l("Domaines"), choices=options((d.value, DOMAIN_LABELS[d]) for d in Domain))


class MessageForm(FlaskForm):
    body = TextAreaField(
        _l("Votre message"),
        filters=[_strip],
        validators=[
            DataRequired(message=_l("Écrivez votre message avant de l'envoyer.")),
            Length(max=5000, message=_l("5 000 caractères au plus.")),
        ],
        description=_l("Visible seulement par l'association, le ou la référent·e et la modération du pôle."),
    )
