"""Hostile values in every parameter of every operation that /openapi.json lists, sent to the real
gunicorn on SQLite and on PostgreSQL: never a 5xx, every refusal application/problem+json, and a
NUL or a lone surrogate in a query parameter or a JSON string is a 422 naming that field.

The walk reads the live OpenAPI document, so a new route or field is covered without editing
this file. Each operation is first sent a plain request built from the document (required fields,
its examples, dates a month ahead) and must accept it: the hostile value then replaces one
parameter or field of that accepted request, so it reaches the code behind the schema. Path ids
name fresh resources (a draft, a scheduled notice, an article, a token), made again after any
write that succeeded, so every request meets the state its plain request was accepted in."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote

import pytest
import requests

from tests import live_registry
from tests.live_registry import Registry
from tests.problems import PROBLEM_CONTENT_TYPE as PROBLEM

# A seeded registry behind gunicorn, one per database (fixtures: tests/live_registry.py).
fuzz_database, registry = live_registry.fuzz_database, live_registry.registry

MARK = "\u27e6hostile\u27e7"  # stands for the hostile value in a plain body until it is encoded
DAY = date.today() + timedelta(days=30)
LATER = {"end", "closes_at", "to"}  # fields the schema orders after their pair: a later plain day
WRITES = {"post", "put", "patch", "delete"}
CSV = "text/csv"


@dataclass(frozen=True)
class Hostile:
    name: str
    json: str  # as JSON text, spliced raw into the body (a 5,000-digit integer has no Python form)
    url: str | None  # percent-encoded for a path, query or header; None: not sendable there
    refused_in_text: bool = False  # a text field must refuse it with a 422 naming the field


HOSTILE = [
    Hostile("NUL", '"a\\u0000b"', "a%00b", refused_in_text=True),
    Hostile("lone surrogate", '"a\\ud800b"', "a%ED%A0%80b", refused_in_text=True),
    Hostile("2,000 deep", "[" * 2000 + "]" * 2000, "%5B" * 1000),
    Hostile("5,000 digits", "9" * 5000, "9" * 5000),
    Hostile("2**64", str(2**64), str(2**64)),
    Hostile("negative", "-1", "-1"),
    Hostile("fraction", "1.5", "1.5"),
    Hostile("NaN", "NaN", "NaN"),
    Hostile("year 9999", '"9999-12-31"', "9999-12-31"),
    Hostile("year 1", '"0001-01-01"', "0001-01-01"),
    Hostile("last instant", '"9999-12-31T23:59:59-12:00"', quote("9999-12-31T23:59:59-12:00")),
    Hostile("first instant", '"0001-01-01T00:00:00+14:00"', quote("0001-01-01T00:00:00+14:00")),
    Hostile("newline", '"abc\\n"', "abc%0A"),
    Hostile("emoji", json.dumps("😀👍🏽"), quote("😀👍🏽")),
    Hostile("RTL marks", json.dumps("\u202eabc\u200f"), quote("\u202eabc\u200f")),
    Hostile("empty", '""', ""),
    Hostile("null", "null", None),
    Hostile("object", '{"a": 1}', None),
    # About 1 MB in UTF-8, under the body limit; in a URL, as long as a request line allows.
    Hostile("1 MB", json.dumps("长" * 330_000, ensure_ascii=False), "a" * 3000),
]
TEN_MB = Hostile("10 MB", json.dumps("a" * 10_000_000), None)  # once per operation: 413


# --- reading the OpenAPI document ---------------------------------------------------------------

def resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def type_of(schema: dict) -> str | None:
    types = schema.get("type")
    if isinstance(types, list):
        return next((t for t in types if t != "null"), None)
    return types


def plain(spec: dict, schema: dict, name: str = ""):
    """A value the schema accepts, with only the required fields of objects."""
    schema = resolve(spec, schema)
    if "example" in schema:
        return schema["example"]
    if "oneOf" in schema:
        return plain(spec, schema["oneOf"][0], name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = type_of(schema)
    if kind == "object" or "properties" in schema:
        return {key: plain(spec, schema["properties"][key], key)
                for key in schema.get("required", [])}
    if kind == "array":
        return [plain(spec, schema["items"], name)] if schema.get("minItems") else []
    if kind == "integer":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    day = DAY + timedelta(days=30) if name in LATER else DAY
    if schema.get("format") == "date":
        return day.isoformat()
    if schema.get("format") == "date-time":
        return f"{day.isoformat()}T00:00:00+08:00"
    return "测试"


def variants(spec: dict, schema: dict) -> Iterator[tuple[tuple, object]]:
    """(path, value): a plain value with MARK at `path`, for every field and item inside."""
    schema = resolve(spec, schema)
    yield (), MARK
    for alternative in schema.get("oneOf", []):
        yield from ((path, value) for path, value in variants(spec, alternative) if path)
    if "properties" in schema:
        base = plain(spec, schema)
        for key, prop in schema["properties"].items():
            for path, value in variants(spec, prop):
                yield (key, *path), {**base, key: value}
    if type_of(schema) == "array":
        for path, value in variants(spec, schema["items"]):
            yield (0, *path), [value]


@dataclass
class Operation:
    method: str
    path: str
    parameters: list[dict]
    body: dict | None  # the JSON request body's schema
    files: list[str]  # multipart file parts

    @property
    def label(self) -> str:
        return f"{self.method.upper()} {self.path}"


def operations(spec: dict) -> list[Operation]:
    found = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            multipart = content.get("multipart/form-data", {}).get("schema")
            files = [key for key, prop in resolve(spec, multipart or {}).get("properties", {})
                     .items() if prop.get("format") == "binary"]
            parameters = [spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
                          if "$ref" in p else p
                          for p in [*item.get("parameters", []), *operation.get("parameters", [])]]
            found.append(Operation(
                method, path, parameters,
                content.get("application/json", {}).get("schema"), files))
    return found


# --- sending ------------------------------------------------------------------------------------

class Targets:
    """The resources path parameters name; `forget` after a write, and the next use makes anew."""

    def __init__(self, base_url: str, token: str):
        self.base_url, self.token = base_url, token
        self.made: dict[tuple[str, str], int] = {}

    def call(self, method: str, path: str, **kwargs) -> dict:
        response = requests.request(method, self.base_url + path, timeout=30, headers={
            "Authorization": f"Bearer {self.token}"}, **kwargs)
        assert response.ok, (method, path, response.text)
        return response.json() if response.content else {}

    def notice(self, state: str) -> tuple[int, int]:
        start = date.today() + timedelta(days=1)
        notice = self.call("POST", "/api/v1/notices", json={
            "title": "恶意输入测试", "category": "hostile", "issuer": "测试",
            "organization_id": self.value("organization_id", "registered"),
            "window": {"start": start.isoformat(), "end": (start + timedelta(days=6)).isoformat()},
            "contacts": [{"number": "010-83138953"}],
            "roster": [{"name": "张心怡"}, {"name": "刘东", "credential_no": "11000012345678"}]})
        if state == "scheduled":
            self.call("POST", f"/api/v1/notices/{notice['id']}/publish")
        entries = self.call("GET", f"/api/v1/notices/{notice['id']}/roster")["items"]
        return notice["id"], entries[0]["id"]

    def value(self, name: str, state: str) -> int:
        if (name, state) not in self.made:
            if name in ("notice_id", "entry_id"):
                notice_id, entry_id = self.notice(state)
                self.made[("notice_id", state)] = notice_id
                self.made[("entry_id", state)] = entry_id
            elif name == "article_id":
                self.made[(name, state)] = self.call("POST", "/api/v1/articles", json={
                    "title": "恶意输入测试", "kind": "news", "published_on": DAY.isoformat(),
                    "organization_id": self.value("organization_id", "registered")})["id"]
            elif name == "token_id":
                self.made[(name, state)] = self.call("POST", "/api/v1/tokens", json={
                    "role": "editor", "label": "恶意输入测试",
                    "organization_ids": [self.value("organization_id", "registered")]})["id"]
            elif name == "organization_id":
                self.made[(name, state)] = self.call("POST", "/api/v1/organizations", json={
                    "name": f"恶意输入测试单位 {uuid.uuid4().hex}"})["id"]
            else:
                raise AssertionError(f"no way to make a {name}: teach Targets.value")
        return self.made[(name, state)]

    def forget(self, state: str):
        self.made = {key: value for key, value in self.made.items() if key[1] != state}


@dataclass
class Request:
    """One request of the walk: which slot holds the hostile value, and where."""

    where: str  # path, query, header, json, file
    slot: str  # the parameter name or the dotted field path
    method: str
    url: str
    headers: dict
    data: bytes | None = None
    files: dict | None = None


def hostile_text(hostile: Hostile) -> str:
    """The value as text: a JSON string's content, or the JSON itself."""
    return json.loads(hostile.json) if hostile.json.startswith('"') else hostile.json


