"""My data: asking for a copy, and downloading it from the e-mail's link."""

from flask import Blueprint, Response, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm

from app.access import access, authorize
from app.mydata import services
from app.ratelimit import rate_limit
from app.rendering import render

bp = Blueprint("mydata", __name__)


class DownloadForm(FlaskForm):
    """Only the CSRF token: downloading is one button."""


@bp.route("/compte/mes-donnees", methods=["POST"])
@rate_limit("data_export")
@access("data.export")
def request_copy():
    export = services.request_export(current_user)
    if export.is_pending:
        flash(
            _("Votre demande est enregistrée : un courriel vous donnera le lien dès que la copie sera prête."),
            "success",
        )
    else:
        flash(_("La copie de vos données est prête : le lien vient de vous être envoyé par courriel."), "success")
    return redirect(url_for("auth.account", _anchor="data-title"))


@bp.route("/compte/mes-donnees/<token>", methods=["GET", "POST"])
@access("account.use")
def download(token: str):
    """The e-mail's link: a page with one button (a POST, so that a mail scanner following links
    does not use up the single download)."""
    export = services.export_for_token(token)
    if export is None:
        flash(
            _(
                "Ce lien ne donne plus rien : il a expiré, ou la copie a déjà été téléchargée. "
                "Vous pouvez en demander une nouvelle ici."
            ),
            "error",
        )
        return redirect(url_for("auth.account", _anchor="data-title"))
    authorize("data.download", export)
    form = DownloadForm()
    if form.validate_on_submit():
        name = f"mes-donnees-{export.ready_at:%Y-%m-%d}.zip"
        content = services.take(export)
        return Response(
            content,
            mimetype="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )
    return render("mydata/download.html", form=form, token=token, export=export)
