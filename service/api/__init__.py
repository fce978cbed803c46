"""The HTTP API: flask-smorest tuned to our contract (problem+json errors, sent and documented;
optional If-Match; unknown query arguments refused)."""

from http import HTTPStatus

import flask_smorest
from apispec import BasePlugin
from flask import Response, current_app, request
from flask_smorest.etag import _get_etag_ctx  # private (0.47.0): see Blueprint.check_etag
from marshmallow import Schema
from werkzeug.routing import IntegerConverter

from schemas.common import MAX_ID, ProblemSchema
from service.api.parsing import ArgumentsParser, Plugin
from service.api.problems import PROBLEM_CONTENT_TYPE, from_http_exception
from service.infra import auth

BEARER = "bearerAuth"
OPTIONAL_IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "ETag from a GET; when given and stale, the write is refused with 412",
}
PROBLEM_SCHEMA = "Problem"
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                               "schema": {"type": "integer"}}}
WRITES = {"post", "put", "patch", "delete"}


def problem_response(description: str) -> dict:
    return {"description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_SCHEMA}}}


class ProblemsPlugin(BasePlugin):
    """Documents on every operation the errors the contract says it can answer, each one the
    application/problem+json that service/api/problems.py sends."""

    def init_spec(self, spec):
        spec.components.schema(PROBLEM_SCHEMA, schema=ProblemSchema)

    def operation_helper(self, path=None, operations=None, **kwargs):
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in self.possible_errors(path, method, operation):
                if status not in responses and str(status) not in responses:
                    responses[status] = HTTPStatus(status).name  # see Api._register_responses
            for status, response in responses.items():
                # Errors documented with a description of their own (401/403 of staff routes,
                # 412, 503): the body is a problem too.
                if (str(status)[:1] in ("4", "5") and isinstance(response, dict)
                        and "content" not in response):
                    response.update(problem_response(response["description"]))

    @staticmethod
    def possible_errors(path: str, method: str, operation: dict) -> set[int]:
        errors = set()
        if path.startswith("/api/"):
            errors |= {401, 503}  # a token that is sent must be valid; the database may be down
            if method in WRITES:
                errors.add(409)  # a state conflict, or a change against existing data
        if "security" in operation:
            errors |= {401, 403}
        if "{" in path:
            errors.add(404)  # unknown, or not visible to the caller
        if "requestBody" in operation:
            errors |= {400, 413, 415, 422}  # malformed, too large, wrong type, invalid fields
        if any(p.get("in") == "query" for p in operation.get("parameters", [])
               if isinstance(p, dict)):
            errors.add(422)
        return errors


class Api(flask_smorest.Api):
    # ERROR_SCHEMA and handle_http_exception are flask-smorest's documented error hooks.
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return from_http_exception(error)

    # Overrides a private method, checked against flask-smorest 0.47.0: upstream documents every
    # status with DEFAULT_RESPONSE_CONTENT_TYPE, which success answers share, and no setting
    # gives errors a content type of their own. Re-check on upgrade.
    def _register_responses(self):
        """flask-smorest's response components, one per status and DEFAULT_ERROR: errors are
        documented as the application/problem+json they are, not application/json."""
        for status in HTTPStatus:
            if status >= 400:
                response = problem_response(status.phrase)
                if status in (429, 503):
                    response["headers"] = RETRY_AFTER
            else:
                response = {"description": status.phrase}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME, problem_response("Unexpected error"), lazy=True)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = ArgumentsParser()  # documented hook

    # The three ETag overrides below were checked against flask-smorest 0.47.0 (etag.py,
    # EtagMixin): it has no setting that makes If-Match optional (ETAG_DISABLED turns ETags off
    # altogether), so its private steps are replaced. Re-check them on upgrade.

    # Private: upstream answers 428 to a PUT, PATCH or DELETE without If-Match.
    def _check_precondition(self):
        """Our contract makes If-Match optional (a stale one is still a 412)."""

    # Private: upstream documents If-Match as required and a 428 on every checked write.
    def _prepare_etag_doc(self, doc, doc_info, **kwargs):
        doc = super()._prepare_etag_doc(doc, doc_info, **kwargs)
        if "IF_MATCH" in doc.get("parameters", []):
            doc["parameters"] = [OPTIONAL_IF_MATCH if p == "IF_MATCH" else p
                                 for p in doc["parameters"]]
            doc["responses"].pop(428, None)
        return doc

    # Public, but without If-Match it sets the private "etag_checked" flag itself: upstream's
    # _verify_check_etag warns (an error under pytest) on a write whose ETag was not checked.
    def check_etag(self, etag_data, etag_schema=None):
        if request.if_match:
            super().check_etag(etag_data, etag_schema)
        else:
            _get_etag_ctx()["etag_checked"] = True

    def staff(self, role: str, forbidden: str | None = None):
        """Require a staff role (401/403 otherwise) and document it; `forbidden` says when the
        route's own rules refuse a role that passes (a 403 decided on the resource)."""

        def decorator(view):
            guarded = auth.require(role)(view)
            return self.doc(
                security=[{BEARER: []}],
                description=f"Requires the `{role}` role or higher.",
                responses={
                    "401": {"description": "Missing or invalid bearer token"},
                    "403": {"description": f"Role below {role}, or (editors and "
                                           "publishers) another organization's record"
                                           + (f"; {forbidden}" if forbidden else "")},
                },
            )(guarded)

        return decorator


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive id within a 64-bit column; a larger one is a 404, not an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


class JSONBody:
    """Encodes answers as a route's response body: dumped with `schema`, then JSON, as
    flask-smorest's response decorator would. For answers the cache keeps encoded
    (AnswerCache.get's `encode`); `response()` wraps the bytes, which the decorator passes on."""

    def __init__(self, schema: Schema, *, shaped: bool = False):
        """`shaped`: answers are already what `schema` dumps them to (plain JSON types, exactly
        its fields; a test holds the route to it), so the dump is skipped: for a name check's 60
        matches it cost more than the queries."""
        self.schema, self.shaped = schema, shaped

    def __call__(self, answer) -> bytes:
        dumped = answer if self.shaped else self.schema.dump(answer)
        # Answers are trees of plain values: the check for cycles only costs (≈ 10%, measured).
        body = current_app.json.dumps(dumped, separators=(",", ":"), check_circular=False)
        return (body + "\n").encode()

    @staticmethod
    def response(body: bytes) -> Response:
        return current_app.response_class(body, mimetype="application/json")


def paginate(query, args: dict):
    """(rows of the requested page, the envelope without items), paginated in SQL."""
    page, page_size = args["page"], args["page_size"]
    envelope = {"total": query.count(), "page": page, "page_size": page_size}
    return list(query.paginate(page, page_size)), envelope


def init_app(app) -> Api:
    @app.before_request
    def _reject_bad_tokens():
        # A token that is sent must be valid, on public routes too: a typo should not pass silently.
        if request.path.startswith("/api/"):
            auth.caller()

    app.url_map.converters["id"] = IdConverter
    api = Api(app, spec_kwargs={"marshmallow_plugin": Plugin(),
                                "extra_plugins": [ProblemsPlugin()]})
    api.register_converter(
        IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    # Imported here: each resource module imports this one (Blueprint, paginate, …).
    from service.api import (
        articles,
        audit,
        health,
        names,
        notices,
        organizations,
        roster,
        scheduler,
        search,
        tokens,
    )

    for module in (health, organizations, notices, roster, names, articles, search, audit,
                   scheduler, tokens):
        api.register_blueprint(module.blp, url_prefix=module.URL_PREFIX)
    return api
