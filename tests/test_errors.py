from tests.helpers import html


def test_404_is_french_in_the_site_layout(client):
    response = client.get("/nulle-part")
    assert response.status_code == 404
    page = html(response)
    assert "Page introuvable" in page and 'id="contenu"' in page and '<html lang="fr">' in page


def test_405_is_french(client):
    response = client.get("/deconnexion")
    assert response.status_code == 405
    assert "Méthode non autorisée" in html(response)
    assert "POST" in response.headers["Allow"]


def test_500_is_french_and_rolls_back(app, client):
    @app.route("/_test/boom")
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/_test/boom")
    assert response.status_code == 500
    assert "Erreur du serveur" in html(response)


def test_htmx_gets_an_error_fragment(client):
    response = client.htmx("GET", "/nulle-part")
    assert response.status_code == 404
    assert "<html" not in html(response) and "Page introuvable" in html(response)
