"""The OpenAPI 3.1 document of the API, built from the routes' table and the schemas that dump the
answers (``app.api.schemas``): a field or a route cannot be added to one without the other.
Written in the request's language (``?lang=en``), like the rest of the site."""

from __future__ import annotations

from dataclasses import dataclass, field

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app import identity
from app.api import schemas
from app.api.services import DEFAULT_LIMIT, MAX_LIMIT, PROPOSAL_FILTERS
from app.inputs import MAX_ID


@dataclass
class Operation:
    endpoint: str
    summary: object
    schema: type | None
    paged: bool = False
    filters: tuple[str, ...] = ()
    # Besides 200: 404 for one object, 400 for a list's parameters.
    errors: tuple[int, ...] = ()
    tags: list[str] = field(default_factory=list)


FILTER_DESCRIPTIONS = {
    "q": _l("Mots cherchés (titre et texte)"),
    "pole": _l("Unité territoriale (son identifiant texte, « slug »)"),
    "commune": _l("Commune : code INSEE, nom ou identifiant texte"),
    "domaine": _l("Domaine (identifiant texte)"),
    "public": _l("Public visé (identifiant texte)"),
    "etat": _l("État : published (par défaut), withdrawn, submitted, selected…"),
    "appel": _l("Appel à projets où elle est déposée (identifiant texte)"),
    "rural": _l("1 : en milieu rural seulement"),
    "qpv": _l("1 : en quartier prioritaire seulement"),
}

OPERATIONS = [
    Operation("api.territorial_units", _l("Unités territoriales"), schemas.TerritorialUnit, paged=True),
    Operation("api.communes", _l("Communes et leur code INSEE"), schemas.Commune, paged=True, filters=("pole",)),
    Operation("api.domains", _l("Domaines et sous-domaines"), schemas.Domain, paged=True),
    Operation("api.publics", _l("Publics visés"), schemas.TaxonomyValue, paged=True),
    Operation("api.calls", _l("Appels à projets"), schemas.Call, paged=True),
    Operation("api.call", _l("Un appel à projets, ses critères et son enveloppe"), schemas.Call, errors=(404,)),
    Operation("api.call_results", _l("Les décisions d'un appel, une fois publiées"), schemas.Results, errors=(404,)),
    Operation("api.ideas", _l("Idées publiées"), schemas.Idea, paged=True, filters=PROPOSAL_FILTERS[:5]),
    Operation("api.idea", _l("Une idée"), schemas.Idea, errors=(404,)),
    Operation("api.proposals", _l("Propositions publiées"), schemas.Proposal, paged=True, filters=PROPOSAL_FILTERS),
    Operation("api.proposal", _l("Une proposition et ses réponses"), schemas.Proposal, errors=(404,)),
    Operation("api.idea_comments", _l("Commentaires publics d'une idée"), schemas.Comment, paged=True, errors=(404,)),
    Operation(
        "api.proposal_comments",
        _l("Commentaires publics d'une proposition"),
        schemas.Comment,
        paged=True,
        errors=(404,),
    ),
    Operation(
        "api.indicators", _l("Indicateurs de suivi d'un projet retenu"), schemas.Indicator, paged=True, errors=(404,)
    ),
]


def _problem(description: object) -> dict:
    return {"description": str(description), "content": {"application/problem+json": {"schema": "Problem"}}}


def _path_of(rule) -> tuple[str, list[dict]]:
    """``/ideas/<int:idea_id>`` → ``/ideas/{idea_id}`` and its path parameters."""
    parameters, out = [], []
    for part in rule.rule.split("/"):
        if part.startswith("<") and part.endswith(">"):
            name = part[1:-1].split(":")[-1]
            out.append("{" + name + "}")
            parameters.append(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                }
            )
        else:
            out.append(part)
    return "/".join(out), parameters


def document() -> dict:
    spec = APISpec(
        title=_("API publique de %(platform)s", platform=identity.current().platform_name),
        version="1",
        openapi_version="3.1.0",
        plugins=[MarshmallowPlugin()],
        info={
            "description": _(
                "Ce que tout visiteur peut lire sur la plateforme, en lecture seule : jamais un brouillon, "
                "un contenu masqué, une adresse e-mail ni une note avant publication. Les listes se parcourent "
                "par curseur (lien « next »), dans l'ordre des identifiants. Les erreurs suivent la RFC 9457 ; "
                "?lang=en les donne en anglais."
            )
        },
    )
    spec.components.schema("Problem", schema=schemas.Problem)
    rules = {rule.endpoint: rule for rule in current_app.url_map.iter_rules()}
    for op in OPERATIONS:
        path, parameters = _path_of(rules[op.endpoint])
        if op.paged:
            parameters += [
                {
                    "name": "limit",
                    "in": "query",
                    "description": _("Nombre d'éléments par page (%(max)d au plus)", max=MAX_LIMIT),
                    "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
                },
                {
                    "name": "cursor",
                    "in": "query",
                    "description": _("Le curseur du lien « next » de la page précédente"),
                    "schema": {"type": "string"},
                },
            ]
        parameters += [
            {"name": name, "in": "query", "description": str(FILTER_DESCRIPTIONS[name]), "schema": {"type": "string"}}
            for name in op.filters
        ]
        body = schemas.page_of(op.schema) if op.paged else op.schema
        name = body.__name__ if op.paged else op.schema.__name__
        if name not in spec.components.schemas:
            spec.components.schema(name, schema=body)
        responses = {
            "200": {
                "description": str(op.summary),
                "headers": {"ETag": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": name}},
            },
            "304": {"description": _("Inchangé depuis l'ETag envoyé (If-None-Match)")},
            "429": _problem(_("Trop de requêtes : voir l'en-tête Retry-After")),
        }
        if op.paged:
            responses["400"] = _problem(_("Paramètre incorrect (curseur, limite ou filtre)"))
        if 404 in op.errors:
            responses["404"] = _problem(_("Introuvable, ou pas public"))
        spec.path(
            path=path,
            operations={
                "get": {
                    "operationId": op.endpoint.removeprefix("api."),
                    "summary": str(op.summary),
                    "parameters": parameters,
                    "responses": responses,
                }
            },
        )
    return spec.to_dict()
