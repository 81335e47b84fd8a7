"""The question editor's pages, shared by a call's questions (calls management) and the default
questions (back office): the routes only say which set, and where they are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import abort, flash, redirect, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.extensions import db
from app.forms import attach, invalid
from app.models import Call, ProposalQuestion
from app.proposals import questions
from app.proposals.forms import QuestionForm
from app.rendering import render


@dataclass
class QuestionSet:
    """Which set the editor works on, and the URLs of its pages."""

    call: Call | None
    title: str
    back_url: str
    back_label: str
    url: Callable[..., str]  # url(question_id=None, action=None) → this set's editor URLs

    @property
    def call_id(self) -> int | None:
        return self.call.id if self.call else None


def question_of(qset: QuestionSet, question_id: int) -> ProposalQuestion:
    question = db.get_or_404(ProposalQuestion, question_id)
    if question.call_id != qset.call_id:
        abort(404)
    return question


def page(qset: QuestionSet, form: QuestionForm | None = None, status: int = 200) -> Response:
    return render(
        "questions/editor.html",
        status=status,
        qset=qset,
        items=questions.questions_of(qset.call_id, retired=True),
        form=form or QuestionForm(formdata=None),
    )


def add(qset: QuestionSet) -> Response:
    form = QuestionForm()
    if form.validate_on_submit():
        try:
            questions.add_question(
                qset.call_id, form.label.data, form.help_text.data, form.required.data, form.max_length.data
            )
        except questions.QuestionError as error:
            db.session.rollback()
            attach(form, error)
        else:
            flash(_("La question est ajoutée."), "success")
            return redirect(qset.url())
    return invalid(
        "questions/editor.html", qset=qset, items=questions.questions_of(qset.call_id, retired=True), form=form
    )


def edit(qset: QuestionSet, question_id: int) -> Response:
    question = question_of(qset, question_id)
    form = QuestionForm(obj=question)
    if request.method == "POST" and form.validate_on_submit():
        try:
            questions.edit_question(
                question, form.label.data, form.help_text.data, form.required.data, form.max_length.data
            )
        except questions.QuestionError as error:
            db.session.rollback()
            attach(form, error)
        else:
            flash(_("La question est enregistrée."), "success")
            return redirect(qset.url())
    status = 422 if form.is_submitted() else 200
    return render("questions/edit.html", status=status, qset=qset, question=question, form=form)


def act(qset: QuestionSet, question_id: int, action: str) -> Response:
    """Move up or down, retire, restore: one POST each, then back to the list."""
    question = question_of(qset, question_id)
    if action in ("monter", "descendre"):
        questions.move_question(question, "up" if action == "monter" else "down")
    elif action == "retirer":
        deleted = questions.retire_question(question)
        flash(
            _("La question est supprimée : personne n'y avait répondu.")
            if deleted
            else _("La question est retirée : elle n'est plus posée, les réponses déjà écrites restent lisibles."),
            "success",
        )
    elif action == "retablir":
        questions.restore_question(question)
        flash(_("La question est de nouveau posée."), "success")
    return redirect(qset.url() + f"#question-{question.id}" if action in ("monter", "descendre") else qset.url())
