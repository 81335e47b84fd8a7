"""The bare Flask baseline the benchmark compares Tisser with, under the same gunicorn settings.

- ``GET /``: a constant string (the floor of Flask + gunicorn);
- ``GET /modele``: a Jinja page of the same markup and size as Tisser's proposal list (layout,
  navigation, filter form, 20 cards with tags, pagination), from static data: no database, no
  translations, no session;
- ``POST /vote``: a single-row UPDATE + SELECT in SQLite (WAL, busy timeout, as Tisser) or
  PostgreSQL (``BASELINE_DATABASE`` = a file path or a ``postgresql://`` URL), answering a small
  fragment like the support button.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, render_template

app = Flask(__name__, template_folder=os.path.join(os.path.dirname(__file__), "templates"))
# Same whitespace control as Tisser (app/web.py), so that the same markup gives the same bytes.
app.jinja_env.trim_blocks = True
app.jinja_env.lstrip_blocks = True
DATABASE = os.environ.get("BASELINE_DATABASE", "/tmp/tisser-baseline.sqlite3")
_local = threading.local()

# Static data for GET /modele: the same chrome, filter options and cards as Tisser's proposal
# list on the seeded data, so that Jinja escapes and writes a page of the same size and shape.
SITE = {
    "name": "Tisser",
    "tagline": "innovation sociale, ensemble",
    "description": "Tisser, la plateforme participative des appels à projets d'innovation sociale.",
    "favicon": "/static/favicon.svg?v=057789f3acb4",
    "stylesheet": "/static/css/tisser.css?v=7c06c91b72d2",
    "script": "/static/vendor/htmx-4.0.1/htmx.min.js?v=a0abb04f2f45",
    # Stands in for the CSRF token (same length): the baseline has no session.
    "token": "ImQxOTE1ZTg1ZWIzNmJiZDI1NDUzM2JkOTM2Y2VkNGYyNjQwYzJlYjAi.awRo3w.yhwQ9hIv4EqqzOvypdEAqwaQSDY",
    "skip": "Aller au contenu",
    "nav_label": "Navigation principale",
    "account_label": "Mon compte",
    "footer": "Tisser est un logiciel libre pour les appels à projets d'innovation sociale des collectivités.",
}
NAV = [
    {"href": href, "label": label}
    for href, label in [
        ("/idees/", "Idées"),
        ("/propositions/", "Propositions"),
        ("/appels/", "Appels à projets"),
        ("/associations/", "Associations"),
        ("/territoires/", "Territoires"),
        ("/recherche/", "Rechercher"),
    ]
]
ACCOUNT = [
    {"href": "/connexion?next=/propositions/", "label": "Se connecter", "button": False},
    {"href": "/inscription", "label": "Créer un compte", "button": True},
]
FOOTER = [
    {"href": href, "label": label}
    for href, label in [
        ("/accessibilite", "Accessibilité : non conforme"),
        ("/mentions-legales", "Mentions légales"),
        ("/donnees-personnelles", "Données personnelles"),
        ("/plan-du-site", "Plan du site"),
    ]
]
COMMUNES_BY_POLE = [
    (
        "bassin",
        "Bassin",
        ["Andernos-les-Bains", "Arcachon", "Audenge", "Belin-Béliet", "Biganos", "Gujan-Mestras", "La Teste-de-Buch"],
    ),
    ("bordeaux", "Bordeaux", ["Bordeaux"]),
    ("graves", "Graves", ["Bègles", "Cestas", "Gradignan", "Léognan", "Pessac", "Talence", "Villenave-d'Ornon"]),
    (
        "haute-gironde",
        "Haute-Gironde",
        ["Blaye", "Bourg", "Saint-André-de-Cubzac", "Saint-Ciers-sur-Gironde", "Saint-Savin"],
    ),
    (
        "hauts-de-garonne",
        "Hauts-de-Garonne",
        ["Ambarès-et-Lagrave", "Bassens", "Carbon-Blanc", "Cenon", "Floirac", "Lormont"],
    ),
    (
        "libournais",
        "Libournais",
        ["Castillon-la-Bataille", "Coutras", "Libourne", "Saint-Émilion", "Sainte-Foy-la-Grande"],
    ),
    (
        "medoc",
        "Médoc",
        ["Hourtin", "Lesparre-Médoc", "Pauillac", "Saint-Laurent-Médoc", "Soulac-sur-Mer", "Vendays-Montalivet"],
    ),
    (
        "porte-du-medoc",
        "Porte du Médoc",
        ["Blanquefort", "Bruges", "Castelnau-de-Médoc", "Eysines", "Le Haillan", "Saint-Médard-en-Jalles"],
    ),
    ("sud-gironde", "Sud-Gironde", ["Bazas", "Cadillac", "Captieux", "La Réole", "Langon", "Podensac"]),
]


def _slug(name: str) -> str:
    plain = name.lower().translate(str.maketrans("éèêàâîôûç'", "eeeaaiouc-"))
    return plain.replace(" ", "-")


POLES = [(slug, name) for slug, name, _ in COMMUNES_BY_POLE]
DOMAINS = [
    ("sante", "Santé, bien-être et handicap"),
    ("alimentation", "Solidarité alimentaire"),
    ("citoyennete", "Citoyenneté sociale et lutte contre le non-recours"),
]
PUBLICS = [
    ("familles_monoparentales", "Familles monoparentales"),
    ("femmes", "Femmes"),
    ("enfants_jeunes", "Enfants et jeunes"),
    ("seniors", "Seniors"),
]
SELECTS = [
    {
        "id": "domain",
        "name": "domaine",
        "label": "Domaine prioritaire",
        "empty": "Tous les domaines",
        "options": DOMAINS,
    },
    {"id": "public", "name": "public", "label": "Public visé", "empty": "Tous les publics", "options": PUBLICS},
    {
        "id": "call",
        "name": "appel",
        "label": "Appel à projets",
        "empty": "Tous",
        "options": [
            ("gironde-experimentation-innovation-sociale", "Soutien à l'expérimentation et à l'innovation sociale")
        ],
    },
    {
        "id": "state",
        "name": "etat",
        "label": "État",
        "empty": "",
        "options": [
            ("published", "Publiée"),
            ("withdrawn", "Retirée"),
            ("submitted", "Déposée à un appel"),
            ("changes_requested", "À compléter"),
            ("selected", "Retenue"),
            ("waitlisted", "Liste d'attente"),
            ("not_selected", "Non retenue"),
        ],
    },
    {
        "id": "sort",
        "name": "tri",
        "label": "Trier par",
        "empty": "",
        "options": [
            ("recent", "Les plus récentes"),
            ("soutiens", "Les plus soutenues"),
            ("commentaires", "Les plus commentées"),
            ("hasard", "Ordre aléatoire"),
        ],
    },
]
CHOSEN = {
    "q": "",
    "pole": "",
    "commune": "",
    "domaine": "",
    "public": "",
    "appel": "",
    "etat": "published",
    "tri": "hasard",
    "rural": False,
    "qpv": False,
}
PUBLIC_SETS = [["Femmes", "Seniors"], ["Familles monoparentales"], ["Enfants et jeunes"]]
ITEMS = [
    {
        "id": 137 + i * 491,
        "title": f"Proposition test {137 + i * 491} : expérimentation de proximité",
        "association": f"Association test {(i * 7) % 24}",
        "poles": [POLES[(i * 5) % len(POLES)][1]],
        "summary": "Un lieu d'accueil itinérant pour aller vers les personnes qui ne demandent rien.",
        "domain": DOMAINS[i % len(DOMAINS)][1],
        "publics": PUBLIC_SETS[(i * 2) % len(PUBLIC_SETS)],
        "supports": (i * 13) % 33,
        "comments": (i * 11) % 43,
    }
    for i in range(20)
]
PAGE = {
    "title": "Propositions des associations",
    "subtitle": "Propositions publiées",
    "total": 10000,
    "number": 1,
    "pages": 500,
}
CONTEXT = {
    "site": SITE,
    "nav": NAV,
    "account": ACCOUNT,
    "footer": FOOTER,
    "current": "/propositions/",
    "flashes": [],
    "action": "/propositions/",
    "poles": POLES,
    "selects": SELECTS,
    "chosen": CHOSEN,
    "items": ITEMS,
    "page": PAGE,
    "communes_by_pole": [(name, [(_slug(c), c) for c in communes]) for _, name, communes in COMMUNES_BY_POLE],
}


def _connection():
    conn = getattr(_local, "conn", None)
    if conn is None:
        if DATABASE.startswith("postgresql"):
            import psycopg

            conn = psycopg.connect(DATABASE)
        else:
            conn = sqlite3.connect(DATABASE, timeout=5)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        _local.conn = conn
    return conn


def create_schema() -> None:
    conn = _connection()
    conn.execute("CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    conn.execute("DELETE FROM counter")
    conn.execute("INSERT INTO counter (id, n) VALUES (1, 0)")
    conn.commit()


@app.get("/")
def hello():
    return "ok"


@app.get("/modele")
def template_page():
    return render_template("baseline.html", **CONTEXT)


@app.post("/vote")
def vote():
    conn = _connection()
    conn.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
    (n,) = conn.execute("SELECT n FROM counter WHERE id = 1").fetchone()
    conn.commit()
    return (
        '<form method="post" class="support"><button type="submit" aria-pressed="true">Soutenu</button>'
        f" <span>{n} soutiens</span></form>"
    )


if __name__ == "__main__":
    create_schema()
