from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_remembered, login_user, logout_user

from app import identity
from app.access import access
from app.associations import services as association_services
from app.auth import erasure, services
from app.auth.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmEmailForm,
    DeleteAccountForm,
    DisplayNameForm,
    ForgotPasswordForm,
    LoginForm,
    RegisterForm,
    ResetPasswordForm,
)
from app.forms import attach, invalid, reject
from app.moderation import brakes
from app.permissions import ANONYMOUS_ONLY, PUBLIC
from app.ratelimit import rate_limit
from app.rendering import render
from app.urls import redirect_back, safe_next

bp = Blueprint("auth", __name__)


def _after_login():
    return redirect_back(request.values.get("next"), url_for("auth.account"))


@bp.route("/connexion", methods=["GET", "POST"])
@rate_limit("login")
@access(ANONYMOUS_ONLY)
def login():
    if current_user.is_authenticated:
        return _after_login()
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            services.log_in(user, remember=form.remember.data)
            flash(_("Bonjour %(name)s, vous êtes connecté·e.", name=user.display_name), "success")
            return _after_login()
        # One message for both cases: it must not reveal which addresses have an account.
        form.form_errors.append(_("Adresse e-mail ou mot de passe incorrect."))
    if form.is_submitted():
        return invalid("auth/login.html", form=form)
    return render("auth/login.html", form=form)


@bp.route("/deconnexion", methods=["POST"])
@access("account.use")
def logout():
    services.log_out(current_user)
    flash(_("Vous êtes déconnecté·e. À bientôt !"), "success")
    return redirect(url_for("pages.home"))


@bp.route("/inscription", methods=["GET", "POST"])
@rate_limit("register")
@access(ANONYMOUS_ONLY)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    if form.is_submitted() and form.website.data:
        # Honeypot filled in: a robot. Refused quietly, nothing created, nothing explained.
        return redirect(url_for("pages.home"))
    if form.validate_on_submit() and not brakes.registration_allowed(_address()):
        form.form_errors.append(
            _("Trop de comptes ont été créés depuis votre connexion ces dernières minutes. Réessayez dans une heure.")
        )
        return invalid("auth/register.html", status=429, form=form)
    if form.validate_on_submit():
        try:
            user = services.register(
                form.email.data, form.display_name.data, form.password.data, safe_next(request.values.get("next"))
            )
        except services.AccountError as error:
            return reject("auth/register.html", form, error)
        brakes.record_registration(_address())
        services.log_in(user)
        flash(
            _(
                "Bienvenue sur %(platform)s, %(name)s ! Votre compte est créé. Ouvrez le lien envoyé à %(email)s "
                "pour confirmer votre adresse et participer.",
                name=user.display_name,
                email=user.email,
                platform=identity.current().platform_name,
            ),
            "success",
        )
        # A new account has nothing to set yet: offer what people come for, not the settings page.
        return redirect_back(request.values.get("next"), url_for("auth.welcome"))
    if form.is_submitted():
        # Say everything at once: a taken address too, not only the empty fields.
        _check_availability(form)
        return invalid("auth/register.html", form=form)
    # Arriving from an invitation link: the invited address is already known.
    form.email.data = association_services.invited_address(request.args.get("invitation"))
    return render("auth/register.html", form=form)


@bp.route("/bienvenue")
@access("account.use")
def welcome():
    """Next steps offered right after registering."""
    return render("auth/welcome.html")


def _address() -> str:
    # The proxy in front sets the real address (ProxyFix in deployment); remote_addr otherwise.
    return request.remote_addr or "unknown"


# Fields checked as soon as they lose focus (htmx); the others only on submit.
INLINE_CHECKS = {
    "email": services.check_email_available,
    "display_name": services.check_display_name_available,
}


