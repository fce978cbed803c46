"""The command-line tools: init-db, seed, create-token, import-roster and export."""

import hashlib
import re
from contextlib import chdir
from pathlib import Path

import pytest

from service import create_app
from service.domain.models import ApiToken, Article, AuditEvent, Notice, RosterEntry, SchemaVersion
from service.migrations import MIGRATIONS
from tests.builders import post_notice

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

NOTICE = {"title": "核验人员名单公示", "category": "press_credential_verification",
          "issuer": "中国电子报", "window": {"start": "2024-01-26", "end": "2024-02-05"},
          "contacts": [{"number": "010-83138953"}]}


def roster_names(notice_id):
    return [e.name for e in RosterEntry.select().where(RosterEntry.notice == notice_id)
            .order_by(RosterEntry.position)]


def counts():
    return {model.__name__: model.select().count()
            for model in (Notice, Article, RosterEntry, AuditEvent)}


def test_init_db_twice_says_current_and_keeps_one_row_per_version(runner, db):
    first = runner.invoke(args=["init-db"])
    second = runner.invoke(args=["init-db"])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "current" in second.output
    assert [row.version for row in SchemaVersion.select().order_by(SchemaVersion.version)] == [
        version for version, _ in MIGRATIONS]


def test_seed_twice_adds_nothing_the_second_time(runner, db):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    after_first = counts()
    assert after_first["Notice"] == 1
    assert after_first["Article"] == 3
    assert after_first["RosterEntry"] == 22
    assert after_first["AuditEvent"] > 0
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    assert counts() == after_first
    assert "0 notices" in second.output and "0 articles" in second.output
    assert "seeded: 1 notice, 3 articles added" in first.output


def organization(runner) -> str:
    """The id of an organisation for editor and publisher tokens, as create-organization prints."""
    result = runner.invoke(args=["create-organization", "--name", "测试单位"])
    assert result.exit_code == 0, result.output
    return result.stdout.split()[-1]


def test_create_token_prints_the_token_alone_on_the_last_line(runner, db):
    result = runner.invoke(args=["create-token", "--role", "publisher", "--label", "desk",
                                 "--org", organization(runner)])
    assert result.exit_code == 0, result.output
    last_line = result.stdout.rstrip("\n").splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_\-]{32,}", last_line)
    row = ApiToken.get(ApiToken.label == "desk")
    assert row.role == "publisher"
    assert row.token_hash == hashlib.sha256(last_line.encode()).hexdigest()


