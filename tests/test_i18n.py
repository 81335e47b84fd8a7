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


def test_french_contracts_de_and_a_with_the_article_of_a_name():
    from app.formatting import a, de

    assert de("Les Petits Pas") == "des Petits Pas"
    assert de("Le Relais du Médoc") == "du Relais du Médoc"
    assert a("Les Petits Pas") == "aux Petits Pas"
    assert a("Le Relais") == "au Relais"
    # La, L' and names without an article do not contract.
    assert de("La Ruche") == "de La Ruche"
    assert de("Médoc Entraide Seniors") == "de Médoc Entraide Seniors"
    assert a("Lesparre Solidaire") == "à Lesparre Solidaire"
    assert de("Les") == "de Les"  # an article alone is a name, not an article
    assert de("Épicerie solidaire du Bassin") == "d'Épicerie solidaire du Bassin"
    assert de("Habitat et Humanisme") == "de Habitat et Humanisme"  # h: left as it is


def test_the_first_of_the_month_is_written_1er(app):
    from datetime import date, datetime

    from app.formatting import date_fr, datetime_fr

    with app.test_request_context():
        assert date_fr(date(2026, 2, 1)) == "1er février 2026"
        assert date_fr(date(2026, 2, 11)) == "11 février 2026"
        # Stored in UTC, shown in Paris: 31 January 23:30 UTC is already 1 February in Paris.
        assert datetime_fr(datetime(2026, 1, 31, 23, 30)) == "1er février 2026 à 00h30"