def _check_availability(form: RegisterForm, names=tuple(INLINE_CHECKS)) -> bool:
    valid = True
    for name in names:
        field = form[name]
        if field.data and not field.errors:
            try:
                INLINE_CHECKS[name](field.data)
            except services.AccountError as error:
                field.errors = [*field.errors, error.message]
                valid = False
    return valid


@bp.route("/inscription/verifier/<field>", methods=["POST"])
@rate_limit("register_check")
@access(ANONYMOUS_ONLY)
def register_check(field: str):
    """Inline validation of one registration field: returns that field, with its error if any."""
    if field not in INLINE_CHECKS:
        abort(404)
    form = RegisterForm()
    valid = form[field].validate(form) and _check_availability(form, (field,))
    return render("auth/_checked_field.html", status=200 if valid else 422, form=form, name=field)


def _account_page(name_form=None, password_form=None, email_form=None, status=200):
    return render(
        "auth/account.html",
        status=status,
        name_form=name_form or DisplayNameForm(prefix="name", obj=current_user, formdata=None),
        password_form=password_form or ChangePasswordForm(prefix="password", formdata=None),
        email_form=email_form or ChangeEmailForm(prefix="email", formdata=None),
        memberships=services.memberships_of(current_user),
        moderated_poles=services.moderated_poles_of(current_user),
    )


@bp.route("/compte")
@access("account.use")
def account():
    return _account_page()


@bp.route("/compte/nom", methods=["POST"])
@access("profile.edit")
def change_display_name():
    form = DisplayNameForm(prefix="name")
    if form.validate_on_submit():
        try:
            services.change_display_name(current_user, form.display_name.data)
        except services.AccountError as error:
            form.display_name.errors = [error.message]
            return _account_page(name_form=form, status=422)
        flash(_("Votre nom public est maintenant « %(name)s ».", name=current_user.display_name), "success")
        return redirect(url_for("auth.account"))
    return _account_page(name_form=form, status=422)


@bp.route("/compte/mot-de-passe", methods=["POST"])
@access("account.use")
def change_password():
    form = ChangePasswordForm(prefix="password")
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.AccountError as error:
            form.current_password.errors = [error.message]
            return _account_page(password_form=form, status=422)
        # Every other session has just ended; this one goes on under the new session id.
        login_user(current_user._get_current_object(), remember=login_remembered())
        flash(_("Votre mot de passe est changé. Vos autres appareils sont déconnectés."), "success")
        return redirect(url_for("auth.account"))
    return _account_page(password_form=form, status=422)


@bp.route("/compte/adresse", methods=["POST"])
@rate_limit("email_change")
@access("account.use")
def change_email():
    form = ChangeEmailForm(prefix="email")
    if form.validate_on_submit():
        try:
            new_email = services.request_email_change(current_user, form.new_email.data, form.password.data)
        except services.AccountError as error:
            attach(form, error)
            return _account_page(email_form=form, status=422)
        flash(
            _(
                "Un lien de confirmation vient d'être envoyé à %(email)s. Votre adresse ne change qu'une fois "
                "ce lien ouvert ; d'ici là, elle reste %(current)s.",
                email=new_email,
                current=current_user.email,
            ),
            "success",
        )
        return redirect(url_for("auth.account"))
    return _account_page(email_form=form, status=422)


