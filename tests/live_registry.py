"""The seeded registry served by the real gunicorn, on a database of its own (SQLite, and
PostgreSQL when TEST_POSTGRES_URL is set), with a token for each staff role: the fixtures the
fuzz (test_fuzz.py) and the hostile-input walk (test_hostile_input.py) each run against. Kept out
of the test modules so that importing them never imports a test module twice."""

import os
import signal
import subprocess
import uuid
from dataclasses import dataclass

import psycopg2
import pytest
import requests

from service import create_app
from service.domain.models import ApiToken
from service.domain.organizations import ensure_organization
from service.infra.auth import ROLES, issue_token
from service.infra.db import database, open_database
from tests.processes import BIN, ROOT, free_port, wait_until_ready


@dataclass
class Registry:
    base_url: str
    database_url: str
    tokens: dict[str, str]  # role -> bearer token
    token_ids: list[int]

    def restore_tokens(self):
        """The fuzzer may revoke any token, its own too: give the run its tokens back."""
        db = open_database(self.database_url)
        with db.bind_ctx([ApiToken]), db.connection_context():
            ApiToken.update(revoked_at=None).where(ApiToken.id.in_(self.token_ids)).execute()


SEED_NAMES = 22  # the seed's one notice, closed, and its roster
DRAFTS = 8


def add_drafts(base_url: str, token: str):
    """Drafts ready to publish, with names, beside the seed's closed notice: small ids the fuzzer
    draws then reach the roster, publication, extension and withdrawal, not only their 404s."""
    for number in range(1, DRAFTS + 1):
        response = requests.post(f"{base_url}/api/v1/notices", timeout=10, json={
            "title": f"模糊测试公示 {number}", "category": "fuzz", "issuer": "测试",
            "window": {"start": f"2099-01-{number:02d}", "end": f"2099-02-{number:02d}"},
            "contacts": [{"number": "010-83138953"}],
            "roster": [{"name": "张心怡"}, {"name": "刘东", "credential_no": "11000012345678"}],
        }, headers={"Authorization": f"Bearer {token}"})
        response.raise_for_status()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz_database(request, tmp_path_factory):
    """A database of the fuzz's own: it creates, edits and deletes whatever it likes."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'registry.db'}"
        return
    postgres_url = request.getfixturevalue("postgres_url")
    name = f"{postgres_url.rsplit('/', 1)[1]}_fuzz_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(postgres_url)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(scope="module")
def registry(fuzz_database, tmp_path_factory):
    """The seeded registry served by the real gunicorn, with a token for each staff role."""
    port = free_port()
    env = {**os.environ, "DATABASE_URL": fuzz_database, "PORT": str(port), "WEB_CONCURRENCY": "2",
           "PUBLIC_RATE_LIMIT": "100000/minute", "LOG_LEVEL": "WARNING",
           "SEARCH_RATE_LIMIT": "100000/minute"}
    for command in ("init-db", "seed"):
        subprocess.run([BIN / "flask", "--app", "service", command], cwd=ROOT, env=env,
                       check=True, capture_output=True)
    create_app({"DATABASE_URL": fuzz_database})
    with database.connection_context():
        # The seed's organisation is the staff tokens' own (the admin's: every one).
        seeded = ensure_organization("中国电子报", "fuzz").id
        issued = {role: issue_token(role, f"fuzz {role}", None,
                                    () if role == "admin" else (seeded,)) for role in ROLES}
    log_path = tmp_path_factory.mktemp("fuzz-log") / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [BIN / "gunicorn", "-c", "deploy/gunicorn.conf.py", "service:create_app()"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(f"{base_url}/readyz", server)
        add_drafts(base_url, issued["editor"][1])
        yield Registry(base_url, fuzz_database,
                       tokens={role: token for role, (_, token) in issued.items()},
                       token_ids=[row.id for row, _ in issued.values()])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        # Shown with a failure: what the app logged (tracebacks of a 500), without the access log.
        print("".join(line for line in log_path.read_text(errors="replace").splitlines(True)
                      if not line.startswith('{"remote"')))
