"""The read-only public API, ``/api/v1``: what an anonymous visitor of the pages may read, in JSON.

Why apispec + marshmallow (rather than spectree or flask-smorest): the marshmallow schemas of
``app.api.schemas`` are what *dumps* every response (a field not in the schema cannot go out) and
what apispec writes into the OpenAPI 3.1 document, so the document cannot drift from the answers;
the routes stay plain Flask views with ``@access`` like every other (flask-smorest would bring its
own blueprint and error handling), and no pydantic models duplicate the SQLAlchemy ones.
"""
