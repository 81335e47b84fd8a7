from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from app.forms import SingleLineEmailField, SingleLineField
from app.identity import lazy
from app.names import normalize_name, validate_public_name

PASSWORD_MIN = 12
PASSWORD_MAX = 128

_password_rules = [
    DataRequired(message=_l("Choisissez un mot de passe.")),
    Length(
        min=PASSWORD_MIN,
        max=PASSWORD_MAX,
        message=_l("Le mot de passe doit faire entre %(min)d et %(max)d caractères."),
    ),
]


def _no_email_in_name(form, field):
    # The public name must never reveal an e-mail address.
    if "@" in (field.data or ""):
        raise ValidationError(_l("Votre nom public ne peut pas contenir d'adresse e-mail (pas de « @ »)."))


def _email_field(label=_l("Adresse e-mail")):
    return SingleLineEmailField(
        label,
        validators=[
            DataRequired(message=_l("Indiquez votre adresse e-mail.")),
            Length(max=254, message=_l("L'adresse e-mail est trop longue (254 caractères au plus).")),
            Email(
                message=_l("Cette adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."),
                check_deliverability=False,
            ),
        ],
        render_kw={"autocomplete": "email"},
    )


def _display_name_field():
    return SingleLineField(
        _l("Nom public"),
        validators=[
            DataRequired(message=_l("Choisissez un nom public.")),
            Length(min=2, max=60, message=_l("Le nom public doit faire entre 2 et 60 caractères.")),
            _no_email_in_name,
            validate_public_name,
        ],
        filters=[normalize_name],
        render_kw={"autocomplete": "nickname"},
        description=_l(
            "Affiché à côté de vos contributions. Un pseudonyme convient ; votre adresse e-mail n'est jamais montrée."
        ),
    )


class LoginForm(FlaskForm):
    email = _email_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe."))],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Rester connecté sur cet appareil"))


class RegisterForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    password = PasswordField(
        _l("Mot de passe"),
        validators=_password_rules,
        render_kw={"autocomplete": "new-password"},
        description=_l("12 caractères au moins. Une phrase de plusieurs mots est facile à retenir et solide."),
    )
    password_confirm = PasswordField(
        _l("Confirmez le mot de passe"),
        validators=[
            DataRequired(message=_l("Retapez le mot de passe.")),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    accept_terms = BooleanField(
        lazy(
            lambda i: _(
                "J'ai lu comment %(platform)s traite mes données personnelles "
                "et j'accepte les règles de participation.",
                platform=i.platform_name,
            )
        ),
        validators=[DataRequired(message=_l("Vous devez accepter les règles pour créer un compte."))],
    )
    # Spam brake (moderation): a honeypot people never see nor reach; robots fill it in.
    website = SingleLineField(_l("Ne pas remplir ce champ"), render_kw={"autocomplete": "off", "tabindex": "-1"})


class DisplayNameForm(FlaskForm):
    display_name = _display_name_field()


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Mot de passe actuel"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe actuel."))],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=_password_rules,
        render_kw={"autocomplete": "new-password"},
        description=_l("12 caractères au moins."),
    )
    new_password_confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[
            DataRequired(message=_l("Retapez le nouveau mot de passe.")),
            EqualTo("new_password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = _email_field()


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nouveau mot de passe"),
        validators=_password_rules,
        render_kw={"autocomplete": "new-password"},
        description=_l("12 caractères au moins."),
    )
    password_confirm = PasswordField(
        _l("Confirmez le nouveau mot de passe"),
        validators=[
            DataRequired(message=_l("Retapez le nouveau mot de passe.")),
            EqualTo("password", message=_l("Les deux mots de passe ne sont pas identiques.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class ConfirmEmailForm(FlaskForm):
    """Only the CSRF token: confirming is one button."""


class ChangeEmailForm(FlaskForm):
    """A new address, confirmed by a link sent to it before it replaces the current one."""

    new_email = _email_field(_l("Nouvelle adresse e-mail"))
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe."))],
        render_kw={"autocomplete": "current-password"},
        description=_l("Pour vérifier que c'est bien vous."),
    )


def _content_choice():
    return RadioField(
        _l("Vos contributions publiques"),
        choices=[
            SelectChoice("keep", _l("Les laisser lisibles sous « Compte supprimé »")),
            SelectChoice("remove", _l("Retirer celles auxquelles personne n'a répondu")),
        ],
        default="keep",
        validators=[DataRequired(message=_l("Choisissez ce que deviennent vos contributions."))],
    )


class DeleteAccountForm(FlaskForm):
    content = _content_choice()
    password = PasswordField(
        _l("Votre mot de passe"),
        validators=[DataRequired(message=_l("Indiquez votre mot de passe pour confirmer."))],
        render_kw={"autocomplete": "current-password"},
    )


class EraseAccountForm(FlaskForm):
    """An administrator erases an account on a written request (the reason goes to the log)."""

    content = _content_choice()
    reason = TextAreaField(
        _l("Motif"),
        validators=[DataRequired(message=_l("Indiquez le motif (la demande reçue, sa date)."))],
        description=_l("Par exemple : « Courrier reçu le 12 novembre, identité vérifiée ». Gardé au journal."),
    )
