"""What each resource of the API holds: these schemas dump every answer (``dump``) and describe it
in the OpenAPI document (``app.api.spec``). A field that is not here never leaves the server."""

from __future__ import annotations

from functools import cache

from marshmallow import Schema, fields


class Ref(Schema):
    """A taxonomy value, a unit or a call named inside another resource."""

    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    label = fields.Str(required=True)


class CommuneRef(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)
    insee_code = fields.Str(required=True, allow_none=True)


class AssociationRef(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)


class TerritorialUnit(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    description = fields.Str(required=True)


class Commune(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    insee_code = fields.Str(required=True, allow_none=True, metadata={"description": "Code officiel géographique"})
    territorial_unit_id = fields.Int(required=True)
    is_rural = fields.Bool(required=True)
    has_qpv = fields.Bool(required=True)


class TaxonomyValue(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    label = fields.Str(required=True)
    retired = fields.Bool(required=True)


class Domain(TaxonomyValue):
    subdomains = fields.List(fields.Nested(TaxonomyValue), required=True)


class Criterion(Schema):
    label = fields.Str(required=True)
    description = fields.Str(required=True)
    weight = fields.Int(required=True)


class Call(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    title = fields.Str(required=True)
    funder = fields.Str(required=True)
    summary = fields.Str(required=True)
    description = fields.Str(required=True)
    envelope_eur = fields.Int(required=True)
    min_grant_eur = fields.Int(required=True, allow_none=True)
    max_grant_eur = fields.Int(required=True, allow_none=True)
    opens_at = fields.AwareDateTime(required=True)
    closes_at = fields.AwareDateTime(required=True)
    state = fields.Str(required=True, metadata={"enum": ["upcoming", "open", "closed", "evaluation", "results"]})
    results_published_at = fields.AwareDateTime(required=True, allow_none=True)
    criteria = fields.List(fields.Nested(Criterion), required=True)
    domains = fields.List(fields.Nested(Ref), required=True)
    publics = fields.List(fields.Nested(Ref), required=True)
    territorial_units = fields.List(fields.Nested(Ref), required=True)
    url = fields.Url(required=True)


class Result(Schema):
    """One published decision of a call."""

    proposal_id = fields.Int(required=True)
    title = fields.Str(required=True)
    association = fields.Nested(AssociationRef, required=True)
    decision = fields.Str(required=True, metadata={"enum": ["selected", "waitlist", "rejected"]})
    granted_eur = fields.Int(required=True, allow_none=True)
    reason = fields.Str(required=True)
    url = fields.Url(required=True)


class Results(Schema):
    call_id = fields.Int(required=True)
    published_at = fields.AwareDateTime(required=True)
    envelope_eur = fields.Int(required=True)
    granted_eur = fields.Int(required=True)
    items = fields.List(fields.Nested(Result), required=True)


class Idea(Schema):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    description = fields.Str(required=True)
    author_name = fields.Str(required=True, metadata={"description": "Nom public"})
    commune = fields.Nested(CommuneRef, required=True)
    territorial_unit = fields.Nested(Ref, required=True)
    domain = fields.Nested(Ref, required=True)
    subdomain = fields.Nested(Ref, required=True, allow_none=True)
    publics = fields.List(fields.Nested(Ref), required=True)
    support_count = fields.Int(required=True)
    association_support_count = fields.Int(required=True)
    comment_count = fields.Int(required=True)
    created_at = fields.AwareDateTime(required=True)
    url = fields.Url(required=True)


class Answer(Schema):
    key = fields.Str(required=True)
    question = fields.Str(required=True)
    body = fields.Str(required=True, metadata={"description": "Markdown"})


class Proposal(Schema):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    summary = fields.Str(required=True)
    state = fields.Str(
        required=True,
        metadata={
            "enum": [
                "published",
                "withdrawn",
                "submitted",
                "changes_requested",
                "selected",
                "waitlisted",
                "not_selected",
            ]
        },
    )
    association = fields.Nested(AssociationRef, required=True)
    coauthors = fields.List(fields.Nested(AssociationRef), required=True)
    answers = fields.List(fields.Nested(Answer), required=True)
    domain = fields.Nested(Ref, required=True)
    subdomain = fields.Nested(Ref, required=True, allow_none=True)
    publics = fields.List(fields.Nested(Ref), required=True)
    territorial_units = fields.List(fields.Nested(Ref), required=True)
    communes = fields.List(fields.Nested(CommuneRef), required=True)
    is_rural = fields.Bool(required=True)
    is_qpv = fields.Bool(required=True)
    call_id = fields.Int(required=True, allow_none=True, metadata={"description": "L'appel où elle est déposée"})
    idea_id = fields.Int(required=True, allow_none=True)
    support_count = fields.Int(required=True)
    association_support_count = fields.Int(required=True)
    comment_count = fields.Int(required=True)
    published_at = fields.AwareDateTime(required=True, allow_none=True)
    url = fields.Url(required=True)


class Comment(Schema):
    id = fields.Int(required=True)
    parent_id = fields.Int(required=True, allow_none=True)
    author_name = fields.Str(required=True)
    association = fields.Nested(AssociationRef, required=True, allow_none=True)
    official_role = fields.Str(required=True, allow_none=True)
    body = fields.Str(required=True, metadata={"description": "Markdown"})
    created_at = fields.AwareDateTime(required=True)
    edited_at = fields.AwareDateTime(required=True, allow_none=True)


class IndicatorValue(Schema):
    measured_on = fields.Date(required=True)
    value = fields.Float(required=True)


class Indicator(Schema):
    id = fields.Int(required=True)
    label = fields.Str(required=True)
    unit = fields.Str(required=True)
    target = fields.Float(required=True, allow_none=True)
    values = fields.List(fields.Nested(IndicatorValue), required=True)


@cache
def page_of(item: type[Schema]) -> type[Schema]:
    """A list's envelope: the items and the link to the next page (null on the last). One class per
    item schema (the document names it), made once."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next": fields.Url(required=True, allow_none=True),
        },
        name=f"{item.__name__}Page",
    )


class Problem(Schema):
    """An error, RFC 9457 (``application/problem+json``)."""

    type = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