OWNED = {("POST", "/api/v1/notices"): "organization_id",
         ("POST", "/api/v1/articles"): "organization_id",
         ("POST", "/api/v1/tokens"): "organization_ids"}


class Walk:
    def __init__(self, registry: Registry, spec: dict):
        self.base_url = registry.base_url
        self.token = registry.tokens["admin"]
        self.spec = spec
        self.targets = Targets(registry.base_url, self.token)
        self.session = requests.Session()

    def owner_fields(self, op: Operation) -> dict:
        """What an admin's request must say beyond the schema's required fields: the
        organisation a new notice or article belongs to, an editor's token acts for."""
        if (op.method.upper(), op.path) not in OWNED:
            return {}
        organization_id = self.targets.value("organization_id", "registered")
        return {OWNED[(op.method.upper(), op.path)]: (
            [organization_id] if op.path == "/api/v1/tokens" else organization_id)}

    def requests_for(self, op: Operation, state: str) -> Iterator[tuple[Request, Hostile]]:
        """The plain request first (hostile None), then every hostile value in every slot."""
        yield self.build(op, state), None
        for hostile in HOSTILE:
            for parameter in op.parameters:
                if hostile.url is not None:
                    yield self.build(op, state, parameter=parameter, hostile=hostile), hostile
            if op.body is not None:
                for path, body in variants(self.spec, op.body):
                    yield self.build(op, state, body=body, slot=path, hostile=hostile), hostile
        for hostile in (*HOSTILE, TEN_MB):
            for part in op.files:
                yield self.build(op, state, file_part=part, hostile=hostile), hostile
        if op.body is not None:
            (path, body), *_ = [(p, b) for p, b in variants(self.spec, op.body) if len(p) == 1]
            yield self.build(op, state, body=body, slot=path, hostile=TEN_MB), TEN_MB

    def build(self, op: Operation, state: str, *, parameter=None, body=None, slot=(),
              file_part=None, hostile: Hostile | None = None) -> Request:
        path, query, headers = op.path, [], {"Authorization": f"Bearer {self.token}"}
        where, name = "json", ".".join(map(str, slot))
        for param in op.parameters:
            if param is parameter:
                value = hostile.url
                where, name = param["in"], param["name"]
            elif param["in"] == "path":
                value = str(self.targets.value(param["name"], state))
            elif param.get("required"):
                value = quote(str(plain(self.spec, param["schema"], param["name"])))
            else:
                continue
            if param["in"] == "path":
                path = path.replace("{" + param["name"] + "}", value)
            elif param["in"] == "query":
                query.append(f"{param['name']}={value}")
            elif param["in"] == "header":
                headers[param["name"]] = value
        url = self.base_url + path + ("?" + "&".join(query) if query else "")
        request = Request(where, name, op.method, url, headers)
        if op.body is not None:
            if body is None:
                body = plain(self.spec, op.body)
            if isinstance(body, dict):
                body = {**self.owner_fields(op), **body}
            text = json.dumps(body, ensure_ascii=False)
            if hostile is not None and parameter is None:
                text = text.replace(json.dumps(MARK, ensure_ascii=False), hostile.json)
            request.data = text.encode()
            headers["Content-Type"] = "application/json"
        if op.files:
            cell = "张三"
            if file_part is not None:
                cell, request.where, request.slot = hostile_text(hostile), "file", file_part
            content = f"name\n{cell}\n".encode("utf-8", "surrogatepass")
            request.files = {part: ("roster.csv", content, CSV) for part in op.files}
        return request

    def send(self, request: Request) -> requests.Response:
        response = self.session.request(request.method, request.url, headers=request.headers,
                                        data=request.data, files=request.files, timeout=60)
        if response.status_code == 413:
            # gunicorn drains at most 64 KiB of a body the app did not read, then drops the
            # connection although it answered keep-alive: a client must not reuse it.
            self.session.close()
        return response


