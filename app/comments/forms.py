from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from app.comments.services import MAX_LENGTH, too_long_message
from app.forms import strip


def _not_too_long(form, field) -> None:
    if field.data and len(field.data) > MAX_LENGTH:
        raise ValidationError(too_long_message(len(field.data)))


def reply_prefix(target_id: int | None) -> str:
    # Several forms share the page: prefixes keep their field ids apart.
    return f"reponse-{target_id}-" if target_id else "commentaire-"


def edit_prefix(comment_id: int) -> str:
    return f"modifier-{comment_id}-"


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Votre message"),
        filters=[strip],
        validators=[DataRequired(message=_l("Écrivez votre commentaire avant de l'envoyer.")), _not_too_long],
        description=_l("5 000 caractères au plus. Mise en forme Markdown possible (**gras**, listes, liens)."),
    )
