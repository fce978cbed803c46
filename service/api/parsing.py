"""How the API reads a request before a view runs: JSON within bounds, the content type each body
needs, the query string as UTF-8, and every field error of a request in one 422.
Checked against webargs 8.7.1 and apispec 6.10.1."""

import json
from collections.abc import Callable
from urllib.parse import parse_qsl

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_cls
from flask.json.provider import DefaultJSONProvider
from flask_smorest import abort
from marshmallow import RAISE, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser

MAX_DEPTH = 64  # our deepest body is 3 (a roster entry in a list in a notice)
MAX_INTEGER_DIGITS = 100  # ids stop at 19 digits; Python refuses more than 4,300 with ValueError


class BodyError(ValueError):
    """JSON that is well formed but beyond what the service reads (400)."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyError(f"a number has more than {MAX_INTEGER_DIGITS} digits")
    return int(text)


def _not_json(constant: str):
    raise BodyError(f"{constant} is not JSON")


def _object(pairs: list[tuple[str, object]]) -> dict:
    # A repeated key is refused rather than the last one kept: a proxy or validator reading the
    # first would check another body than the one the service acts on.
    data = dict(pairs)
    if len(data) != len(pairs):
        repeated = next(key for key in data if sum(k == key for k, _ in pairs) > 1)
        raise BodyError(f"the key {_field((repeated,))!r} appears more than once in an object")
    return data


def _field(path: tuple) -> str:
    # A key may hold the lone surrogate itself: shown escaped, the message stays encodable.
    return ".".join(str(part) for part in path).encode("utf-8", "backslashreplace").decode()


def loads(text: str | bytes):
    """json.loads within bounds: nesting at most MAX_DEPTH, integers of at most MAX_INTEGER_DIGITS
    digits, no NaN or Infinity, no key twice in an object (BodyError); no lone surrogate in a
    string or key, which no database stores (ValidationError naming the field)."""
    try:
        data = json.loads(text, parse_int=_integer, parse_constant=_not_json,
                          object_pairs_hook=_object)
    except RecursionError:
        raise BodyError(f"the JSON is nested more than {MAX_DEPTH} deep") from None
    surrogates, pending = {}, [(data, (), 0)]
    while pending:
        value, path, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise BodyError(f"the JSON is nested more than {MAX_DEPTH} deep")
        if isinstance(value, dict):
            for key, item in value.items():
                pending.append((key, (*path, key), depth + 1))
                pending.append((item, (*path, key), depth + 1))
        elif isinstance(value, list):
            pending.extend((item, (*path, index), depth + 1) for index, item in enumerate(value))
        elif isinstance(value, str) and not _encodable(value):
            surrogates[_field(path) or "_schema"] = [
                "contains a lone surrogate (\\ud800–\\udfff), which is not a character"]
    if surrogates:
        raise ValidationError(surrogates)
    return data


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading with `loads` (request.get_json included)."""

    def loads(self, s, **kwargs):
        return loads(s)


class ArgumentsParser(FlaskParser):
    """webargs, with our rules:
    - a query parameter a route does not take is refused with a 422 naming it, like an unknown
      body field: a typo such as `?page_sise=50` must not pass silently;
    - a body in another content type than the route reads is a 415 saying which one;
    - a query string that is not UTF-8 is a 422 naming the parameter;
    - the route's `validate=` checks (rules beyond the schema, such as a window's order) run on
      the fields the schema found valid even when others are not, so one 422 lists them all."""

    DEFAULT_UNKNOWN_BY_LOCATION = {**FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
                                   "query": RAISE, "querystring": RAISE}

    def _load_location_data(self, *, schema, req, location):
        if location in ("query", "querystring"):
            _require_utf8(req)
        if location == "files" and req.content_length and req.mimetype != "multipart/form-data":
            _unsupported("multipart/form-data")
        return super()._load_location_data(schema=schema, req=req, location=location)

    def load_querystring(self, req, schema):
        """webargs' proxy only when a field takes several values: for the others it reads the
        first value of each, as a plain dict does, at a fraction of the cost (it looks each
        field up in turn, an absent one through an exception)."""
        proxy = super().load_querystring(req, schema)
        return proxy if proxy.multiple_keys else req.args.to_dict()

    def _raw_load_json(self, req):
        data = req.get_data(cache=True)
        if not data:
            return core.missing
        if not core.is_json(req.mimetype):
            _unsupported("application/json")
        try:
            return loads(data.decode("utf-8"))
        except BodyError as error:
            abort(400, message=f"The body is not read: {error}.")
        except UnicodeDecodeError:
            abort(400, message="The body is not UTF-8.")
        except json.JSONDecodeError as error:
            abort(400, message=f"The body is not JSON: {error.msg} at character {error.pos}.")

    def _process_location_data(self, location_data, schema, req, location, unknown, validators):
        try:
            return super()._process_location_data(
                location_data, schema, req, location, unknown, validators)
        except ValidationError as error:
            raise ValidationError(_with_checks(error, validators)) from None


def _unsupported(content_type: str):
    abort(415, message=f"This route reads a body of type {content_type}: send it with "
                       f"Content-Type: {content_type}.")


def _with_checks(error: ValidationError, checks: list[Callable]) -> dict:
    """The schema's messages and, on the fields it found valid, those of the route's checks."""
    messages = error.normalized_messages()
    valid = error.valid_data
    if not isinstance(valid, dict) or not isinstance(messages, dict):
        return messages
    untouched = {key: value for key, value in valid.items() if key not in messages}
    for check in checks:
        try:
            check(untouched)
        except ValidationError as more:
            for key, value in more.normalized_messages().items():
                messages.setdefault(key, value)
    return messages


def _require_utf8(req) -> None:
    query_string = req.query_string
    # werkzeug leaves what is not UTF-8 percent-encoded in request.args: an ASCII query string
    # whose names and values hold no "%" once decoded was all UTF-8.
    if query_string.isascii() and not any(
            "%" in name or "%" in value for name, value in req.args.items(multi=True)):
        return
    wrong = [name for name, value in parse_qsl(query_string.decode("latin-1"),
                                               keep_blank_values=True, encoding="latin-1")
             if not _is_utf8(name) or not _is_utf8(value)]
    if wrong:
        raise ValidationError({_field((name.encode("latin-1").decode("utf-8", "replace"),)):
                               ["is not UTF-8 once percent-decoded"] for name in wrong})


def _is_utf8(text: str) -> bool:
    try:
        text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


class Converter(OpenAPIConverter):
    """Documents a schemas.common.OneOfSchema as JSON Schema oneOf over its alternatives."""

    def schema2jsonschema(self, schema):
        alternatives = getattr(resolve_schema_cls(schema), "alternatives", None)
        if alternatives:
            return {"oneOf": [self.resolve_nested_schema(shape) for shape in alternatives]}
        return super().schema2jsonschema(schema)


class Plugin(MarshmallowPlugin):
    Converter = Converter