def names(key: str, slot: str) -> bool:
    """Whether an error key names the slot: itself, a part of it, or it as one entry given alone
    where a list is read (`0.name` for `name`)."""
    return key == slot or key.startswith(slot + ".") or key.endswith("." + slot)


def problems_with(request: Request, hostile: Hostile, response: requests.Response) -> str | None:
    if response.status_code >= 500:
        return f"{response.status_code}"
    if response.status_code >= 400 and not response.headers.get(
            "Content-Type", "").startswith(PROBLEM):
        return f"{response.status_code} as {response.headers.get('Content-Type')}"
    if hostile.refused_in_text and request.where in ("query", "json") and request.slot:
        fields = response.json().get("errors", {}) if response.status_code == 422 else {}
        if not any(names(key, request.slot) for key in fields):
            return f"{response.status_code}, not a 422 naming {request.slot}: {response.text[:200]}"
    return None


@pytest.fixture(scope="module")
def walk(registry):
    return Walk(registry, requests.get(f"{registry.base_url}/openapi.json", timeout=10).json())


def test_every_hostile_value_in_every_parameter_is_refused_cleanly(walk):
    failures, sent = [], 0
    for op in operations(walk.spec):
        states = ["draft", "scheduled"] if "{notice_id}" in op.path else ["draft"]
        accepted_in = None
        for state in states:
            plain_request, _ = next(walk.requests_for(op, state))
            response = walk.send(plain_request)
            if op.method in WRITES:
                walk.targets.forget(state)
            if response.ok:
                accepted_in = state
                break
        if not accepted_in:
            failures.append(f"{op.label}: the plain request is refused: {response.text[:300]}")
            continue
        for request, hostile in list(walk.requests_for(op, accepted_in))[1:]:
            try:
                response = walk.send(request)
            except requests.ConnectionError as error:
                failures.append(f"{op.label} {request.where} {request.slot!r} <- {hostile.name}: "
                                f"connection lost ({error})")
                continue
            sent += 1
            if op.method in WRITES and response.ok:
                walk.targets.forget(accepted_in)
            problem = problems_with(request, hostile, response)
            if problem:
                failures.append(f"{op.label} {request.where} {request.slot!r} <- {hostile.name}: "
                                f"{problem}")
    print(f"{sent} hostile requests, {len(failures)} failures")
    assert not failures, f"{len(failures)} of {sent}:\n" + "\n".join(failures)


