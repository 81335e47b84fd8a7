from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from app.forms import SingleLineField, strip
from app.identity import lazy, upper_first
from app.models.moderation import REASON_LABELS, ReportReason
from app.participation_forms import options


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
        filters=[strip],
        validators=[_text_if_other, Length(max=2000, message=_l("2 000 caractères au plus."))],
        description=_l("Obligatoire pour « Autre ». Ne sera lu que par l'équipe de modération."),
    )


class ReasonForm(FlaskForm):
    """The optional reason of a moderation decision (told to the author and kept in the log)."""

    reason = SingleLineField(
        _l("Motif (facultatif)"),
        filters=[strip],
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))],
    )


# Ready-made reasons for hiding, the cases the participation rules list (templates/pages/rules.html).
HIDE_REASONS = (
    ("injurieux", _l("Propos injurieux, menaçants ou discriminatoires")),
    ("donnees_personnelles", _l("Données personnelles")),
    ("publicite", _l("Publicité, démarchage ou propagande électorale")),
    ("hors_sujet", _l("Hors sujet ou message en double")),
    ("illegal", _l("Contenu illégal")),
)


class DecisionForm(FlaskForm):
    """A moderation decision's reason: required to hide (chosen or written), optional otherwise."""

    motif = SelectField(
        _l("Motif du masquage"),
        choices=options([("", _l("— choisir un motif —")), *HIDE_REASONS]),
        validate_choice=False,  # an unknown value is refused in validate_for, with a French message
    )
    reason = SingleLineField(
        _l("Motif écrit ou précisions"),
        filters=[strip],
        validators=[Length(max=1000, message=_l("1 000 caractères au plus."))],
        description=_l("Communiqué à l'auteur. Obligatoire pour masquer si aucun motif n'est choisi."),
    )

    def validate_for(self, action: str) -> bool:
        valid = self.validate()
        if self.motif.data and self.motif.data not in dict(HIDE_REASONS):
            self.motif.errors = [*self.motif.errors, _l("Choisissez un motif de la liste.")]
            valid = False
        elif action == "hide" and not self.motif.data and not self.reason.data:
            self.motif.errors = [
                *self.motif.errors,
                _l("Choisissez un motif ou écrivez-le : il est communiqué à l'auteur."),
            ]
            valid = False
        return valid

    @property
    def decision_reason(self) -> str:
        """What the author is told and the log keeps: the chosen reason, then what was written."""
        chosen = str(dict(HIDE_REASONS).get(self.motif.data, ""))
        written = self.reason.data or ""
        return f"{chosen} : {written}" if chosen and written else chosen or written


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    pole = SelectField(lazy(lambda i: upper_first(i.unit.singular)), coerce=str)
    action = SelectField(_l("Action"), coerce=str)
    moderateur = SelectField(_l("Par"), coerce=str)


class ContestForm(FlaskForm):
    """Why the author (or the suspended person) thinks the decision is wrong."""

    text = TextAreaField(
        _l("Pourquoi contestez-vous cette décision ?"),
        filters=[strip],
        validators=[
            DataRequired(message=_l("Expliquez pourquoi vous contestez cette décision.")),
            Length(max=2000, message=_l("2 000 caractères au plus.")),
        ],
        description=_l(
            "Lu par l'équipe de modération, qui réexamine la décision. 2 000 caractères au plus ; "
            "vous pouvez contester une fois chaque décision."
        ),
    )
