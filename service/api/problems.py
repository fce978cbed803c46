"""Every error leaves the API as application/problem+json; this is the one place that shapes it,
and the one place domain errors (service/domain/errors.py) become HTTP statuses."""

import logging
from http import HTTPStatus

from flask import Flask, json
from marshmallow import ValidationError
from peewee import DoesNotExist, IntegrityError
from werkzeug.exceptions import HTTPException

from service.domain.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from service.infra import db, limits

log = logging.getLogger(__name__)

PROBLEM_TYPE = "about:blank"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# webargs nests messages under where they were found; clients want the field itself.
REQUEST_LOCATIONS = {"json", "query", "querystring", "form", "files", "headers", "view_args"}


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
        detail = invalid_fields(errors)
    return problem(error.code or 500, detail, errors=errors, headers=http_error_headers(error))


def http_error_headers(error: HTTPException) -> dict:
    """The headers an HTTP error must carry, as problem+json or as a page: Allow on a 405,
    Retry-After on a 429, and any the error was raised with."""
    headers = dict((getattr(error, "data", None) or {}).get("headers") or {})
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429:
        headers["Retry-After"] = limits.retry_after()
    return headers


def invalid_fields(errors) -> str:
    return "The request has invalid fields: " + ", ".join(sorted(flatten_messages(errors)))


def from_invalid(error: Invalid):
    return problem(422, error.summary or invalid_fields(error.errors), errors=error.errors)


def from_validation_error(error: ValidationError):
    return problem(422, invalid_fields(error.messages), errors=error.messages)


DOMAIN_STATUSES = {NotFound: 404, Conflict: 409, Forbidden: 403, Invalid: 422}


def domain_status(error: DomainError) -> int:
    return next(status for kind, status in DOMAIN_STATUSES.items() if isinstance(error, kind))


def init_app(app: Flask) -> None:
    """Register the translations of domain and database errors (HTTP ones go through the Api)."""
    app.register_error_handler(ValidationError, from_validation_error)
    app.register_error_handler(Invalid, from_invalid)
    for kind in (NotFound, Conflict, Forbidden):
        app.register_error_handler(kind, lambda e: problem(domain_status(e), e.detail))
    app.register_error_handler(DoesNotExist, lambda e: problem(404, "No such resource."))
    app.register_error_handler(
        IntegrityError, lambda e: problem(409, "The change conflicts with existing data.")
    )

    def database_unavailable(error):
        db.count_outage(error)
        return problem(503, "The database is not available; try again shortly.",
                       headers={"Retry-After": db.RETRY_AFTER})

    def unexpected(error):
        log.exception("unhandled %s", type(error).__name__)
        return problem(500, "Something went wrong on our side; it has been logged.")

    app.register_error_handler(Exception, unexpected)
    for error_class in db.OUTAGES:
        app.register_error_handler(error_class, database_unavailable)