def test_a_json_body_in_another_content_type_is_415(walk):
    failures = []
    for op in operations(walk.spec):
        if op.body is None:
            continue
        request, _ = next(walk.requests_for(op, "draft"))
        request.headers["Content-Type"] = "text/plain"
        response = walk.send(request)
        if response.status_code != 415 or not response.headers["Content-Type"].startswith(
                PROBLEM) or "application/json" not in response.json()["detail"]:
            failures.append(f"{op.label}: {response.status_code} {response.text[:200]}")
        if op.method in WRITES and response.ok:
            walk.targets.forget("draft")
    assert not failures, "\n".join(failures)


def strings_read(spec: dict, schema: dict, where: str) -> Iterator[tuple[str, dict]]:
    schema = resolve(spec, schema)
    for alternative in schema.get("oneOf", []):
        yield from strings_read(spec, alternative, where)
    for key, prop in schema.get("properties", {}).items():
        yield from strings_read(spec, prop, f"{where}.{key}")
    if type_of(schema) == "array":
        yield from strings_read(spec, schema["items"], f"{where}.0")
    if type_of(schema) == "string" and schema.get("format") != "binary":
        yield where, schema


def test_every_string_the_api_reads_states_its_characters_or_values(walk):
    """A pattern (no control characters; a date's years) or an enum on every string parameter and
    body field: the spec says what the service refuses, and schemathesis generates within it."""
    loose = []
    for op in operations(walk.spec):
        found = [(f"{p['in']} {p['name']}", p["schema"]) for p in op.parameters
                 if p["in"] in ("query", "path")]
        if op.body is not None:
            found += strings_read(walk.spec, op.body, "body")
        loose += [f"{op.label} {where}" for where, schema in found
                  if type_of(schema) == "string" and not {"pattern", "enum"} & set(schema)]
    assert not loose, "\n".join(loose)
