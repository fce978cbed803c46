"""Structured logs: one JSON object per line on stdout, with the request id when there is one.

Nothing personal is logged: no tokens, names, credential numbers or query strings."""

import json
import logging
import re
import sys
import uuid
from urllib.parse import quote

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
ACCEPTED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,128}$")


# A query string, to the end of its token ("?q=张心怡" in "GET /names?q=张心怡 HTTP/1.1").
QUERY_STRING = re.compile(r"\?[^\s'\"]*")
# gunicorn's warning for a request it could not parse, e.g. "Invalid request from ip=1.2.3.4:
# Invalid HTTP request line: 'GET /api/v1/names?q=张心怡 HTTP/1.1'": the part after the last
# colon quotes the client's bytes, which may be a name in any shape (even unencoded, with spaces).
MALFORMED_REQUEST = re.compile(r"^(Invalid request from ip=\S*: [^:'\"]*)[:'\"].*$", re.DOTALL)
# gunicorn's message when the app raised, "Error handling request GET /check/张心怡": the path may
# be a name typed into the address bar.
FAILED_REQUEST = re.compile(r"^(Error handling request) \S.*$", re.DOTALL)


def without_request_data(message: str) -> str:
    """`message` without what a client sent: a bad or failed request's line, any query string."""
    message = MALFORMED_REQUEST.sub(r"\1 (request withheld)", message)
    message = FAILED_REQUEST.sub(r"\1 (request withheld)", message)
    return QUERY_STRING.sub("?(query withheld)", message)


class RequestDataFilter(logging.Filter):
    """For gunicorn's error log, whose messages quote requests it could not parse or serve
    (checked against gunicorn 27.0.1: workers/base.py handle_error)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = without_request_data(record.getMessage())
        record.args = None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str) -> None:
    """Send every logger's records to stdout as JSON (idempotent; other handlers are kept)."""
    root = logging.getLogger()
    if not any(isinstance(h.formatter, JsonFormatter) for h in root.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)


# The path the access logs (gunicorn's and nginx's) record, as the app gives it in this header
# (nginx hides it from clients): a path that a route took and that found what it names (its
# variable parts are ids), else the pattern of the route that took it, else "-". A path no route
# took, or that found nothing, may be a name typed into the address bar (/check/张心怡).
LOGGED_PATH_HEADER = "X-Logged-Path"


def _logged_path(status: int) -> str:
    if request.url_rule is None:
        return "-"
    return request.url_rule.rule if status == 404 else quote(request.path)


def init_app(app: Flask) -> None:
    """Accept a sane X-Request-ID or make one; echo it on the response; say what path the access
    logs may record."""

    @app.before_request
    def _request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if ACCEPTED_REQUEST_ID.match(given) else uuid.uuid4().hex

    @app.after_request
    def _echo_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        response.headers[LOGGED_PATH_HEADER] = _logged_path(response.status_code)
        return response
