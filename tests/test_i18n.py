from datetime import datetime

import pytest
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import NumberRange

from app.formatting import date_fr, datetime_fr, euros
from tests import factories


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


# --- Two languages (issue 17, "English, complete") ----------------------------------------------


def _english(client):
    response = client.post("/langue", data={"locale": "en", "next": "/idees/"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/idees/")
    return client


def test_plurals_in_both_languages(app):
    from app.i18n import in_locale, ngettext

    with app.test_request_context():
        said = [ngettext("%(num)d soutien", "%(num)d soutiens", n) for n in (0, 1, 2)]
        assert said == ["0 soutien", "1 soutien", "2 soutiens"]
        with in_locale("en"):
            said = [ngettext("%(num)d soutien", "%(num)d soutiens", n) for n in (0, 1, 2)]
        assert said == ["0 supports", "1 support", "2 supports"]


def test_a_page_in_french_by_default_in_english_once_chosen(client, territory):
    page = client.get("/idees/", headers={"Accept-Language": "en-GB,en"}).get_data(as_text=True)
    # French first, whatever the browser says.
    assert '<html lang="fr">' in page and ">Idées<" in page
    assert 'lang="en">English</button>' in page
    page = _english(client).get("/idees/").get_data(as_text=True)
    assert '<html lang="en">' in page and ">Ideas<" in page and "Idées" not in page
    assert 'lang="fr">Français</button>' in page
    # The French button brings French back.
    client.post("/langue", data={"locale": "fr", "next": "/idees/"})
    assert '<html lang="fr">' in client.get("/idees/").get_data(as_text=True)


def test_the_switch_needs_its_csrf_token_and_stays_on_this_site(app, client, territory):
    # Signed in, the choice changes the account: the token is checked. (Anonymous pages served
    # from the cache carry none, app/page_cache.py: tests/test_page_cache.py.)
    signed_in = app.test_client().login_as(factories.make_user("Camille Langue"))
    assert signed_in.post("/langue", data={"locale": "en"}, csrf=False).status_code == 400
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "idees"):
        response = client.post("/langue", data={"locale": "en", "next": target})
        assert response.headers["Location"] in ("/", "http://localhost/"), target
    # An unknown language changes nothing.
    client.post("/langue", data={"locale": "fr"})
    client.post("/langue", data={"locale": "xx", "next": "/"})
    assert '<html lang="fr">' in client.get("/").get_data(as_text=True)


def test_lang_in_the_address_shows_one_page_and_hreflang_alternates_point_there(client, territory):
    page = client.get("/idees/?page=2&lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert '<link rel="alternate" hreflang="fr" href="http://localhost/idees/?page=2&amp;lang=fr">' in page
    assert '<link rel="alternate" hreflang="en" href="http://localhost/idees/?page=2&amp;lang=en">' in page
    assert '<link rel="alternate" hreflang="x-default" href="http://localhost/idees/?page=2">' in page
    # The switch brings back to the page without ?lang=.
    assert 'name="next" value="/idees/?page=2"' in page
    # Not remembered: the next page is French again.
    assert '<html lang="fr">' in client.get("/idees/").get_data(as_text=True)


def test_htmx_fragments_speak_the_pages_language(client, territory):
    _english(client)
    fragment = client.htmx("GET", "/idees/?tri=recent").get_data(as_text=True)
    assert "<html" not in fragment and "Idées" not in fragment


def test_the_account_remembers_the_language_and_the_next_login_uses_it(app, client, resident):
    from app.extensions import db
    from app.models import User

    client.login_as(resident)
    page = client.get("/compte").get_data(as_text=True)
    assert 'id="locale-fr" name="locale" value="fr" checked' in page
    response = client.post("/langue", data={"locale": "en", "next": "/compte"})
    assert response.headers["Location"].endswith("/compte")
    db.session.expire_all()
    assert db.session.get(User, resident.id).locale == "en"
    # Another browser: the account's choice.
    other = app.test_client().login_as(resident)
    page = other.get("/compte").get_data(as_text=True)
    assert '<html lang="en">' in page and 'id="locale-en" name="locale" value="en" checked' in page


def test_a_language_chosen_before_logging_in_goes_to_the_account(app, client, resident):
    from app.extensions import db
    from app.models import User
    from tests.factories import PASSWORD

    _english(client)
    client.post("/connexion", data={"email": resident.email, "password": PASSWORD})
    db.session.expire_all()
    assert db.session.get(User, resident.id).locale == "en"


def test_registering_in_english_keeps_english_for_the_emails(client, territory):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage, User

    _english(client)
    client.post(
        "/inscription",
        data={
            "email": "kim@example.org",
            "display_name": "Kim",
            "password": "un mot de passe solide",
            "password_confirm": "un mot de passe solide",
            "accept_terms": "y",
        },
    )
    user = db.session.scalar(select(User).where(User.email == "kim@example.org"))
    assert user is not None and user.locale == "en"
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == "kim@example.org"))
    assert "Bonjour" not in mail.body and "Confirmez" not in mail.subject


