from flask import Blueprint, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access
from app.extensions import csrf
from app.i18n import in_locale, remember_locale, safe_next, valid_locale
from app.pages import services
from app.permissions import PUBLIC
from app.rendering import render
from app.retention import periods
from app.search import services as search_services

bp = Blueprint("pages", __name__)


@bp.route("/")
@access(PUBLIC)
def home():
    return render(
        "pages/home.html",
        calls=services.open_and_upcoming_calls(),
        results_calls=services.calls_with_recent_results(),
        poles=services.poles_with_commune_counts(),
        proposals=search_services.latest("proposal"),
        ideas=search_services.latest("idea"),
    )


@bp.post("/langue")
@access(PUBLIC)
@csrf.exempt
def language():
    """The language switch of every page's footer: a form, so it works without JavaScript."""
    # Pages shared by every anonymous reader carry no CSRF token (app/page_cache.py): for them the
    # switch only sets this browser's language, as a ?lang= link would; a forged one does no harm.
    # A signed-in person's choice also changes their account: checked as every other form.
    if current_user.is_authenticated:
        csrf.protect()
    locale = valid_locale(request.form.get("locale"))
    if locale:
        remember_locale(locale)
        with in_locale(locale):  # said in the language just chosen
            flash(_("Les pages sont maintenant en français."), "success")
    # An unknown language changes nothing: the page comes back as it was.
    return redirect(safe_next(request.form.get("next")), 303)


@bp.route("/accessibilite")
@access(PUBLIC)
def accessibility():
    return render("pages/accessibility.html")


@bp.route("/mentions-legales")
@access(PUBLIC)
def legal():
    return render("pages/legal.html")


@bp.route("/donnees-personnelles")
@access(PUBLIC)
def privacy():
    # The periods come from the configuration that the purge obeys: the page cannot promise otherwise.
    return render("pages/privacy.html", periods=periods())


@bp.route("/regles-de-participation")
@access(PUBLIC)
def rules():
    return render("pages/rules.html")


@bp.route("/plan-du-site")
@access(PUBLIC)
def sitemap():
    return render("pages/sitemap.html")
