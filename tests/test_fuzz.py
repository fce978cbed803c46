"""Fuzzing: schemathesis against the live /openapi.json of the real gunicorn, every operation, with
every check schemathesis has (the pytest integration enables them all; the CLI's equivalent is
`--checks all`): no server errors; status codes, content types, headers and bodies as the spec
says; invalid input refused and valid input accepted (positive_data_acceptance, with our own
rejected_only_beyond_the_schema for the rules a schema cannot state); undeclared methods
answered 405; authentication, resources after deletion, and the rest.

Once as an admin, so the staff routes are exercised too, and once as the public on the public
reads; on a seeded SQLite database, and on PostgreSQL too when TEST_POSTGRES_URL is set.
FUZZ_MAX_EXAMPLES (default 50) bounds the fuzzing phase of each operation (the examples and
coverage phases add the cases the spec itself implies); the seed is fixed (FUZZ_SEED), so a
failure reproduces. A failure names the operation and gives a curl command that repeats it."""

import os
import runpy
from dataclasses import dataclass
from fnmatch import fnmatch

import pytest
import requests
import schemathesis
from gunicorn.config import Config
from hypothesis import reject
from schemathesis.config import SchemathesisConfig

from tests import live_registry
from tests.live_registry import DRAFTS, SEED_NAMES, Registry
from tests.processes import ROOT

# The registry behind gunicorn, one per database (fixtures: tests/live_registry.py).
fuzz_database, registry = live_registry.fuzz_database, live_registry.registry

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "50"))
SEED = int(os.environ.get("FUZZ_SEED", "20240126"))
REVOKE_TOKEN = "DELETE /api/v1/tokens/{token_id}"
# gunicorn answers a longer request line itself (an HTML 414) before the app sees the request.
REQUEST_LINE_LIMIT = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py")).get(
    "limit_request_line", Config().limit_request_line)

# positive_data_acceptance expects a request the spec calls valid to succeed. These operations
# apply rules JSON Schema cannot state, so a valid-looking request may also get the 422 naming
# the field (or the 412 of a stale If-Match) -- but only those fields: a 422 naming any other
# means the spec promises more than the service accepts (rejected_only_beyond_the_schema).
@dataclass(frozen=True)
class Beyond:
    rules: str
    fields: tuple[str, ...]  # fnmatch patterns of the error keys these rules may produce


NOTICE_FIELDS = ("window.end", "window.closes_at", "window.timezone", "contacts.*.number",
                 "roster.*.name", "roster.*.organization", "roster.*.credential_no",
                 "article_ids.*", "organization_id")
BEYOND_THE_SCHEMA = {
    "POST /api/v1/notices": Beyond(
        "window order and length, time zone names, phone numbers, names after normalisation, "
        "duplicate names, article ids that exist; an admin names an organisation that exists",
        NOTICE_FIELDS),
    "PATCH /api/v1/notices/{notice_id}": Beyond(
        "as POST; a correction's reason, no window, a contact kept; If-Match",
        (*NOTICE_FIELDS, "reason", "window", "contacts")),
    "POST /api/v1/notices/{notice_id}/publish": Beyond(
        "the stored draft needs a window and a contact", ("window", "contacts")),
    "POST /api/v1/notices/{notice_id}/extend": Beyond(
        "later than the current end, at most 366 days", ("end", "closes_at")),
    "POST /api/v1/notices/{notice_id}/roster": Beyond(
        "names after normalisation, duplicate names",
        ("*name", "*organization", "*credential_no")),
    "POST /api/v1/notices/{notice_id}/roster:import": Beyond(
        "the file's content: columns and rows", ("file", "rows.*")),
    "GET /api/v1/names": Beyond(
        "the name after normalisation: 1–64 characters, no format characters; `kind` and "
        "`cursor` only together", ("q", "kind", "cursor")),
    "GET /api/v1/notices/{notice_id}/roster": Beyond("a filter is a name, as for GET /names",
                                                     ("q",)),
    "GET /api/v1/articles": Beyond("`to` not before `from`", ("to",)),
    "POST /api/v1/articles": Beyond(
        "notice ids that exist; an admin names an organisation that exists",
        ("notice_ids.*", "organization_id")),
    "POST /api/v1/organizations": Beyond(
        "a unified social credit code's check character, phone numbers",
        ("uscc", "contacts.*.number")),
    "PATCH /api/v1/organizations/{organization_id}": Beyond(
        "as POST", ("uscc", "contacts.*.number")),
    "POST /api/v1/tokens": Beyond(
        "organisations that exist, required for editors and publishers, none for admins",
        ("organization_ids", "organization_ids.*")),
    "PATCH /api/v1/articles/{article_id}": Beyond(
        "notice ids that exist; a correction's reason; If-Match", ("notice_ids.*", "reason")),
    "DELETE /api/v1/articles/{article_id}": Beyond("If-Match", ()),
}


