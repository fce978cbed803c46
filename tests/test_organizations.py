"""Organisations: the resource and its page, tokens bound to them and their lifetimes, the
organisation of every notice, article and audit event, and migration 6 on an existing registry."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from service.domain.models import ApiToken, AuditEvent, TokenOrganization
from service.infra.db import database, is_sqlite
from service.migrations import migrate
from tests.conftest import SEED_ORGANIZATION
from tests.processes import ROOT
from tests.test_races import fire

ORGS = "/api/v1/organizations"
# The unified social credit code of a registered company (its check character is the L).
VALID_USCC = "91110000600037341L"


def create(client, tokens, **fields) -> dict:
    response = client.post(ORGS, token=tokens["admin"], json=fields)
    assert response.status_code == 201, response.text
    return response.json()


def own_id(client) -> int:
    return client.get(ORGS, params={"q": SEED_ORGANIZATION}).json()["items"][0]["id"]


# --- the resource ------------------------------------------------------------------------------

def test_an_admin_registers_an_organization_that_the_public_reads(client, tokens):
    made = create(client, tokens, name="示例市新闻出版局", uscc=VALID_USCC.lower(), region="北京市",
                  contacts=[{"number": "010-83138953", "label": "办公室"}])

    assert made["uscc"] == VALID_USCC  # compact, upper case
    assert made["contacts"] == [{"number": "010-83138953", "label": "办公室",
                                 "e164": "+861083138953"}]
    read = client.get(f"{ORGS}/{made['id']}").json()
    assert read["name"] == "示例市新闻出版局" and read["region"] == "北京市"
    assert read["open_notices"] == [] and read["recent_notices"] == []
    listed = client.get(ORGS, params={"page_size": 1}).json()
    assert listed["total"] == 2 and len(listed["items"]) == 1  # with the tokens' own


@pytest.mark.parametrize("fields, field", [
    ({"name": "甲", "uscc": VALID_USCC[:-1] + "M"}, "uscc"),  # wrong check character
    ({"name": "甲", "uscc": "91110000600037341"}, "uscc"),  # one character short
    ({"name": "甲", "contacts": [{"number": "83138953"}]}, "contacts.0.number"),  # no area code
    ({"name": "甲\u0000"}, "name"),
    ({"name": "甲" * 201}, "name"),
    ({"uscc": VALID_USCC}, "name"),
    ({"name": "   "}, "name"),  # spaces only: stored stripped, it would be no name at all
    ({"name": "\u3000\u3000"}, "name"),
    ({"name": "甲\u200b报社"}, "name"),  # a lookalike of 甲报社: zero-width space
    ({"name": "\u202e社报甲"}, "name"),  # right-to-left override
])
def test_bad_organizations_are_refused_naming_the_field(client, tokens, fields, field):
    response = client.post(ORGS, token=tokens["admin"], json=fields)

    assert response.status_code == 422, response.text
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert field in response.json()["errors"]


def test_a_name_or_code_registered_twice_is_a_conflict(client, tokens):
    create(client, tokens, name="甲报社", uscc=VALID_USCC)

    assert client.post(ORGS, token=tokens["admin"], json={"name": "甲报社"}).status_code == 409
    assert client.post(ORGS, token=tokens["admin"],
                       json={"name": "乙报社", "uscc": VALID_USCC}).status_code == 409


def test_an_admin_edits_an_organization_and_the_audit_keeps_the_change(client, tokens):
    made = create(client, tokens, name="甲报社")

    response = client.patch(f"{ORGS}/{made['id']}", token=tokens["admin"],
                            json={"region": "上海市"})
    forbidden = client.patch(f"{ORGS}/{made['id']}", token=tokens["publisher"],
                             json={"region": "天津市"})

    assert response.status_code == 200 and response.json()["region"] == "上海市"
    assert forbidden.status_code == 403
    events = client.get("/api/v1/audit", params={"entity": "organization"},
                        token=tokens["admin"]).json()["items"]
    assert events[0]["action"] == "organization.updated"
    assert events[0]["changes"] == {"region": [None, "上海市"]}


def test_a_notice_cannot_stand_beside_another_organisations_draft_article(client, tokens):
    """Neither when created nor when edited: the draft is not there for the caller (422, as an
    unknown id), and the other organisation's article keeps no link it cannot see."""
    other = create(client, tokens, name="乙报社")
    theirs = client.post("/api/v1/articles", token=tokens["admin"], json={
        "title": "乙报社草稿", "kind": "news", "published_on": "2026-01-02",
        "organization_id": other["id"]}).json()["id"]
    created = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "公示", "category": "test", "issuer": "中国电子报", "article_ids": [theirs]})
    ours = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "公示", "category": "test", "issuer": "中国电子报"}).json()["id"]
    edited = client.patch(f"/api/v1/notices/{ours}", token=tokens["editor"],
                          json={"article_ids": [theirs]})

    assert created.status_code == edited.status_code == 422
    assert client.get(f"/api/v1/articles/{theirs}",
                      token=tokens["admin"]).json()["source"] == "乙报社"  # its organisation
    assert "article_ids.0" in created.json()["errors"]
    article = client.get(f"/api/v1/articles/{theirs}", token=tokens["admin"]).json()
    assert article["notice_ids"] == []


