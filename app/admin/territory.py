"""Back office of the territory: units, their communes, and the import of official communes."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy import func, select
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.access import access
from app.admin import bp
from app.extensions import db
from app.forms import SingleLineField
from app.inputs import page_value, parse_int
from app.models import Commune, Pole
from app.participation_forms import int_or_none, options
from app.rendering import is_htmx, render
from app.territory import (
    TerritoryError,
    create_unit,
    delete_unit,
    import_communes,
    load_slice,
    parse_upload,
    search_communes,
    shipped_slices,
    update_unit,
)
from app.urls import redirect_back, safe_next

PER_PAGE = 50
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class UnitForm(FlaskForm):
    name = SingleLineField(
        _l("Nom"),
        validators=[
            DataRequired(message=_l("Donnez un nom à l'unité.")),
            Length(max=120, message=_l("%(max)d caractères au plus.")),
        ],
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=2000, message=_l("%(max)d caractères au plus."))],
        description=_l("Quelques mots sur la partie du territoire qu'elle couvre."),
    )


class CommuneForm(FlaskForm):
    pole_id = SelectField(_l("Unité"), coerce=int_or_none, validators=[DataRequired(_l("Choisissez une unité."))])
    is_rural = BooleanField(_l("Rurale"))
    has_qpv = BooleanField(_l("Quartier prioritaire"))


class ImportForm(FlaskForm):
    source = RadioField(_l("Communes à importer"), validators=[DataRequired(_l("Choisissez une source."))])
    upload = FileField(
        _l("Fichier"),
        description=_l(
            "Un fichier .csv de deux colonnes « code,nom » (code INSEE), ou un .json du même format que ceux fournis."
        ),
    )
    pole_id = SelectField(
        _l("Unité des nouvelles communes"),
        coerce=int_or_none,
        description=_l(
            "Les communes déjà connues gardent leur unité et leurs indicateurs ; vous les déplacez ensuite."
        ),
    )


def _units() -> list[Pole]:
    return list(db.session.scalars(select(Pole).order_by(Pole.name)))


def _unit_choices(placeholder: str | None = None) -> list:
    choices = [("", placeholder)] if placeholder else []
    return choices + options((p.id, p.name) for p in _units())


# --- Units -----------------------------------------------------------------------------------------


@bp.route("/territoire")
@access("territory.manage")
def territory():
    return _territory_page(UnitForm(formdata=None))


def _territory_page(form: UnitForm, status: int = 200):
    counts = dict(db.session.execute(select(Commune.pole_id, func.count(Commune.id)).group_by(Commune.pole_id)).all())
    without_code = db.session.scalar(select(func.count(Commune.id)).where(Commune.insee_code.is_(None)))
    demo = db.session.scalar(select(func.count(Commune.id)).where(Commune.is_demo.is_(True)))
    return render(
        "admin/territory/index.html",
        units=_units(),
        counts=counts,
        without_code=without_code,
        demo=demo,
        form=form,
        status=status,
    )


@bp.route("/territoire/unites", methods=["POST"])
@access("territory.manage")
def unit_create():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            pole = create_unit(form.name.data, form.description.data or "")
        except TerritoryError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("L'unité « %(name)s » est créée.", name=pole.name), "success")
            return redirect(url_for("admin.territory"))
    return _territory_page(form, status=422)


@bp.route("/territoire/unites/<int:pole_id>", methods=["GET", "POST"])
@access("territory.manage")
def unit_edit(pole_id: int):
    pole = db.get_or_404(Pole, pole_id)
    form = UnitForm(obj=pole if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            update_unit(pole, form.name.data, form.description.data or "")
        except TerritoryError as error:
            db.session.rollback()
            form.name.errors = [str(error)]
        else:
            db.session.commit()
            flash(_("L'unité « %(name)s » est enregistrée.", name=pole.name), "success")
            return redirect(url_for("admin.territory"))
    count = db.session.scalar(select(func.count(Commune.id)).where(Commune.pole_id == pole.id))
    return render("admin/territory/unit.html", pole=pole, form=form, count=count, status=422 if form.errors else 200)


@bp.route("/territoire/unites/<int:pole_id>/supprimer", methods=["POST"])
@access("territory.manage")
def unit_delete(pole_id: int):
    pole = db.get_or_404(Pole, pole_id)
    if not FlaskForm().validate_on_submit():
        flash(_("Le formulaire a expiré : recommencez."), "error")
        return redirect(url_for("admin.unit_edit", pole_id=pole.id))
    try:
        delete_unit(pole)
    except TerritoryError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.unit_edit", pole_id=pole.id))
    db.session.commit()
    flash(_("L'unité « %(name)s » est supprimée.", name=pole.name), "success")
    return redirect(url_for("admin.territory"))


# --- Communes --------------------------------------------------------------------------------------


def _commune_form(commune: Commune, units: list, formdata=None) -> CommuneForm:
    form = CommuneForm(formdata=formdata, obj=commune, prefix=f"c{commune.id}")
    form.pole_id.choices = units
    return form


@bp.route("/territoire/communes")
@access("territory.manage")
def communes():
    q = " ".join((request.args.get("q") or "")[:120].split())
    pole_id = parse_int(request.args.get("unite"))
    page = db.paginate(search_communes(q, pole_id), page=page_value(request.args), per_page=PER_PAGE, error_out=False)
    units = _unit_choices()
    rows = [(c, _commune_form(c, units)) for c in page.items]
    return render("admin/territory/communes.html", "results", page=page, rows=rows, q=q, pole_id=pole_id, units=units)


@bp.route("/territoire/communes/<int:commune_id>", methods=["POST"])
@access("territory.manage")
def commune_update(commune_id: int):
    commune = db.get_or_404(Commune, commune_id)
    units = _unit_choices()
    form = _commune_form(commune, units, request.form)
    if form.validate_on_submit():
        commune.pole_id = form.pole_id.data
        commune.is_rural = form.is_rural.data
        commune.has_qpv = form.has_qpv.data
        db.session.commit()
        saved = True
    else:
        db.session.rollback()
        saved = False
    if is_htmx():
        # The row is replaced in place: the list, its search and its page stay as they were.
        return render(
            "admin/territory/_commune_row.html", commune=commune, form=form, saved=saved, status=200 if saved else 422
        )
    if saved:
        flash(_("%(name)s est enregistrée.", name=commune.name), "success")
    else:
        flash(_("%(name)s n'a pas été modifiée : choisissez une unité.", name=commune.name), "error")
    # Back to the same search and page; only a path of this list, never an open redirect.
    back = safe_next(request.form.get("back")) or ""
    return redirect_back(back if back.startswith(url_for("admin.communes")) else None, url_for("admin.communes"))


# --- Import ----------------------------------------------------------------------------------------


@bp.route("/territoire/importer", methods=["GET", "POST"])
@access("territory.manage")
def territory_import():
    form = ImportForm()
    slices = {key: load_slice(key) for key in shipped_slices()}
    form.source.choices = [
        (key, _("%(name)s : %(n)d communes", name=s.name, n=len(s.communes))) for key, s in slices.items()
    ] + [("fichier", _("Un fichier à envoyer"))]
    form.pole_id.choices = _unit_choices(_("— Choisir une unité —"))
    if form.validate_on_submit():
        try:
            if form.source.data == "fichier":
                upload = form.upload.data
                if not upload or not upload.filename:
                    raise TerritoryError(_("Choisissez le fichier à envoyer."))
                content = upload.read(MAX_UPLOAD_BYTES + 1)
                if len(content) > MAX_UPLOAD_BYTES:
                    raise TerritoryError(_("Le fichier dépasse 2 Mo."))
                official = parse_upload(upload.filename, content)
            else:
                official = slices[form.source.data].communes
            pole = db.session.get(Pole, form.pole_id.data) if form.pole_id.data else None
            report = import_communes(official, pole)
        except TerritoryError as error:
            db.session.rollback()
            target = form.pole_id if error.field == "unit" else form.upload
            target.errors = [*target.errors, str(error)]
        else:
            db.session.commit()
            flash(
                _(
                    "%(created)d commune(s) créée(s), %(updated)d mise(s) à jour, %(unchanged)d déjà à jour.",
                    created=len(report.created),
                    updated=len(report.updated),
                    unchanged=report.unchanged,
                ),
                "success",
            )
            return redirect(url_for("admin.communes", unite=pole.id if pole and report.created else None))
    return render("admin/territory/import.html", form=form, status=422 if form.errors else 200)
