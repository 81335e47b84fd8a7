from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.forms import SingleLineField
from app.models.attachments import DOCUMENT_KINDS, PROFILE_KINDS
from app.participation_forms import options

ACCEPT = ".pdf,.odt,.ods,.docx,.xlsx,.jpg,.jpeg,.png"
FILES_HINT = _l("PDF, ODT, ODS, DOCX, XLSX, JPEG ou PNG. Vous pouvez en choisir plusieurs à la fois.")


class UploadForm(FlaskForm):
    kind = SelectField(_l("Type de document"), default="autre")
    # Checked by the service, file by file (a refused one never costs the others).
    files = MultipleFileField(_l("Fichiers"), description=FILES_HINT, render_kw={"accept": ACCEPT})

    def __init__(self, *args, profile: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = PROFILE_KINDS if profile else DOCUMENT_KINDS
        self.kind.choices = options((k, DOCUMENT_KINDS[k]) for k in kinds)


class RequiredDocumentForm(FlaskForm):
    label = SingleLineField(_l("Intitulé"), validators=[DataRequired(), Length(max=160)])
    help_text = TextAreaField(_l("Aide (facultative)"), validators=[Length(max=1000)])
    kind = SelectField(
        _l("Type de document"),
        choices=options(DOCUMENT_KINDS.items()),
        default="autre",
        description=_l("Une pièce jointe de ce type répond à la demande."),
    )
    profile_ok = BooleanField(_l("Le document du profil de l'association suffit (statuts, comptes, RIB…)"))
