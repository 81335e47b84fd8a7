"""Type detection reads the content, never the name: unit tests of app/attachments/filetypes.py."""

import pytest

from app.attachments import filetypes
from tests import attachment_samples as s


@pytest.mark.parametrize(
    ("data", "mime", "extension"),
    [
        (s.PDF, "application/pdf", "pdf"),
        (s.png(), "image/png", "png"),
        (s.JPEG, "image/jpeg", "jpg"),
        (s.xlsx(), filetypes.XLSX, "xlsx"),
        (s.docx(), filetypes.DOCX, "docx"),
        (s.odf(filetypes.ODT), filetypes.ODT, "odt"),
        (s.odf(filetypes.ODS), filetypes.ODS, "ods"),
    ],
)
def test_accepted_types_are_recognised_from_their_content(data, mime, extension):
    found = filetypes.detect(data)
    assert found is not None and (found.mime, found.extension) == (mime, extension)


@pytest.mark.parametrize(
    "data",
    [
        s.HTML,
        s.SVG,
        b"just some text",
        b"",
        s.plain_zip(),  # a zip that is no office document
        s.docm(),  # macro-enabled: its own main part type, not in the list
        s.odf("application/vnd.oasis.opendocument.presentation"),
        b"PK\x03\x04 not really a zip",
        s.EICAR,
    ],
    ids=["html", "svg", "text", "empty", "zip", "docm", "odp", "broken-zip", "eicar"],
)
def test_other_contents_are_refused(data):
    assert filetypes.detect(data) is None


def test_a_zip_naming_itself_xlsx_only_by_member_names_is_refused():
    # xl/workbook.xml present, but no [Content_Types].xml declaring it: not an office file.
    assert filetypes.detect(s._zip([("xl/workbook.xml", b"<x/>")])) is None