def test_two_creates_of_one_name_at_once_register_it_once(app, database_url, gunicorn, tokens):
    base, _, _ = gunicorn(database_url)
    for round_ in range(6):
        name = f"并发报社{round_}"
        responses = fire(base, *[("POST", ORGS, tokens["admin"], {"json": {"name": name}})] * 2)
        assert sorted(r.status_code for r in responses) == [201, 409], [r.text for r in responses]
    with database.connection_context():
        assert AuditEvent.select().where(AuditEvent.action == "organization.created").count() == 7


# --- notices, articles and pages by organisation -----------------------------------------------

def test_notices_and_articles_name_their_organization_and_filter_by_it(client, tokens, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    other = create(client, tokens, name="乙报社")
    article = client.post("/api/v1/articles", token=tokens["admin"], json={
        "title": "乙报社的芯片报道", "kind": "news", "published_on": "2026-01-02",
        "source": "乙报社", "organization_id": other["id"]}).json()
    assert client.post(f"/api/v1/articles/{article['id']}/publish", token=tokens["admin"],
                       json={}).status_code == 200
    own = own_id(client)

    seeded = client.get("/api/v1/notices", params={"organization": own}).json()
    theirs = client.get("/api/v1/notices", params={"organization": other["id"]}).json()
    found = client.get("/api/v1/articles", params={"q": "芯片"}).json()
    filtered = client.get("/api/v1/articles", params={"organization": other["id"]}).json()

    assert seeded["total"] == 1 and theirs["total"] == 0
    assert seeded["items"][0]["organization_id"] == own
    assert seeded["items"][0]["organization_name"] == SEED_ORGANIZATION
    assert {f["name"]: f["count"] for f in found["facets"]["organization"]}["乙报社"] == 1
    assert [a["title"] for a in filtered["items"]] == ["乙报社的芯片报道"]
    assert filtered["items"][0]["organization_name"] == "乙报社"
    assert filtered["facets"]["organization"] == [{"id": other["id"], "name": "乙报社",
                                                   "count": 1}]


def test_an_organization_shows_its_open_and_recent_notices_and_its_page(client, tokens, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    own = own_id(client)
    draft = client.post("/api/v1/notices", token=tokens["editor"], json={
        "title": "未发布的草稿", "category": "test", "issuer": SEED_ORGANIZATION}).json()

    detail = client.get(f"{ORGS}/{own}").json()
    page = client.get(f"/orgs/{own}")
    notice_page = client.get("/notices/1")

    assert [n["id"] for n in detail["recent_notices"]] == [1]
    assert draft["id"] not in [n["id"] for n in detail["recent_notices"] + detail["open_notices"]]
    assert page.status_code == 200
    assert SEED_ORGANIZATION in page.text and "最近发布" in page.text
    assert "未发布的草稿" not in page.text
    assert f'href="/orgs/{own}"' in notice_page.text
    assert client.get("/orgs/999").status_code == 404


def test_a_publisher_reads_the_audit_of_its_organizations_only(client, tokens, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    other = create(client, tokens, name="乙报社")
    theirs = client.post("/api/v1/notices", token=tokens["admin"], json={
        "title": "乙的草稿", "category": "test", "issuer": "乙报社",
        "organization_id": other["id"]}).json()

    events = client.get("/api/v1/audit", token=tokens["publisher"]).json()["items"]
    everything = client.get("/api/v1/audit", token=tokens["admin"]).json()["items"]

    assert events and {e["organization_id"] for e in events} == {own_id(client)}
    assert theirs["id"] in [e["entity_id"] for e in everything if e["entity"] == "notice"]


# --- tokens ------------------------------------------------------------------------------------

def test_editor_and_publisher_tokens_need_organizations_and_admin_tokens_take_none(client,
                                                                                 tokens):
    own = own_id(client)
    cases = [({"role": "editor", "label": "x"}, 422),
             ({"role": "publisher", "label": "x", "organization_ids": [999]}, 422),
             ({"role": "admin", "label": "x", "organization_ids": [own]}, 422),
             ({"role": "admin", "label": "x"}, 201),
             ({"role": "editor", "label": "x", "organization_ids": [own, own]}, 201)]
    for body, status in cases:
        response = client.post("/api/v1/tokens", token=tokens["admin"], json=body)
        assert response.status_code == status, (body, response.text)
    made = client.post("/api/v1/tokens", token=tokens["admin"], json=cases[-1][0]).json()
    assert made["organization_ids"] == [own]


def test_tokens_last_the_default_lifetime_unless_told(client, tokens, time_machine):
    own = own_id(client)
    body = {"role": "editor", "label": "x", "organization_ids": [own]}
    default = client.post("/api/v1/tokens", token=tokens["admin"], json=body).json()
    never = client.post("/api/v1/tokens", token=tokens["admin"],
                        json={**body, "expires_in_days": None}).json()
    short = client.post("/api/v1/tokens", token=tokens["admin"],
                        json={**body, "expires_in_days": 1}).json()

    expires = datetime.fromisoformat(default["expires_at"])
    assert timedelta(days=89, hours=23) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert never["expires_at"] is None
    time_machine.move_to(datetime.now(UTC) + timedelta(days=2))
    assert client.get("/api/v1/notices", token=short["token"]).status_code == 401
    assert client.get("/api/v1/notices", token=default["token"]).status_code == 200
    time_machine.move_to(datetime.now(UTC) + timedelta(days=100))
    assert client.get("/api/v1/notices", token=default["token"]).status_code == 401
    assert client.get("/api/v1/notices", token=never["token"]).status_code == 200


def test_a_long_label_is_named_whole_in_the_audit(client, tokens):
    label = "新闻中心" * 50  # 200 characters, the most a label may have
    made = client.post("/api/v1/tokens", token=tokens["admin"], json={
        "role": "editor", "label": label, "organization_ids": [own_id(client)]}).json()

    response = client.post("/api/v1/notices", token=made["token"], json={
        "title": "长标签", "category": "test", "issuer": SEED_ORGANIZATION})

    assert response.status_code == 201, response.text
    events = client.get("/api/v1/audit", params={"action": "notice.created"},
                        token=tokens["admin"]).json()["items"]
    assert events[0]["actor"] == f"token:{made['id']}:{label}"
    assert events[0]["organization_id"] == own_id(client)


def test_a_token_acting_for_several_organizations_says_which(client, tokens):
    own, other = own_id(client), create(client, tokens, name="乙报社")["id"]
    both = client.post("/api/v1/tokens", token=tokens["admin"], json={
        "role": "editor", "label": "两家", "organization_ids": [own, other]}).json()["token"]
    body = {"title": "公示", "category": "test", "issuer": "乙报社"}

    unchosen = client.post("/api/v1/notices", token=both, json=body)
    chosen = client.post("/api/v1/notices", token=both, json={**body, "organization_id": other})

    assert unchosen.status_code == 422 and "organization_id" in unchosen.json()["errors"]
    assert chosen.status_code == 201 and chosen.json()["organization_id"] == other


# --- the command line --------------------------------------------------------------------------

def test_create_organization_prints_the_same_id_for_the_same_name(runner, db):
    first = runner.invoke(args=["create-organization", "--name", "丙报社", "--code", VALID_USCC])
    again = runner.invoke(args=["create-organization", "--name", "丙报社"])
    other = runner.invoke(args=["create-organization", "--name", "丁报社"])

    assert first.exit_code == 0, first.output
    assert first.stdout.strip().splitlines()[-1] == again.stdout.strip().splitlines()[-1]
    assert other.stdout.strip().splitlines()[-1] != first.stdout.strip().splitlines()[-1]


def test_create_organization_refuses_a_bad_code(runner, db):
    result = runner.invoke(args=["create-organization", "--name", "丙报社",
                                 "--code", VALID_USCC[:-1] + "M"])

    assert result.exit_code == 1
    assert "unified social credit code" in result.output


def test_create_token_binds_organizations_and_lifetimes(runner, db):
    org = runner.invoke(args=["create-organization", "--name", "丙报社"]).stdout.split()[-1]
    missing = runner.invoke(args=["create-token", "--role", "editor", "--label", "x"])
    admin_with_org = runner.invoke(args=["create-token", "--role", "admin", "--label", "x",
                                         "--org", org])
    forever = runner.invoke(args=["create-token", "--role", "publisher", "--label", "x",
                                  "--org", org, "--expires-in-days", "never"])
    week = runner.invoke(args=["create-token", "--role", "editor", "--label", "y",
                               "--org", org, "--expires-in-days", "7"])
    bad = runner.invoke(args=["create-token", "--role", "editor", "--label", "y",
                              "--org", org, "--expires-in-days", "soon"])

    assert missing.exit_code == 1 and "--org" in missing.output
    assert admin_with_org.exit_code == 1
    assert forever.exit_code == 0 and week.exit_code == 0, forever.output + week.output
    assert bad.exit_code == 2
    rows = list(ApiToken.select().order_by(ApiToken.id))
    assert [r.label for r in rows] == ["x", "y"]
    assert rows[0].expires_at is None
    assert timedelta(days=6) < rows[1].expires_at - datetime.now(UTC) <= timedelta(days=7)
    assert {t.organization_id for t in TokenOrganization.select()} == {int(org)}


# --- migration 6 -------------------------------------------------------------------------------

def test_migration_6_makes_organizations_of_the_issuers_and_sources(empty_db):
    migrate(up_to=5)
    now = "2026-01-01 00:00:00"
    for title, issuer in (("一", "甲报社"), ("二", "乙局"), ("三", "甲报社")):
        empty_db.execute_sql(
            "INSERT INTO notice (title, category, issuer, body, timezone, created_at, updated_at) "
            f"VALUES ('{title}', 'test', '{issuer}', '', 'Asia/Shanghai', '{now}', '{now}')")
    for title, source in (("甲", "甲报社"), ("乙", "丙大学")):
        empty_db.execute_sql(
            "INSERT INTO article (title, kind, source, published_on, body, title_tokens, "
            f"body_tokens, created_at, updated_at) VALUES ('{title}', 'news', '{source}', "
            f"'2026-01-01', '', '', '', '{now}', '{now}')")

    empty_db.execute_sql("INSERT INTO audit_event (at, actor, action, entity, entity_id) "
                         f"VALUES ('{now}', 'seed', 'notice.created', 'notice', 2)")

    assert migrate(up_to=6) == [6]
    from service.migrations.v0006_organizations import upgrade

    with empty_db.atomic():
        upgrade(empty_db, is_sqlite())  # again: nothing more

    assert owners(empty_db) == {"notice": {"甲报社": 2, "乙局": 1},
                                "article": {"甲报社": 1, "丙大学": 1}}
    assert empty_db.execute_sql("SELECT count(*) FROM organization").fetchone()[0] == 3
    assert empty_db.execute_sql(
        "SELECT o.name FROM audit_event a JOIN organization o ON o.id = a.organization_id"
    ).fetchall() == [("乙局",)]


def owners(db) -> dict:
    """{table: {organisation name: rows}}, checking that each row's organisation is the one named
    as the row prints its issuer or source."""
    found = {}
    for table, column in (("notice", "issuer"), ("article", "source")):
        rows = db.execute_sql(f"SELECT t.{column}, o.name FROM {table} t "
                              "LEFT JOIN organization o ON o.id = t.organization_id").fetchall()
        assert all(printed == name for printed, name in rows), rows
        counts: dict[str, int] = {}
        for _, name in rows:
            counts[name] = counts.get(name, 0) + 1
        found[table] = counts
    return found


def test_migration_6_on_a_generated_registry(empty_database_url, tmp_path):
    """bench/generate.py at a small scale, then the registry as it stood before migration 6 (its
    organisations unknown), then the migration: every row gets the organisation it names."""
    from service import create_app

    env_url = empty_database_url
    subprocess.run([sys.executable, "-m", "flask", "--app", "service", "init-db"], cwd=ROOT,
                   env={**os.environ, "DATABASE_URL": env_url}, check=True,
                   capture_output=True)
    subprocess.run([sys.executable, "-m", "bench.generate", "--scale", "0.002",
                    "--database-url", env_url, "--summary", str(tmp_path / "summary.json")],
                   cwd=ROOT, check=True, capture_output=True)
    summary = json.loads((tmp_path / "summary.json").read_text())
    create_app({"DATABASE_URL": env_url, "TESTING": True})
    try:
        with database.connection_context():
            for table in ("notice", "article"):
                database.execute_sql(f"UPDATE {table} SET organization_id = NULL")
            database.execute_sql("DELETE FROM organization")
            database.execute_sql("DELETE FROM schema_version WHERE version >= 6")

            assert migrate(up_to=6) == [6]

            counts = owners(database)
            distinct = database.execute_sql(
                "SELECT count(*) FROM (SELECT issuer FROM notice UNION "
                "SELECT source FROM article) AS names").fetchone()[0]
            assert database.execute_sql(
                "SELECT count(*) FROM organization").fetchone()[0] == distinct
            assert sum(counts["notice"].values()) == summary["roster"]["notices"]
            assert sum(counts["article"].values()) == summary["articles"]["articles"]
    finally:
        database.close_all()