@bp.route("/compte/adresse/confirmer/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def confirm_email_change(token: str):
    """The link sent to the new address: a page with one button (a POST: a mail scanner following
    links changes nothing by itself)."""
    back = url_for("auth.account") if current_user.is_authenticated else url_for("auth.login")
    try:
        user, new_email = services.email_change_for_token(token)
    except services.EmailChangeLinkError as error:
        flash(error.message, "error")
        return redirect(back)
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        try:
            services.confirm_email_change(token)
        except services.EmailChangeLinkError as error:
            flash(error.message, "error")
            return redirect(back)
        flash(_("Votre adresse e-mail est maintenant %(email)s.", email=new_email), "success")
        return redirect(back)
    return render("auth/confirm_email_change.html", form=form, token=token, new_email=new_email)


def _delete_page(form: DeleteAccountForm, status: int = 200):
    return render(
        "auth/delete_account.html",
        status=status,
        form=form,
        removable=erasure.removable_content(current_user),
        blocking=erasure.sole_admin_of(current_user),
    )


@bp.route("/compte/supprimer", methods=["GET", "POST"])
@access("account.delete")
def delete_account():
    """The rule is said on this page before the person confirms with their password."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _delete_page(form, status=422 if form.is_submitted() else 200)
    if not current_user.check_password(form.password.data):
        form.password.errors = [_("Ce n'est pas votre mot de passe actuel.")]
        return _delete_page(form, status=422)
    try:
        erasure.erase(current_user._get_current_object(), remove_content=form.content.data == "remove")
    except erasure.ErasureError as error:
        attach(form, error)
        return _delete_page(form, status=422)
    logout_user()
    flash(_("Votre compte est supprimé. Merci d'avoir participé."), "success")
    return redirect(url_for("pages.home"))


@bp.route("/compte/deconnexion-partout", methods=["POST"])
@access("account.use")
def logout_everywhere():
    services.end_all_sessions(current_user)
    logout_user()
    flash(_("Vous êtes déconnecté·e de tous vos appareils, celui-ci compris."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/compte/confirmation/renvoyer", methods=["POST"])
@rate_limit("verification_email")
@access("account.use")
def resend_verification():
    if current_user.is_verified:
        flash(_("Votre adresse e-mail est déjà confirmée."), "info")
    else:
        services.send_verification_email(current_user, safe_next(request.form.get("next")))
        flash(
            _("Un nouveau lien de confirmation vient d'être envoyé à %(email)s.", email=current_user.email), "success"
        )
    return redirect_back(request.form.get("next"), url_for("auth.account"))


@bp.route("/compte/confirmer/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def verify_email(token: str):
    """The link of the confirmation e-mail: a page with one button (a POST, so that a mail
    scanner following links confirms nothing by itself)."""
    user = services.user_for_verification_token(token)
    if user is None:
        flash(
            _(
                "Ce lien de confirmation n'est plus valable (expiré ou incomplet). "
                "Connectez-vous et demandez-en un nouveau avec « Renvoyer le lien »."
            ),
            "error",
        )
        return redirect(url_for("auth.account") if current_user.is_authenticated else url_for("auth.login"))
    form = ConfirmEmailForm()
    if form.validate_on_submit():
        services.verify_email(user)
        flash(_("Votre adresse e-mail est confirmée : vous pouvez participer."), "success")
        # Back where the person was heading when they registered (a claim link), logging in first if needed.
        back = safe_next(request.values.get("next"))
        if current_user.is_authenticated:
            return redirect(back or url_for("pages.home"))
        return redirect(url_for("auth.login", next=back))
    return render("auth/verify_email.html", form=form, token=token, user=user)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@rate_limit("password_reset")
@access(PUBLIC)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(
            _(
                "Si un compte existe avec cette adresse, un lien pour choisir un nouveau "
                "mot de passe vient d'y être envoyé. Il reste valable une heure."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    if form.is_submitted():
        return invalid("auth/forgot_password.html", form=form)
    return render("auth/forgot_password.html", form=form)


@bp.route("/mot-de-passe/reinitialiser/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(
            _("Ce lien de réinitialisation n'est plus valable (expiré ou déjà utilisé). Demandez-en un nouveau."),
            "error",
        )
        return redirect(url_for("auth.forgot_password"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user, form.password.data)
        flash(_("Votre mot de passe est changé. Vous pouvez vous connecter."), "success")
        return redirect(url_for("auth.login"))
    if form.is_submitted():
        return invalid("auth/reset_password.html", form=form, token=token)
    return render("auth/reset_password.html", form=form, token=token)
