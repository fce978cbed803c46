"""Every error leaves as application/problem+json; this is the one place that shapes it."""

import logging
from http import HTTPStatus

from flask import Flask, json
from marshmallow import ValidationError
from peewee import DoesNotExist, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from . import limits
from .metrics import DB_ERRORS

log = logging.getLogger(__name__)

PROBLEM_TYPE = "about:blank"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# webargs nests messages under where they were found; clients want the field itself.
REQUEST_LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "view_args"}


class Conflict(Exception):
    """A request that is well formed but not allowed in the resource's current state (409)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class NotFound(Exception):
    """A resource that does not exist, or no longer does (404)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def flatten_messages(messages, prefix: str = "") -> dict[str, list[str]]:
    """{"window": {"end": ["..."]}} -> {"window.end": ["..."]}; list positions become path parts."""
    if isinstance(messages, str):
        return {prefix or "_schema": [messages]}
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        messages = dict(enumerate(messages))
    flat: dict[str, list[str]] = {}
    for key, value in messages.items():
        key = str(key)
        if not prefix and key in REQUEST_LOCATIONS and isinstance(value, dict):
            path = ""
        else:
            path = f"{prefix}.{key}" if prefix else key
        for field, texts in flatten_messages(value, path).items():
            flat.setdefault(field, []).extend(texts)
    return flat


def problem(status: int, detail: str | None = None, *, errors=None, headers=None):
    """A problem+json response."""
    body = {"type": PROBLEM_TYPE, "title": HTTPStatus(status).phrase, "status": status}
    body["detail"] = detail or HTTPStatus(status).description
    if errors:
        body["errors"] = flatten_messages(errors)
    # backslashreplace: a lone surrogate echoed from the request leaves as the JSON escape \ud800.
    text = json.dumps(body, ensure_ascii=False).encode("utf-8", "backslashreplace")
    response = Flask.response_class(text, status=status, mimetype=PROBLEM_CONTENT_TYPE)
    response.headers.update(headers or {})
    return response


def from_http_exception(error: HTTPException):
    if error.code is not None and error.code < 400:
        return error.get_response()
    data = getattr(error, "data", None) or {}
    errors = data.get("errors") or data.get("messages")
    detail = data.get("message") or error.description
    if error.code == 422 and errors:
        detail = "The request has invalid fields: " + ", ".join(sorted(flatten_messages(errors)))
    headers = dict(data.get("headers") or {})
    if error.code == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429:
        headers["Retry-After"] = limits.retry_after()
    return problem(error.code or 500, detail, errors=errors, headers=headers)


def from_validation_error(error: ValidationError):
    fields = flatten_messages(error.messages)
    detail = "The request has invalid fields: " + ", ".join(sorted(fields))
    return problem(422, detail, errors=fields)


def init_app(app: Flask) -> None:
    """Register the translations of domain and database errors (HTTP ones go through the Api)."""
    app.register_error_handler(ValidationError, from_validation_error)
    app.register_error_handler(DoesNotExist, lambda e: problem(404, "No such resource."))
    app.register_error_handler(Conflict, lambda e: problem(409, e.detail))
    app.register_error_handler(NotFound, lambda e: problem(404, e.detail))
    app.register_error_handler(
        IntegrityError, lambda e: problem(409, "The change conflicts with existing data.")
    )

    def database_unavailable(error):
        log.warning("database unavailable: %s: %s", type(error).__name__, error)
        DB_ERRORS.labels(type(error).__name__).inc()
        return problem(503, "The database is not available; try again shortly.",
                       headers={"Retry-After": "5"})

    def unexpected(error):
        log.exception("unhandled %s", type(error).__name__)
        return problem(500, "Something went wrong on our side; it has been logged.")

    app.register_error_handler(Exception, unexpected)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
