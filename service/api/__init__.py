"""The HTTP API: flask-smorest tuned to our contract (problem+json, optional If-Match)."""

from importlib import import_module

import flask_smorest
from flask import request
from flask_smorest.etag import _get_etag_ctx
from werkzeug.routing import IntegerConverter

from schemas.common import MAX_ID, ProblemSchema

from .. import auth
from ..errors import from_http_exception

RESOURCE_MODULES = (
    "health", "notices", "roster", "names", "articles", "search", "audit", "scheduler", "tokens",
)
BEARER = "bearerAuth"
OPTIONAL_IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "ETag from a GET; when given and stale, the write is refused with 412",
}


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):
        return from_http_exception(error)


class Blueprint(flask_smorest.Blueprint):
    def _check_precondition(self):
        """Our contract makes If-Match optional (a stale one is still a 412)."""

    def _prepare_etag_doc(self, doc, doc_info, **kwargs):
        doc = super()._prepare_etag_doc(doc, doc_info, **kwargs)
        if "IF_MATCH" in doc.get("parameters", []):
            doc["parameters"] = [OPTIONAL_IF_MATCH if p == "IF_MATCH" else p
                                 for p in doc["parameters"]]
            doc["responses"].pop(428, None)
        return doc

    def check_etag(self, etag_data, etag_schema=None):
        if request.if_match:
            super().check_etag(etag_data, etag_schema)
        else:
            _get_etag_ctx()["etag_checked"] = True

    def staff(self, role: str):
        """Require a staff role (401/403 otherwise) and document it."""

        def decorator(view):
            guarded = auth.require(role)(view)
            return self.doc(
                security=[{BEARER: []}],
                description=f"Requires the `{role}` role or higher.",
                responses={
                    "401": {"description": "Missing or invalid bearer token"},
                    "403": {"description": f"Role below {role}"},
                },
            )(guarded)

        return decorator


class IdConverter(IntegerConverter):
    """`<id:name>`: a positive id within a 64-bit column; a larger one is a 404, not an overflow."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


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
    api = Api(app)
    api.register_converter(
        IdConverter, lambda _: {"type": "integer", "minimum": 1, "maximum": MAX_ID})
    api.spec.components.security_scheme(BEARER, {"type": "http", "scheme": "bearer"})
    for name in RESOURCE_MODULES:
        module = import_module(f"{__name__}.{name}")
        api.register_blueprint(module.blp, url_prefix=module.URL_PREFIX)
    return api