def test_emails_speak_their_recipients_language_not_the_senders(app, client, territory):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage
    from tests.factories import make_user

    english = make_user(locale="en")
    french = make_user()
    _english(client)  # the request itself is in English
    client.post("/mot-de-passe-oublie", data={"email": french.email})
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == french.email))
    assert mail.body.startswith("Bonjour")
    client.post("/langue", data={"locale": "fr"})
    client.post("/mot-de-passe-oublie", data={"email": english.email})
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == english.email))
    assert "Bonjour" not in mail.body and english.display_name in mail.body


def test_the_digest_in_each_recipients_language(app, territory):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import OutboxMessage
    from app.notifications import services
    from tests.factories import make_user

    english, french = make_user(locale="en"), make_user()
    with app.test_request_context():
        services.notify([english.id, french.id], "comment", "Un commentaire.", "/idees/1")
        db.session.commit()
    assert app.test_cli_runner().invoke(args=["notifications", "send-digests"]).exit_code == 0
    mails = {m.recipient: m for m in db.session.scalars(select(OutboxMessage))}
    assert "1 nouvelle notification" in mails[french.email].subject
    assert "nouvelle" not in mails[english.email].subject and "Bonjour" not in mails[english.email].body


def test_dates_numbers_and_amounts_in_english(app):
    from datetime import date, datetime

    from app.formatting import number
    from app.i18n import in_locale

    with app.test_request_context(), in_locale("en"):
        assert date_fr(date(2026, 2, 1)) == "1 February 2026"
        assert datetime_fr(datetime(2026, 1, 31, 23, 30)) == "1 February 2026 at 00:30"
        assert euros(1_000_000) == "€1,000,000"
        assert euros(1234.5) == "€1,234.50"
        assert number(12345) == "12,345"
    with app.test_request_context():
        assert number(12345) == "12\u202f345"


def test_identity_nouns_without_french_articles_in_english(app):
    from app.i18n import in_locale
    from app.identity import Noun

    pole, metropole = Noun("pôle", "pôles", False), Noun("Métropole de Lyon", "Métropole de Lyon", True)
    with app.test_request_context():
        assert (pole.the, pole.of_the, metropole.the) == ("le pôle", "du pôle", "la Métropole de Lyon")
        assert (pole.of_a, Noun("maison", "maisons", True).of_a) == ("d'un pôle", "d'une maison")
        with in_locale("en"):
            assert (pole.the, pole.of_the, pole.to_the, pole.a) == ("the pôle", "of the pôle", "to the pôle", "a pôle")
            assert (pole.the_plural, pole.one_of_the_plural) == ("the pôles", "one of the pôles")
            assert (metropole.the, metropole.of_the) == ("Métropole de Lyon", "of Métropole de Lyon")
            assert Noun("unité", "unités", True).a == "an unité"
            assert pole.of_a == "of a pôle"  # not "d'a pôle" (the back office's role names)


def test_tissers_own_identity_wording_is_translated_the_collectivitys_is_not(app):
    from app import identity
    from app.i18n import in_locale

    app.config["IDENTITY_FALLBACK_PRESET"] = None  # a new instance: the neutral wording
    identity.forget()
    with app.test_request_context():
        assert identity.current().platform_name == "Plateforme participative"
        with in_locale("en"):
            shown = identity.current()
            assert shown.platform_name == "Participation platform"
            assert shown.collectivity.the == "the local authority"
    app.config["IDENTITY_FALLBACK_PRESET"] = "gironde"
    identity.forget()
    with app.test_request_context(), in_locale("en"):
        shown = identity.current()
        assert shown.name == "Département de la Gironde"  # the collectivity's name, as typed
        assert shown.tagline == "social innovation, together"  # Tisser's tagline, kept by the preset


