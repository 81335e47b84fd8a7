"""Mediated participation: the agent's entry forms, the moderators' review, the resident's claim."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.access import access, authorize
from app.extensions import db
from app.forms import invalid, reject
from app.inputs import parse_int
from app.mediation import services
from app.mediation.forms import MediatedContributionForm, MediatedIdeaForm, ResidentForm
from app.models import Mediation
from app.moderation import services as moderation
from app.permissions import PUBLIC
from app.rendering import render
from app.subjects import SLUGS, any_of, load_subject, url_of

bp = Blueprint("mediation", __name__)

# The meeting's place and date are kept between entries: at a market stall, the next resident
# is met at the same place, the same day.
MEETING_KEY = "mediation_meeting"


def _prefill(form: ResidentForm) -> None:
    if form.is_submitted():
        return
    meeting = session.get(MEETING_KEY, {})
    form.place.data = meeting.get("place", "market")
    form.place_detail.data = meeting.get("place_detail", "")
    try:
        form.met_on.data = date.fromisoformat(meeting.get("met_on", ""))
    except ValueError:
        form.met_on.data = date.today()


def _resident(form: ResidentForm) -> services.Resident:
    session[MEETING_KEY] = {
        "place": form.place.data,
        "place_detail": form.place_detail.data or "",
        "met_on": form.met_on.data.isoformat(),
    }
    return services.Resident(
        name=form.name.data,
        commune_id=form.commune_id.data,
        birth_year=form.birth_year.data,
        place=form.place.data,
        place_detail=form.place_detail.data or "",
        met_on=form.met_on.data,
        contact_email=form.contact_email.data or None,
    )


@bp.route("/recueil/", methods=["GET", "POST"])
@access("mediation.record")
def idea():
    """An idea collected in person (supports and comments start from the subject's page)."""
    form = MediatedIdeaForm()
    _prefill(form)
    if form.validate_on_submit():
        fields = {"title": form.title.data, "description": form.description.data, "domain": form.domain.data}
        try:
            created = services.record_idea(
                current_user, _resident(form), commune_id=form.commune_id.data, publics=[], **fields
            )
        except services.MediationError as error:
            return reject("mediation/idea.html", form, error)
        flash(_("L'idée est publiée : « %(title)s ».", title=created.title), "success")
        return redirect(url_for("mediation.idea"))
    if form.is_submitted():
        return invalid("mediation/idea.html", form=form)
    return render("mediation/idea.html", form=form)


@bp.route(f"/recueil/<{any_of(SLUGS)}:slug>/<int:subject_id>", methods=["GET", "POST"])
@access("mediation.record", per_object=True)
def contribution(slug: str, subject_id: int):
    """A support or a comment collected in person on this idea or proposal."""
    subject = load_subject(slug, subject_id)
    authorize("mediation.record", subject)
    form = MediatedContributionForm()
    _prefill(form)
    context = {"subject": subject, "slug": slug, "subject_url": url_of(subject)}
    if form.validate_on_submit():
        resident = _resident(form)
        try:
            if form.kind.data == "support":
                services.record_support(current_user, resident, subject)
                message = _("Le soutien de %(name)s est compté.", name=resident.name)
            else:
                services.record_comment(current_user, resident, subject, form.body.data)
                message = _("Le commentaire de %(name)s est publié.", name=resident.name)
        except services.MediationError as error:
            return reject("mediation/contribution.html", form, error, **context)
        flash(message, "success")
        return redirect(url_for("mediation.contribution", slug=slug, subject_id=subject.id))
    if form.is_submitted():
        return invalid("mediation/contribution.html", form=form, **context)
    return render("mediation/contribution.html", form=form, **context)


@bp.route("/moderation/recueils")
@access("mediation.review")
def entries():
    """The agents' entries of the units this person moderates, newest first, by agent if chosen."""
    agent_id = parse_int(request.args.get("agent"))
    page = services.entries_page(current_user, agent_id=agent_id, page=request.args.get("page", 1, type=int))
    return render(
        "mediation/entries.html",
        page=page,
        agent_id=agent_id,
        agents=services.agents_for_filter(current_user),
        contributions=services.contributions_of(page.items),
    )


@bp.post("/moderation/recueils/<int:mediation_id>/masquer")
@access("content.moderate", per_object=True)
def hide(mediation_id: int):
    """Hide an agent's idea or comment: the moderation queue's own "Masquer", with its reason."""
    mediation = db.get_or_404(Mediation, mediation_id)
    item = services.contributions_of([mediation]).get(mediation.id)
    if item is None:
        authorize("content.moderate", None)
    authorize("content.moderate", item)
    reason = (request.form.get("motif") or "").strip() or _("Contribution recueillie en personne masquée.")
    try:
        moderation.act(moderation.case_for(item), "hide", current_user, reason)
        flash(_("La contribution est masquée."), "success")
    except moderation.ModerationError as error:
        flash(error.message, "error")
    return redirect(url_for("mediation.entries"))


@bp.route("/recueil/retrouver/<token>")
@access(PUBLIC)
def claim(token: str):
    """The page of the link e-mailed to the resident: open to anyone holding it, so that someone with
    no account yet can create one (or log in) and be brought back here to claim."""
    try:
        mediation = services.mediation_for_token(token)
    except services.MediationError as error:
        return render("mediation/claim.html", status=404, error=error.message, mediation=None, token=token)
    return render("mediation/claim.html", error=None, mediation=mediation, token=token)


@bp.route("/recueil/retrouver/<token>", methods=["POST"])
@access("mediation.claim")
def claim_confirm(token: str):
    """The resident, logged in with a confirmed address, takes their contributions into their account."""
    try:
        mediation = services.mediation_for_token(token)
    except services.MediationError as error:
        return render("mediation/claim.html", status=404, error=error.message, mediation=None, token=token)
    try:
        count = services.claim(current_user, token)
    except services.MediationError as error:
        return render("mediation/claim.html", status=409, error=error.message, mediation=mediation, token=token)
    flash(
        ngettext(
            "C'est fait : %(num)d contribution est rattachée à votre compte.",
            "C'est fait : %(num)d contributions sont rattachées à votre compte.",
            count,
        ),
        "success",
    )
    return redirect(url_for("profiles.detail", user_id=current_user.id))
