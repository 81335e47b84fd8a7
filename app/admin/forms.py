"""Forms of the back office's people and associations sections."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.admin.people_services import REASON_MAX, ROLES
from app.forms import SingleLineField, strip
from app.identity import lazy, upper_first

_REASON_LENGTH = Length(max=REASON_MAX, message=_l("1 000 caractères au plus."))


class PeopleFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter: nothing changes

    q = SingleLineField(_l("Nom ou adresse e-mail"), validators=[Length(max=120)])
    role = SelectField(_l("Rôle"), coerce=str, validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("Tous les rôles"))] + [(k, label) for k, label in ROLES.items()]


def _optional_int(value):
    return int(value) if value not in (None, "") and str(value).isdigit() else None


class AppointForm(FlaskForm):
    """Give a person a role: which one, where, and why (required)."""

    role = SelectField(_l("Rôle à confier"), coerce=str, validate_choice=False)
    pole_id = SelectField(
        lazy(lambda i: upper_first(i.unit.singular)),
        coerce=_optional_int,
        validate_choice=False,
        description=_l("Pour la modération et les agents."),
    )
    call_id = SelectField(
        _l("Appel à projets"), coerce=_optional_int, validate_choice=False, description=_l("Pour l'évaluation.")
    )
    reason = TextAreaField(
        _l("Motif"),
        filters=[strip],
        validators=[
            InputRequired(_l("Indiquez le motif : il est gardé au journal et dit à la personne.")),
            _REASON_LENGTH,
        ],
        description=_l("Gardé au journal et envoyé à la personne."),
    )

    def __init__(self, *args, poles=(), calls=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [("", _l("Choisir un rôle"))] + [(k, label) for k, label in ROLES.items()]
        self.pole_id.choices = [("", _l("Aucun"))] + [(p.id, p.name) for p in poles]
        self.call_id.choices = [("", _l("Aucun"))] + [(c.id, c.title) for c in calls]


class RevokeForm(FlaskForm):
    """Take one role back; the hidden fields say which."""

    role = HiddenField()
    pole_id = HiddenField()
    call_id = HiddenField()
    reason = SingleLineField(
        _l("Motif du retrait"),
        validators=[InputRequired(_l("Indiquez le motif du retrait.")), _REASON_LENGTH],
    )


class VerificationForm(FlaskForm):
    """Verify an association, or refuse with a reason (required for a refusal only)."""

    reason = SingleLineField(_l("Motif du refus"), validators=[_REASON_LENGTH])