def test_a_notification_is_written_in_its_recipients_language(app, territory):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Notification, NotificationPreference, OutboxMessage
    from app.models.notifications import EmailMode
    from tests import factories

    english = factories.make_user("Kim", locale="en")
    french = factories.make_user("Camille")
    idea = factories.make_idea(english, territory.medoc_commune, title="Un lavoir")
    db.session.add(NotificationPreference(user_id=english.id, kind="comment", mode=EmailMode.IMMEDIATE))
    db.session.commit()
    comment = factories.make_comment(idea, french)  # a French request
    factories.make_comment(idea, english, reply_to=comment)
    db.session.commit()
    said = dict(db.session.execute(select(Notification.user_id, Notification.text)).all())
    assert said[english.id] == "Camille commented on your idea “Un lavoir”."
    assert said[french.id] == "Kim a répondu à votre message sur « Un lavoir »."
    mail = db.session.scalar(select(OutboxMessage).where(OutboxMessage.recipient == english.email))
    assert mail.body.startswith("Camille commented on your idea") and "Vous recevez" not in mail.body


# --- Notifications built from pieces: each in its recipient's language, whoever acts ----------


def _last_said(user_id):
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Notification

    return db.session.scalar(
        select(Notification.text).where(Notification.user_id == user_id).order_by(Notification.id.desc()).limit(1)
    )


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "Camille commented on “Un lavoir”, which you follow."),
        ("en", "fr", "Camille a commenté « Un lavoir », que vous suivez."),
    ],
)
def test_followers_hear_of_a_comment_in_their_language(app, territory, acting_in, reader, expected):
    from app.follows.services import follow
    from app.i18n import in_locale
    from tests import factories

    follower = factories.make_user("Kim", locale=reader)
    idea = factories.make_idea(factories.make_user("Dominique"), territory.medoc_commune, title="Un lavoir")
    follow(follower.id, idea)
    commenter = factories.make_user("Camille", locale=acting_in)
    with in_locale(acting_in):
        factories.make_comment(idea, commenter)
    assert _last_said(follower.id) == expected


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "You have been given the platform administration. Reason: Renfort"),
        ("en", "fr", "On vous a confié l'administration de la plateforme. Motif : Renfort"),
    ],
)
def test_a_new_role_is_announced_in_the_persons_language(app, territory, acting_in, reader, expected):
    from app.admin import people_services
    from app.i18n import in_locale
    from tests import factories

    admin = factories.make_user("Administration", is_admin=True)
    person = factories.make_user("Kim", locale=reader)
    with in_locale(acting_in):
        people_services.appoint(admin, person, "admin", "Renfort")
    assert _last_said(person.id) == expected


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "Your contribution “Un lavoir” was hidden by the moderation team. Reason: Hors sujet"),
        ("en", "fr", "Votre contribution « Un lavoir » a été masquée par l'équipe de modération. Motif : Hors sujet"),
    ],
)
def test_a_moderation_notice_is_in_the_authors_language(app, territory, moderator, acting_in, reader, expected):
    from app.i18n import in_locale
    from app.moderation import services
    from tests import factories

    author = factories.make_user("Kim", locale=reader)
    idea = factories.make_idea(author, territory.medoc_commune, title="Un lavoir")
    result = services.report(factories.make_user("Voisin"), idea, "spam")
    with in_locale(acting_in):
        services.act(result.case, "hide", moderator, "Hors sujet")
    assert _last_said(author.id) == expected


@pytest.mark.parametrize(
    ("acting_in", "reader", "expected"),
    [
        ("fr", "en", "Reason: Messages répétés"),
        ("en", "fr", "Motif : Messages répétés"),
    ],
)
def test_a_suspension_is_announced_in_the_persons_language(app, territory, acting_in, reader, expected):
    from app.i18n import in_locale
    from app.moderation import services
    from tests import factories

    admin = factories.make_user("Administration", is_admin=True)
    person = factories.make_user("Kim", locale=reader)
    with in_locale(acting_in):
        services.suspend(person, admin, "Messages répétés")
    said = _last_said(person.id)
    assert said.endswith(expected)
    assert ("Votre compte est suspendu" in said) is (reader == "fr")
