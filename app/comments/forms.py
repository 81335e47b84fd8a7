from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, ValidationError

from app.associations.voices import speaker_choices
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


class NewCommentForm(CommentForm):
    """A new message; a member of an association also chooses whom they speak for (the field is
    dropped for everyone else, see ``new_comment_form``)."""

    speaker = RadioField(_l("Vous vous exprimez"), choices=[], default="", validate_choice=False)


def new_comment_form(user, target_id: int | None = None, **kwargs) -> NewCommentForm:
    form = NewCommentForm(prefix=reply_prefix(target_id), **kwargs)
    choices = speaker_choices(user)
    if choices:
        form.speaker.choices = choices
        if form.speaker.data is None:
            form.speaker.data = ""
    else:
        del form.speaker
    return form


def speaker_id(form: CommentForm) -> int | None:
    """The association chosen, if any (the service checks it is one of the author's)."""
    value = getattr(form, "speaker", None) and form.speaker.data
    return int(value) if value and str(value).isdigit() else None
