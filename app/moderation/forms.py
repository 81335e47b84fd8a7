from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from app.forms import SingleLineField
from app.models.moderation import REASON_LABELS, ReportReason
from app.participation_forms import options


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _text_if_other(form, field) -> None:
    if form.reason.data == ReportReason.OTHER.value and not field.data:
        raise ValidationError(_l("Précisez la raison de votre signalement."))


class ReportForm(FlaskForm):
    reason = RadioField(
        _l("Pourquoi signalez-vous ce contenu ?"),
        choices=options((r.value, REASON_LABELS[r]) for r in ReportReason),
        validators=[InputRequired(message=_l("Choisissez une raison."))],
    )
    text = TextAreaField(
        _l("Précisions"),
        filters=[_strip],
        validators=[_text_if_other, Length(max=2000, message=_l("2 000 caractères au plus."))],
        description=_l("Obligatoire pour « Autre ». Ne sera lu que par l'équipe de modération."),
    )


class ReasonForm(FlaskForm):
    """The optional reason of a moderation decision (told to the author and kept in the log)."""

    reason = SingleLineField(
        _l("Motif (facultatif)"),
        filters=[_strip],
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))],
    )


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    pole = SelectField(_l("Pôle"), coerce=str)
    action = SelectField(_l("Action"), coerce=str)
    moderateur = SelectField(_l("Par"), coerce=str)