@schemathesis.check
def rejected_only_beyond_the_schema(ctx, response, case):
    """A valid-looking request refused with 422 names only fields whose rules the spec cannot
    state (BEYOND_THE_SCHEMA), never one the spec describes fully."""
    if case.meta is None or not case.meta.generation.mode.is_positive \
            or response.status_code != 422:
        return None
    allowed = BEYOND_THE_SCHEMA.get(case.operation.label, Beyond("", ())).fields
    named = response.json().get("errors", {})
    unexpected = [key for key in named if not any(fnmatch(key, field) for field in allowed)]
    if unexpected:
        raise AssertionError(f"schema-valid request refused for {unexpected}: {named}")
    return None


POSITIVE_EXPECTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]  # schemathesis' own
# negative_data_rejection: schemathesis' own list and 413 (a body over 1 MiB, a file over 10 MiB).
NEGATIVE_EXPECTED = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428",
                     "429", "5xx"]


def load_schema(registry: Registry):
    config = {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "database": "none"},
        "request-timeout": 30,
        # Half the time, an id that exists: the seed's notice and the drafts, and their names.
        "dictionaries": {"notices": {"values": list(range(1, 1 + DRAFTS + 1))},
                         "entries": {"values": list(range(1, SEED_NAMES + 2 * DRAFTS + 1))}},
        "parameters": {"path.notice_id": {"dictionary": "notices", "probability": 0.5},
                       "path.entry_id": {"dictionary": "entries", "probability": 0.5}},
        "checks": {"negative_data_rejection": {"expected-statuses": NEGATIVE_EXPECTED}},
        "operations": [{
            "include-name": sorted(BEYOND_THE_SCHEMA),
            "checks": {"positive_data_acceptance": {
                "expected-statuses": [*POSITIVE_EXPECTED, "412", "422"]}},
        }],
    }
    return schemathesis.openapi.from_url(f"{registry.base_url}/openapi.json",
                                         config=SchemathesisConfig.from_dict(config))


@pytest.fixture(scope="module")
def admin_schema(registry):
    return load_schema(registry)


@pytest.fixture(scope="module")
def public_schema(registry):
    """The reads anyone may make."""
    return load_schema(registry).include(
        method="GET", func=lambda ctx: "security" not in ctx.operation.definition.raw)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32 renames the test node per operation through `Node._nodeid`, which
    pytest 9.2 no longer has (the id lives in `Node._id`): give it one to read and write."""
    request.node._nodeid = request.node.nodeid


as_admin = schemathesis.pytest.from_fixture("admin_schema")
as_public = schemathesis.pytest.from_fixture("public_schema")


def request_line(case, base_url: str) -> str:
    sent = case.as_transport_kwargs(base_url=base_url)
    prepared = requests.Request(sent["method"], sent["url"], params=sent.get("params")).prepare()
    return f"{prepared.method} {prepared.path_url} HTTP/1.1"


def call_and_validate(case, registry: Registry, role: str | None = None):
    if len(request_line(case, registry.base_url)) > REQUEST_LINE_LIMIT:
        reject()  # gunicorn's to answer, not the app's
    # Given with the call, the token is known to schemathesis as ours: its auth checks remove it
    # (and send a wrong one) to see the request refused, rather than take it for generated data.
    headers = {"Authorization": f"Bearer {registry.tokens[role]}"} if role else None
    case.call_and_validate(headers=headers)


@as_admin.parametrize()
def test_every_operation_as_admin(case, registry):
    try:
        call_and_validate(case, registry, "admin")
    finally:
        if case.operation.label == REVOKE_TOKEN:
            registry.restore_tokens()


@as_public.parametrize()
def test_public_reads_without_a_token(case, registry):
    call_and_validate(case, registry)
