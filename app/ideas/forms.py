from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import SingleLineField
from app.participation_forms import commune_field, domain_field, publics_field, subdomain_field

TITLE_MAX = 150
DESCRIPTION_MAX = 10_000


class IdeaForm(FlaskForm):
    title = SingleLineField(
        _l("Titre"),
        validators=[
            DataRequired(message=_l("Donnez un titre à votre idée.")),
            Length(min=5, max=TITLE_MAX, message=_l("Le titre doit faire entre %(min)d et %(max)d caractères.")),
        ],
        description=_l("En une phrase : le besoin que vous constatez."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[
            DataRequired(message=_l("Décrivez le besoin.")),
            Length(
                min=20,
                max=DESCRIPTION_MAX,
                message=_l("La description doit faire entre %(min)d et %(max)d caractères."),
            ),
        ],
        description=_l(
            "Qui est concerné, où, depuis quand ? Mise en forme Markdown possible (**gras**, listes, liens)."
        ),
    )
    commune_id = commune_field(_l("Commune où vous constatez ce besoin"))
    domain = domain_field()
    subdomain = subdomain_field()
    publics = publics_field(_l("Publics concernés"))
