from tests.helpers import html


def test_home_is_french_and_loads_htmx(client, territory):
    response = client.get("/")
    assert response.status_code == 200
    page = html(response)
    assert '<html lang="fr">' in page
    assert "/static/vendor/htmx-4.0.1/htmx.min.js" in page
    assert "Médoc" in page
