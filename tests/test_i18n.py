from datetime import datetime

import pytest
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange

from app.formatting import date_fr, datetime_fr, euros


@pytest.mark.parametrize(
    "amount,expected",
    [(1_000_000, "1\u202f000\u202f000\u00a0€"), (0, "0\u00a0€"), (1234.5, "1\u202f234,50\u00a0€"), (None, "")],
)
def test_amounts_the_french_way(app, amount, expected):
    with app.test_request_context():
        assert euros(amount) == expected


def test_dates_in_paris_time(app):
    with app.test_request_context():
        # Stored naive UTC: 22:30 UTC in winter is 23:30 in Paris, in summer 00:30 the next day.
        assert datetime_fr(datetime(2026, 1, 15, 22, 30)) == "15 janvier 2026 à 23h30"
        assert datetime_fr(datetime(2026, 7, 14, 22, 30)) == "15 juillet 2026 à 00h30"
        assert date_fr(datetime(2026, 7, 14, 22, 30)) == "15 juillet 2026"


def test_wtforms_own_messages_are_french(app):
    class Budget(FlaskForm):
        amount = IntegerField("Montant", validators=[NumberRange(min=1)])

    with app.test_request_context(method="POST", data={"amount": "beaucoup"}):
        form = Budget(meta={"csrf": False})
        assert not form.validate()
        assert form.amount.errors == ["Pas une valeur entière valide."] or "valide" in form.amount.errors[0]
        assert "Not a valid" not in form.amount.errors[0]


def test_pages_say_they_are_french(client, territory):
    response = client.get("/")
    assert '<html lang="fr">' in response.get_data(as_text=True)


def test_every_labelled_value_needs_its_label(app):
    from app.models.base import LabelledEnum, labels

    class Colour(LabelledEnum):
        RED = "rouge"
        BLUE = "bleu"

    with pytest.raises(LookupError, match="BLUE"):
        labels(Colour, {Colour.RED: "Rouge"})
    labels(Colour, {Colour.RED: "Rouge", Colour.BLUE: "Bleu"})
    assert Colour.BLUE.label == "Bleu"
