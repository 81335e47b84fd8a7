from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.access import access, authorize
from app.discussion import participation_context
from app.forms import check_url, field_check, invalid
from app.ideas import services
from app.ideas.forms import IdeaForm
from app.markdown import render_markdown
from app.moderation.brakes import post_limit_message
from app.participation_forms import load_subdomain_choices
from app.permissions import PUBLIC
from app.rendering import render
from app.search import filters as search_filters
from app.search import services as search_services
from app.taxonomy import keep_retired

bp = Blueprint("ideas", __name__, url_prefix="/idees")


def _form_data(form: IdeaForm) -> dict:
    return {
        "title": form.title.data,
        "description": form.description.data,
        "commune_id": form.commune_id.data,
        "domain": form.domain.data,
        "subdomain": form.subdomain.data,
        "publics": form.publics.data,
    }


@bp.route("/")
@access(PUBLIC)
def index():
    # Filters, sort and words typed come from the query string (see app.search).
    territory = search_filters.Territory.load()
    f = search_filters.parse(request.args, territory)
    page = search_services.ideas(f)
    return render("ideas/index.html", block="results", page=page, f=f, territory=territory)


@bp.route("/nouvelle", methods=["GET", "POST"])
@access("idea.create")
def create():
    form = IdeaForm()
    load_subdomain_choices(form.subdomain)
    if (checked := field_check(form)) is not None:
        return checked
    # Spam brake: a new account's first posts are limited per hour.
    limited = post_limit_message(current_user) if form.is_submitted() else None
    if limited:
        form.form_errors.append(limited)
        return invalid("ideas/form.html", status=429, form=form, idea=None, check_url=check_url)
    if form.validate_on_submit():
        idea = services.create_idea(current_user, **_form_data(form))
        flash(_("Votre idée est publiée. Merci !"), "success")
        return redirect(url_for("ideas.detail", idea_id=idea.id))
    if form.is_submitted():
        return invalid("ideas/form.html", form=form, idea=None, check_url=check_url)
    return render("ideas/form.html", form=form, idea=None, check_url=check_url)


@bp.route("/<int:idea_id>")
@access(PUBLIC)
def detail(idea_id: int):
    return detail_page(idea_id)


def detail_page(idea_id: int, status: int = 200, comment_form=None, reply_target_id: int | None = None):
    """The idea's page; a comment sent without JavaScript that did not validate shows it again
    (``comment_form``, see ``app.discussion.thread_context``)."""
    idea = services.get_idea(idea_id)
    return render(
        "ideas/detail.html",
        status=status,
        idea=idea,
        description=render_markdown(idea.description),
        proposals=services.proposals_from(idea),
        **participation_context(idea, request.args, comment_form, reply_target_id),
    )


@bp.route("/<int:idea_id>/modifier", methods=["GET", "POST"])
@access("idea.edit", per_object=True)
def edit(idea_id: int):
    idea = services.get_idea(idea_id)
    authorize("idea.edit", idea)
    form = IdeaForm(obj=idea)
    load_subdomain_choices(form.subdomain, keep=idea.subdomain)
    # Retired since: still offered to this idea, which has them.
    keep_retired(form.domain, [idea.domain])
    keep_retired(form.publics, idea.publics)
    if request.method == "GET":
        form.publics.data = [p.slug for p in idea.publics]
        form.domain.data = idea.domain.slug
    if (checked := field_check(form)) is not None:
        return checked
    if form.validate_on_submit():
        services.update_idea(idea, **_form_data(form))
        flash(_("Votre idée est modifiée."), "success")
        return redirect(url_for("ideas.detail", idea_id=idea.id))
    if form.is_submitted():
        return invalid("ideas/form.html", form=form, idea=idea, check_url=check_url)
    return render("ideas/form.html", form=form, idea=idea, check_url=check_url)
