"""Moderation routes: thin. Rules live in app.moderation.services and app.permissions.

Every action is a real form (POST + redirect without JavaScript); with htmx the same URLs answer
the fragment that changed, in place.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app import identity
from app.access import access, authorize
from app.auth import services as auth_services
from app.extensions import db
from app.forms import attach
from app.identity import upper_first
from app.inputs import page_value, parse_int
from app.models import ModerationCase, Pole, Proposal, User
from app.models.pole_scope import moderated_pole_ids
from app.moderation import contestations, services
from app.moderation.forms import HIDE_REASONS, AuditFilterForm, ContestForm, DecisionForm, ReasonForm, ReportForm
from app.moderation.links import report_slot_id
from app.participation_forms import options
from app.permissions import can
from app.ratelimit import rate_limit
from app.rendering import is_htmx, render
from app.subjects import WORDS, any_of, kind_of, load_item, url_of_item
from app.urls import safe_next

bp = Blueprint("moderation", __name__)

ITEM = f"/signaler/<{any_of(WORDS)}:word>/<int:item_id>"


@bp.route("/moderation/contenu/<any(idea, proposal, comment):kind>/<int:item_id>")
@access("moderation.access")
def content(kind: str, item_id: int):
    """From the audit log to the content in its context (a comment: its subject's page, at it)."""
    item = load_item(kind, item_id) or abort(404)
    return redirect(url_of_item(item))


def _safe_back(default: str) -> str:
    return safe_next(request.form.get("retour") or request.args.get("retour")) or default


# --- Reporting ------------------------------------------------------------------------------


@bp.route(ITEM, methods=["GET", "POST"])
@rate_limit("report")
@access("content.report", per_object=True)
def report(word: str, item_id: int):
    item = load_item(WORDS[word], item_id) or abort(404)
    if isinstance(item, Proposal) and not can(current_user, "proposal.view", item):
        abort(404)
    authorize("content.report", item)
    slot = report_slot_id(item)
    form = ReportForm(prefix=slot + "-")
    back = url_of_item(item)
    context = {"item": item, "form": form, "slot": slot, "back": back, "kind": kind_of(item)}
    if form.validate_on_submit():
        try:
            result = services.report(current_user, item, form.reason.data, form.text.data)
        except services.ModerationError as error:
            if not is_htmx():
                flash(error.message, "error")
                return redirect(back)
            return render(
                "moderation/report.html",
                block="report_result",
                status=409,
                message=error.message,
                ok=False,
                hidden_now=False,
                **context,
            )
        message = _("Merci, votre signalement est transmis à l'équipe de modération.")
        if result.hidden_now:
            message += " " + _("Ce contenu est désormais masqué en attente de modération.")
        if not is_htmx():
            flash(message, "success")
            return redirect(back)
        return render(
            "moderation/report.html",
            block="report_result",
            message=message,
            ok=True,
            hidden_now=result.hidden_now,
            **context,
        )
    status = 422 if form.is_submitted() else 200
    return render("moderation/report.html", block="report_form", status=status, **context)


# --- Contesting a decision -----------------------------------------------------------------


@bp.route(f"/contester/<{any_of(WORDS)}:word>/<int:item_id>", methods=["GET", "POST"])
@access("content.contest", per_object=True)
def contest(word: str, item_id: int):
    """The author of hidden content asks for the decision to be reviewed: a page of its own, which
    works the same with or without JavaScript."""
    item = load_item(WORDS[word], item_id) or abort(404)
    authorize("content.contest", item)
    form = ContestForm()
    back = url_of_item(item)
    if form.validate_on_submit():
        try:
            contestations.contest_item(current_user, item, form.text.data)
        except services.ModerationError as error:
            attach(form, error)
            status = 422 if error.field else 409  # the text itself, or the decision's state
            existing = contestations.of_item(item)
            return render("moderation/contest.html", status=status, item=item, form=form, back=back, existing=existing)
        flash(
            _("Votre contestation est transmise à l'équipe de modération : vous serez prévenu·e de sa décision."),
            "success",
        )
        return redirect(back)
    return render(
        "moderation/contest.html",
        status=422 if form.is_submitted() else 200,
        item=item,
        form=form,
        back=back,
        existing=contestations.of_item(item),
    )


@bp.route("/compte/contester-la-suspension", methods=["GET", "POST"])
@access("account.contest_suspension")
def contest_suspension():
    form = ContestForm()
    back = url_for("auth.account")
    if form.validate_on_submit():
        try:
            contestations.contest_suspension(current_user, form.text.data)
        except services.ModerationError as error:
            attach(form, error)
            status = 422 if error.field else 409
            existing = contestations.of_suspension(current_user)
            return render("moderation/contest.html", status=status, item=None, form=form, back=back, existing=existing)
        flash(
            _("Votre contestation est transmise à l'administration : vous serez prévenu·e de sa décision."), "success"
        )
        return redirect(back)
    return render(
        "moderation/contest.html",
        status=422 if form.is_submitted() else 200,
        item=None,
        form=form,
        back=back,
        existing=contestations.of_suspension(current_user),
    )


# --- Queues ---------------------------------------------------------------------------------


@bp.route("/moderation/")
@access("moderation.access")
def index():
    if not current_user.is_admin:
        # A moderator of several units starts with the first; each queue links to the others.
        pole = db.session.scalar(
            select(Pole).where(Pole.id.in_(moderated_pole_ids(current_user))).order_by(Pole.name).limit(1)
        )
        return redirect(url_for("moderation.pole_queue", slug=pole.slug))
    return _queue_page(None)


@bp.route("/moderation/<slug>")
@access("pole.moderate", per_object=True)
def pole_queue(slug: str):
    pole = db.first_or_404(select(Pole).where(Pole.slug == slug))
    authorize("pole.moderate", pole)
    return _queue_page(pole)


@bp.route("/moderation/<slug>/masques")
@access("pole.moderate", per_object=True)
def hidden(slug: str):
    """What the pole hid, newest decision first, each with "Rétablir": a decision can be undone later."""
    pole = db.first_or_404(select(Pole).where(Pole.slug == slug))
    authorize("pole.moderate", pole)
    page = services.queue(pole, page=request.args.get("page", 1, type=int), status="hidden")
    return render(
        "moderation/hidden.html",
        pole=pole,
        page=page,
        labels=services.action_labels(),
        kinds=services.kind_labels(),
        decision_form=blank_decision_form,
    )


def _queue_page(pole: Pole | None, status: int = 200, message: str | None = None, refused=()):
    sort = request.values.get("tri", "recent")
    sort = sort if sort in ("recent", "signalements") else "recent"
    page = services.queue(pole, sort=sort, page=page_value(request.args))
    poles = list(db.session.scalars(select(Pole).order_by(Pole.name))) if current_user.is_admin else []
    return render(
        "moderation/queue.html",
        block="queue",
        status=status,
        pole=pole,
        page=page,
        sort=sort,
        poles=poles,
        labels=services.action_labels(),
        kinds=services.kind_labels(),
        message=message,
        refused=refused,
        decision_form=blank_decision_form,
        hide_reasons=HIDE_REASONS,
        open_count=page.total,
    )


def _queue_url(pole_slug: str | None) -> str:
    return url_for("moderation.pole_queue", slug=pole_slug) if pole_slug else url_for("moderation.index")


@bp.post("/moderation/cas/<int:case_id>")
@access("content.moderate", per_object=True)
def act(case_id: int):
    case = db.get_or_404(ModerationCase, case_id)
    item = load_item(case.kind, case.target_id) or abort(404)
    authorize("content.moderate", item)
    form = _decision_form(case)
    action = request.form.get("action", "")
    back = _safe_back(url_for("moderation.index"))
    invalid_form = False
    if action not in services.ACTIONS:
        message, ok, status = _("Choisissez une action."), False, 422
    elif not form.validate_for(action):
        message, ok, status, invalid_form = _("Le formulaire contient une erreur."), False, 422, True
    else:
        try:
            services.act(case, action, current_user, form.decision_reason)
            message, ok, status = _("%(action)s : c'est fait.", action=services.action_labels()[action]), True, 200
        except services.ModerationError as error:
            message, ok, status = error.message, False, 409
    if not is_htmx() and not invalid_form:
        flash(message, "success" if ok else "error")
        return redirect(back)
    db.session.expire_all()
    entry = services.hydrate(
        [
            db.session.scalar(
                select(ModerationCase).where(ModerationCase.id == case.id).options(selectinload(ModerationCase.poles))
            )
        ]
    )[0]
    context = {
        "entry": entry,
        "labels": services.action_labels(),
        "kinds": services.kind_labels(),
        "back": back,
        # The form just sent, with its errors and what was typed; blank after a decision.
        "decision_form": (lambda _case: form) if invalid_form else blank_decision_form,
    }
    if not is_htmx():
        # Without JavaScript an error gets its own page: a redirect would lose what was typed.
        return render("moderation/decision.html", status=status, form=form, **context)
    return render("moderation/_case_result.html", status=status, message=message, ok=ok, **context)


def _decision_form(case: ModerationCase) -> DecisionForm:
    # One form per case on a page: the prefix keeps ids and names apart.
    return DecisionForm(prefix=f"cas{case.id}-")


def blank_decision_form(case: ModerationCase) -> DecisionForm:
    return DecisionForm(prefix=f"cas{case.id}-", formdata=None)


@bp.post("/moderation/lot")
@access("moderation.access")
def bulk():
    """One decision on several checked items: each is checked and applied on its own."""
    pole_slug = request.form.get("pole") or None
    pole = db.session.scalar(select(Pole).where(Pole.slug == pole_slug)) if pole_slug else None
    if pole is not None:
        authorize("pole.moderate", pole)
    elif not current_user.is_admin:
        abort(403)
    form = DecisionForm()
    action = request.form.get("action", "")
    ids = [i for i in (parse_int(v) for v in request.form.getlist("cas")) if i is not None]
    if action not in services.ACTIONS or not ids or not form.validate_for(action):
        message = next(
            (str(errors[0]) for errors in form.errors.values() if errors and action in services.ACTIONS and ids),
            _("Cochez au moins un contenu et choisissez une action."),
        )
        if not is_htmx():
            flash(message, "error")
            return redirect(_queue_url(pole_slug))
        return _queue_page(pole, status=422, message=message)
    cases = list(
        db.session.scalars(select(ModerationCase).where(ModerationCase.id.in_(ids)).order_by(ModerationCase.id))
    )

    def allowed(case: ModerationCase) -> bool:
        item = load_item(case.kind, case.target_id)
        return item is not None and can(current_user, "content.moderate", item)

    result = services.act_many(cases, action, current_user, form.decision_reason, allowed)
    message = _(
        "%(action)s : %(done)d contenu(s) traité(s).", action=services.action_labels()[action], done=len(result.done)
    )
    if result.refused:
        message += " " + _(
            "%(num)d refusé(s) : %(reasons)s",
            num=len(result.refused),
            reasons=" ; ".join(sorted({r for _id, r in result.refused})),
        )
    if not is_htmx():
        flash(message, "success" if result.done else "error")
        return redirect(_queue_url(pole_slug))
    # A refused case outside the moderator's pole is a 403 for that case: the bulk answers 200
    # with what was done, and says what was refused.
    return _queue_page(pole, message=message)


# --- Audit log ------------------------------------------------------------------------------


@bp.route("/moderation/journal")
@access("moderation.access")
def audit():
    form = AuditFilterForm(request.args)
    poles = list(db.session.scalars(select(Pole).order_by(Pole.name)))
    labels = services.log_labels()
    form.pole.choices = options(
        [("", upper_first(identity.current().unit.all_the_plural))] + [(p.slug, p.name) for p in poles]
    )
    form.action.choices = options([("", _("Toutes les actions"))] + list(labels.items()))
    moderators = services.moderators_for_filter(current_user)
    form.moderateur.choices = options([("", _("Tout le monde"))] + [(str(u.id), u.display_name) for u in moderators])
    if not current_user.is_admin:
        del form.pole
    pole_id = None
    if current_user.is_admin and form.pole.data:
        pole_id = next((p.id for p in poles if p.slug == form.pole.data), None)
    action = form.action.data if form.action.data in labels else None
    actor_id = parse_int(form.moderateur.data)
    page = services.audit_page(
        current_user, pole_id=pole_id, action=action, actor_id=actor_id, page=page_value(request.args)
    )
    return render(
        "moderation/audit.html",
        form=form,
        page=page,
        labels=labels,
        kinds=services.kind_labels(),
        own_poles=[] if current_user.is_admin else auth_services.moderated_poles_of(current_user),
    )


# --- Accounts -------------------------------------------------------------------------------


@bp.route("/moderation/comptes/<int:user_id>")
@access("account.review", per_object=True)
def account(user_id: int):
    user = db.get_or_404(User, user_id)
    authorize("account.review", user)
    return render(
        "moderation/account.html", user=user, summary=services.account_summary(user), form=ReasonForm(formdata=None)
    )


ACCOUNT_ACTIONS = {
    "suspendre": ("account.suspend", services.suspend, _l("Le compte est suspendu.")),
    "lever-suspension": ("account.suspend", services.lift_suspension, _l("La suspension est levée.")),
    "masquer-contenus": (
        "account.suspend",
        services.hide_all_content,
        _l("Les contenus visibles de ce compte sont masqués."),
    ),
    "proposer-suspension": (
        "account.propose_suspension",
        services.propose_suspension,
        _l("Votre proposition de suspension est transmise à l'administration."),
    ),
}


@bp.post("/moderation/comptes/<int:user_id>/<any('suspendre','lever-suspension','masquer-contenus'):verb>")
@access("account.suspend", per_object=True)
def account_action(user_id: int, verb: str):
    return _account_action(user_id, verb)


@bp.post("/moderation/comptes/<int:user_id>/proposer-suspension")
@access("account.propose_suspension", per_object=True)
def propose_suspension(user_id: int):
    return _account_action(user_id, "proposer-suspension")


def _account_action(user_id: int, verb: str):
    user = db.get_or_404(User, user_id)
    action, apply, done = ACCOUNT_ACTIONS[verb]
    authorize(action, user)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            apply(user, current_user, form.reason.data)
        except services.ModerationError as error:
            flash(error.message, "error")
        else:
            flash(str(done), "success")
    else:
        flash(form.reason.errors[0] if form.reason.errors else _("Le formulaire est incomplet."), "error")
    return redirect(url_for("moderation.account", user_id=user.id))


@bp.post("/moderation/comptes/<int:user_id>/maintenir-suspension")
@access("account.suspend", per_object=True)
def maintain_suspension(user_id: int):
    """The answer to a contested suspension that stays (lifting it answers too)."""
    user = db.get_or_404(User, user_id)
    authorize("account.suspend", user)
    form = ReasonForm()
    if form.validate_on_submit():
        try:
            contestations.maintain_suspension(user, current_user, form.reason.data)
        except services.ModerationError as error:
            flash(error.message, "error")
        else:
            flash(_("La suspension est maintenue ; la personne en est prévenue."), "success")
    else:
        flash(form.reason.errors[0] if form.reason.errors else _("Le formulaire est incomplet."), "error")
    return redirect(url_for("moderation.suspensions"))


@bp.route("/moderation/suspensions")
@access("moderation.all_poles")
def suspensions():
    suspended = services.suspended_accounts()
    return render(
        "moderation/suspensions.html",
        requests=services.pending_suspension_requests(),
        suspended=suspended,
        contested=contestations.open_for_users([u.id for u in suspended]),
        form=ReasonForm(formdata=None),
    )