def test_create_token_prints_only_the_token_on_stdout(runner, db):
    """So that TOKEN=$(flask --app service create-token ...) captures the token alone."""
    result = runner.invoke(args=["create-token", "--role", "editor", "--label", "desk",
                                 "--org", organization(runner)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"[A-Za-z0-9_\-]{32,}\n", result.stdout)
    assert "shown once" in result.stderr


def test_create_token_stores_only_the_hash(runner, db):
    result = runner.invoke(args=["create-token", "--role", "admin", "--label", "ops"])
    token = result.stdout.strip().splitlines()[-1]
    for row in ApiToken.select().tuples():
        assert token not in [str(value) for value in row]
    for event in AuditEvent.select():
        assert token not in (event.changes or "") and token not in event.actor


def test_created_token_works_on_a_staff_route(runner, client):
    result = runner.invoke(args=["create-token", "--role", "publisher", "--label", "desk",
                                 "--org", organization(runner)])
    token = result.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/audit").status_code == 401
    response = client.get("/api/v1/audit", token=token)
    assert response.status_code == 200
    assert response.json()["items"][0]["action"] == "token.created"


def test_created_editor_token_is_below_publisher(runner, client):
    result = runner.invoke(args=["create-token", "--role", "editor", "--label", "desk",
                                 "--org", organization(runner)])
    token = result.stdout.strip().splitlines()[-1]
    assert client.get("/api/v1/audit", token=token).status_code == 403


@pytest.mark.parametrize("args", [
    ["create-token", "--role", "superuser", "--label", "x"],
    ["create-token", "--role", "", "--label", "x"],
    ["create-token", "--label", "x"],
    ["create-token", "--role", "editor"],
])
def test_create_token_with_bad_arguments_fails_and_stores_nothing(runner, db, args):
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert ApiToken.select().count() == 0


def test_import_roster_csv_into_a_draft(runner, client, tokens, db, tmp_path):
    notice = post_notice(client, tokens, NOTICE)
    path = tmp_path / "roster.csv"
    path.write_text("name,organization,credential_no\n刘东,中国电子报,B11000001\n"
                    "胡春民,中国电子报,\n张心怡,,\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code == 0, result.output
    assert f"imported 3 names into notice {notice['id']}" in result.stdout
    assert roster_names(notice["id"]) == ["刘东", "胡春民", "张心怡"]
    entry = RosterEntry.get(RosterEntry.name == "刘东")
    assert (entry.organization, entry.credential_no) == ("中国电子报", "B11000001")
    assert AuditEvent.get(AuditEvent.action == "roster.imported").entity_id == notice["id"]


def test_import_roster_appends_after_existing_entries(runner, client, tokens, db, tmp_path):
    notice = post_notice(client, tokens, NOTICE)
    client.post(f"/api/v1/notices/{notice['id']}/roster", json={"name": "刘东"},
                token=tokens["editor"])
    path = tmp_path / "roster.csv"
    path.write_text("name\n胡春民\n连晓东\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code == 0, result.output
    assert roster_names(notice["id"]) == ["刘东", "胡春民", "连晓东"]


def test_import_roster_of_one_name_says_name(runner, client, tokens, db, tmp_path):
    notice = post_notice(client, tokens, NOTICE)
    path = tmp_path / "roster.csv"
    path.write_text("name\n刘东\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code == 0, result.output
    assert f"imported 1 name into notice {notice['id']}" in result.stdout


@pytest.mark.parametrize(("example", "names"), [
    ("roster.csv", ["王五", "赵六", "钱七"]),   # English headers
    ("roster.xlsx", ["孙八", "周九", "吴十"]),  # Chinese headers 姓名, 单位, 证号
])
def test_import_roster_of_the_readme_examples(runner, client, tokens, db, example, names):
    notice = post_notice(client, tokens, NOTICE)
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(EXAMPLES / example)])
    assert result.exit_code == 0, result.output
    assert roster_names(notice["id"]) == names
    entry = RosterEntry.get(RosterEntry.name == names[0])
    assert entry.organization == "示例市示例局"
    assert entry.credential_no.startswith("DEMO-")


def test_import_roster_twice_refuses_the_second_run(runner, client, tokens, db):
    notice = post_notice(client, tokens, NOTICE)
    args = ["import-roster", str(notice["id"]), str(EXAMPLES / "roster.csv")]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code != 0
    assert "duplicate" in again.output.lower() or "already" in again.output.lower()
    assert roster_names(notice["id"]) == ["王五", "赵六", "钱七"]


def test_import_roster_help_lists_the_columns_and_file_types(runner):
    result = runner.invoke(args=["import-roster", "--help"])
    assert result.exit_code == 0, result.output
    for column, alias in (("name", "姓名"), ("organization", "单位"), ("credential_no", "证号")):
        assert re.search(rf"^\s+{column}\s+(required|optional).*{alias}", result.output, re.M)
    assert ".csv" in result.output and ".xlsx" in result.output


def test_export_refuses_an_existing_file_unless_forced(runner, db, tmp_path):
    runner.invoke(args=["seed"])
    path = tmp_path / "backup.jsonl"
    path.write_text("keep me\n", encoding="utf-8")
    refused = runner.invoke(args=["export", str(path)])
    assert refused.exit_code == 1
    assert refused.output.strip().count("\n") == 0  # one clear line
    assert str(path) in refused.output and "--force" in refused.output
    assert path.read_text(encoding="utf-8") == "keep me\n"
    forced = runner.invoke(args=["export", "--force", str(path)])
    assert forced.exit_code == 0, forced.output
    assert "keep me" not in path.read_text(encoding="utf-8")
    assert re.search(r"exported \d+ rows to", forced.output)


def test_verify_rosters_of_the_seed_says_roster_in_the_singular(runner, db):
    runner.invoke(args=["seed"])
    result = runner.invoke(args=["verify-rosters"])
    assert result.exit_code == 0, result.output
    assert "1 published roster matches its digest" in result.output


def test_export_to_a_new_file_needs_no_force(runner, db, tmp_path):
    path = tmp_path / "backup.jsonl"
    result = runner.invoke(args=["export", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0


@pytest.mark.parametrize("csv_text", [
    "name,organization\n刘东,中国电子报\n,中国电子报\n",  # a blank name
    "name\n刘东\n胡春民\n刘东\n",                    # a duplicate
    "name\n刘东\n" + "张" * 65 + "\n",                # a name over 64 characters
])
def test_import_roster_with_a_bad_row_imports_nothing(runner, client, tokens, db, tmp_path,
                                                      csv_text):
    notice = post_notice(client, tokens, NOTICE)
    path = tmp_path / "roster.csv"
    path.write_text(csv_text, encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code != 0
    assert roster_names(notice["id"]) == []
    assert not AuditEvent.select().where(AuditEvent.action == "roster.imported").exists()


def test_import_roster_names_the_bad_row(runner, client, tokens, db, tmp_path):
    notice = post_notice(client, tokens, NOTICE)
    path = tmp_path / "roster.csv"
    path.write_text("name\n刘东\n胡春民\n刘东\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code != 0
    assert "4" in result.output


def test_import_roster_into_a_published_notice_fails(runner, client, tokens, db, tmp_path):
    notice = post_notice(client, tokens, NOTICE, publish=True)
    path = tmp_path / "roster.csv"
    path.write_text("name\n刘东\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", str(notice["id"]), str(path)])
    assert result.exit_code != 0
    assert roster_names(notice["id"]) == []


def test_import_roster_into_an_unknown_notice_fails(runner, db, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("name\n刘东\n", encoding="utf-8")
    result = runner.invoke(args=["import-roster", "999", str(path)])
    assert result.exit_code != 0
    assert RosterEntry.select().count() == 0


def test_import_roster_of_a_missing_file_fails(runner, client, tokens, tmp_path):
    notice = post_notice(client, tokens, NOTICE)
    result = runner.invoke(args=["import-roster", str(notice["id"]),
                                 str(tmp_path / "absent.csv")])
    assert result.exit_code != 0


@pytest.mark.parametrize("command", ["init-db", "seed", "create-token", "import-roster",
                                     "scheduler", "export", "import", "verify-backup",
                                     "verify-rosters"])
def test_every_command_has_help(runner, command):
    result = runner.invoke(args=[command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    assert command in result.output


@pytest.mark.parametrize("args", [
    ["seed"],
    ["create-token", "--role", "editor", "--label", "desk"],
    ["import-roster", "1", str(EXAMPLES / "roster.csv")],
    ["export", "backup.jsonl"],
    ["verify-rosters"],
])
def test_commands_on_an_unmigrated_database_say_to_run_init_db(tmp_path, args):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}", "TESTING": True})
    with chdir(tmp_path):
        result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "init-db" in result.output
    assert result.output.strip().count("\n") == 0  # one line, not a traceback
    assert not (tmp_path / "backup.jsonl").exists()
