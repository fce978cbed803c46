"""Red team: races and edits the newsroom (or an attacker) can make that tests/test_races.py does
not fire, each against the real gunicorn on both databases. The promise under test: what was
published stays exactly what was published; every state change is atomic, the loser of a race
gets 409/412 and writes nothing; one audit event per effective change; a published roster's
digest never changes; backups restore exactly.

Tests that fail here are findings (see the helper's report); tests that pass cover a race no
other file fires."""

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from service.domain.models import AuditEvent, Notice, NoticeArticle, RosterEntry
from service.infra.db import database
from tests.processes import FLASK, ROOT, stop
from tests.test_races import (
    ROUNDS,
    actions,
    draft,
    events,
    fire,
    published,
    roster_digest_of,
    statuses,
    stored,
)


def call(base, method, path, token, **kwargs):
    headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
    return requests.request(method, base + path, headers=headers, timeout=60, **kwargs)


def article(base, tokens, *, notice_ids=(), title="红队文章", publish=False) -> int:
    """A new article's id: a draft, unless `publish`."""
    response = call(base, "POST", "/api/v1/articles", tokens["editor"], json={
        "title": title, "kind": "news", "source": "测试报", "published_on": "2026-12-01",
        "body": "正文", "notice_ids": list(notice_ids)})
    assert response.status_code == 201, response.text
    article_id = response.json()["id"]
    if publish:
        response = call(base, "POST", f"/api/v1/articles/{article_id}/publish",
                        tokens["publisher"])
        assert response.status_code == 200, response.text
    return article_id


def links_of(notice_id: int) -> list[int]:
    with database.connection_context():
        return sorted(link.article_id for link in
                      NoticeArticle.select().where(NoticeArticle.notice == notice_id))


def no_server_errors(responses) -> None:
    assert all(r.status_code < 500 for r in responses), [(r.status_code, r.text)
                                                           for r in responses]


def roster_csv(names) -> bytes:
    return ("name\n" + "".join(f"{name}\n" for name in names)).encode()


# --- one audit event per *effective* change -----------------------------------------------------

def test_a_patch_that_changes_nothing_records_no_event(server, tokens):
    """Six editors save the same title at once: one change, so one notice.updated."""
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens)
        title = f"同一个新标题 {round_}"
        responses = fire(server, *[("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
                                    {"json": {"title": title}})] * 6)
        assert statuses(responses) == [200] * 6
        assert stored(notice_id).title == title
        assert actions("notice", notice_id).count("notice.updated") == 1, \
            [e.changes for e in events("notice", notice_id)]


def test_a_correction_that_changes_nothing_records_no_correction(server, tokens):
    notice_id = published(server, tokens)
    response = call(server, "PATCH", f"/api/v1/notices/{notice_id}", tokens["publisher"],
                    json={"title": "并发测试公示", "reason": "什么也没改"})
    assert response.status_code in (200, 422), response.text
    assert "notice.corrected" not in actions("notice", notice_id)


# --- links: what a published notice shows ------------------------------------------------------

def test_an_editor_cannot_relink_a_published_notice_through_an_article(server, tokens):
    """A published notice's article_ids change only by a correction (publisher, reason, one
    notice.corrected); an editor's article PATCH must not add or remove them silently."""
    kept = article(server, tokens, title="原配文章", publish=True)
    notice_id = draft(server, tokens)
    assert call(server, "PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
                json={"article_ids": [kept]}).status_code == 200
    assert call(server, "POST", f"/api/v1/notices/{notice_id}/publish",
                tokens["publisher"]).status_code == 200
    published_links = links_of(notice_id)
    before = actions("notice", notice_id)
    other = article(server, tokens, title="后加的文章")
    added = call(server, "PATCH", f"/api/v1/articles/{other}", tokens["editor"],
                 json={"notice_ids": [notice_id]})
    removed = call(server, "PATCH", f"/api/v1/articles/{kept}", tokens["editor"],
                   json={"notice_ids": []})
    public = requests.get(f"{server}/api/v1/notices/{notice_id}", timeout=30).json()
    assert public["article_ids"] == published_links, (added.status_code, removed.status_code)
    assert actions("notice", notice_id) == before


def test_linking_at_the_publish_instant_is_before_or_refused(server, tokens):
    """An article linked to a draft while it is published: the link is there at the publish or
    not at all (never added to the published notice afterwards)."""
    late = 0
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens)
        article_id = article(server, tokens, publish=True)  # a notice publishes beside these
        publish, link = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            ("PATCH", f"/api/v1/articles/{article_id}", tokens["publisher"],
             {"json": {"notice_ids": [notice_id], "reason": "关联公示"}}))
        assert publish.status_code == 200, publish.text
        no_server_errors([link])
        if link.status_code == 200 and publish.json()["article_ids"] != [article_id]:
            late += 1
    assert late == 0, f"{late} of {ROUNDS} links were written after the publish"


def test_notice_and_article_linking_each_other_at_once(server, tokens):
    """PATCH notice {article_ids: [a]} and PATCH article {notice_ids: [n]} at once: both want
    the same link. Each answers 200 or 409 (never a 5xx: it deadlocked on PostgreSQL under
    FOR UPDATE); the one link is recorded once."""
    failures = []
    rounds = max(ROUNDS, 30)  # 7 of 40 rounds went wrong on PostgreSQL
    for _ in range(rounds):
        notice_id = draft(server, tokens)
        article_id = article(server, tokens)
        by_notice, by_article = fire(
            server,
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
             {"json": {"article_ids": [article_id]}}),
            ("PATCH", f"/api/v1/articles/{article_id}", tokens["editor"],
             {"json": {"notice_ids": [notice_id]}}))
        if not {by_notice.status_code, by_article.status_code} <= {200, 409}:
            failures.append((by_notice.status_code, by_article.status_code))
        assert links_of(notice_id) == [article_id]
        # one link made, one event: the second writer finds it there and changes nothing
        recorded = (actions("notice", notice_id).count("notice.updated")
                    + actions("article", article_id).count("article.updated"))
        if recorded != 1:
            failures.append(f"{recorded} events for one link")
    assert failures == [], f"{len(failures)} of {rounds} rounds: {failures}"


def test_article_delete_racing_a_notice_patch_that_keeps_the_link(server, tokens):
    """DELETE article a while PATCH notice {article_ids: [a]}: the loser gets 404/409/422."""
    failures = []
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens)
        article_id = article(server, tokens, notice_ids=[notice_id])
        delete, patch = fire(
            server, ("DELETE", f"/api/v1/articles/{article_id}", tokens["editor"], {}),
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
             {"json": {"article_ids": [article_id], "title": "改标题"}}))
        if delete.status_code not in (204, 404, 409) or patch.status_code not in (
                200, 404, 409, 422):
            failures.append((delete.status_code, patch.status_code))
        assert links_of(notice_id) == ([] if delete.status_code == 204 else [article_id])
        assert actions("notice", notice_id).count("notice.updated") == (
            patch.status_code == 200)
    assert failures == [], f"{len(failures)} of {ROUNDS} rounds answered 5xx (deadlock)"


def test_linking_an_article_to_a_draft_being_deleted(server, tokens):
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens)
        create, delete = fire(
            server, ("POST", "/api/v1/articles", tokens["editor"], {"json": {
                "title": "链接到被删草稿", "kind": "news", "source": "测试报",
                "published_on": "2026-12-01", "body": "正文", "notice_ids": [notice_id]}}),
            ("DELETE", f"/api/v1/notices/{notice_id}", tokens["editor"], {}))
        assert delete.status_code == 204, delete.text
        # 404: the article's create locks the notice it links, found deleted meanwhile
        assert create.status_code in (201, 404, 409, 422), create.text
        assert links_of(notice_id) == []
        if create.status_code == 201:
            article_id = create.json()["id"]
            assert actions("article", article_id) == ["article.created"]
            got = call(server, "GET", f"/api/v1/articles/{article_id}", tokens["editor"])
            assert got.json()["notice_ids"] == []


# --- articles: If-Match, PATCH vs DELETE -------------------------------------------------------

def test_article_patch_and_delete_at_once(server, tokens):
    for round_ in range(ROUNDS):
        article_id = article(server, tokens)
        patch, delete = fire(
            server, ("PATCH", f"/api/v1/articles/{article_id}", tokens["editor"],
                     {"json": {"title": f"改过 {round_}"}}),
            ("DELETE", f"/api/v1/articles/{article_id}", tokens["editor"], {}))
        assert delete.status_code == 204, delete.text
        assert patch.status_code in (200, 404), patch.text
        expected = ["article.created", "article.updated", "article.deleted"] \
            if patch.status_code == 200 else ["article.created", "article.deleted"]
        assert actions("article", article_id) == expected


def test_article_writes_with_one_if_match_succeed_once(server, tokens):
    for round_ in range(ROUNDS):
        article_id = article(server, tokens)
        etag = call(server, "GET", f"/api/v1/articles/{article_id}",
                    tokens["editor"]).headers["ETag"]
        calls = [("PATCH", f"/api/v1/articles/{article_id}", tokens["editor"],
                  {"json": {"title": f"标题 {round_}-{i}"}, "headers": {"If-Match": etag}})
                 for i in range(4)]
        calls.append(("DELETE", f"/api/v1/articles/{article_id}", tokens["editor"],
                      {"headers": {"If-Match": etag}}))
        responses = fire(server, *calls)
        codes = statuses(responses)
        assert sum(code in (200, 204) for code in codes) == 1, codes
        assert set(codes) <= {200, 204, 404, 412}, codes
        history = actions("article", article_id)
        assert len(history) == 2, history  # created, then the one winner


# --- drafts deleted while written ----------------------------------------------------------------

def test_parallel_draft_deletes_delete_once(server, tokens):
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens, names=["甲乙", "丙丁"])
        responses = fire(server, *[("DELETE", f"/api/v1/notices/{notice_id}",
                                    tokens["editor"], {})] * 3)
        assert sorted(statuses(responses)) == [204, 404, 404]
        assert actions("notice", notice_id).count("notice.deleted") == 1


def test_roster_added_while_the_draft_is_deleted(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens, names=["甲乙"])
        add, delete = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/roster", tokens["editor"],
                     {"json": [{"name": f"新名{round_}"}, {"name": "另一个"}]}),
            ("DELETE", f"/api/v1/notices/{notice_id}", tokens["editor"], {}))
        assert delete.status_code == 204, delete.text
        assert add.status_code in (201, 404), add.text
        with database.connection_context():
            assert not RosterEntry.select().where(RosterEntry.notice == notice_id).exists()
        history = actions("notice", notice_id)
        assert history[-1] == "notice.deleted"
        assert history.count("roster.added") == (add.status_code == 201)


def test_publish_and_delete_of_a_draft_at_once(server, tokens):
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens, names=["甲乙"])
        publish, delete = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            ("DELETE", f"/api/v1/notices/{notice_id}", tokens["editor"], {}))
        assert sorted([publish.status_code, delete.status_code]) in ([200, 409], [204, 404])
        history = actions("notice", notice_id)
        if publish.status_code == 200:
            assert "notice.deleted" not in history and stored(notice_id).published_at
        else:
            assert "notice.published" not in history and history[-1] == "notice.deleted"


# --- rosters: import racing publish; nothing changes a published roster ------------------------

def test_roster_import_racing_publish_is_in_the_digest_or_refused(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens, names=["甲乙"])
        names = [f"导入{round_}{chr(0x4e00 + i)}" for i in range(300)]
        publish, upload = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            ("POST", f"/api/v1/notices/{notice_id}/roster:import", tokens["editor"],
             {"files": {"file": ("roster.csv", roster_csv(names), "text/csv")}}))
        assert publish.status_code == 200, publish.text
        assert upload.status_code in (201, 409), upload.text
        notice = publish.json()
        assert notice["roster_size"] == 1 + 300 * (upload.status_code == 201)
        assert notice["roster_digest"] == roster_digest_of(notice_id)
        history = actions("notice", notice_id)
        assert history.count("roster.imported") == (upload.status_code == 201)
        assert "roster.imported" not in history[history.index("notice.published"):]


def test_contacts_patched_while_publishing_are_before_or_refused(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens)
        publish, patch = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
             {"json": {"contacts": [{"number": f"010-8313{round_:04d}"}]}}))
        assert publish.status_code == 200, publish.text
        assert patch.status_code in (200, 403, 409), patch.text
        public = requests.get(f"{server}/api/v1/notices/{notice_id}", timeout=30).json()
        assert public["contacts"] == publish.json()["contacts"]
        assert "notice.updated" not in actions("notice", notice_id)[-1:]


def test_no_route_or_command_changes_a_published_roster(server, tokens, database_url, tmp_path):
    notice_id = published(server, tokens, names=["张三", "李四", "王五"])
    digest = roster_digest_of(notice_id)
    entries = call(server, "GET", f"/api/v1/notices/{notice_id}/roster",
                   tokens["admin"]).json()["items"]
    before = actions("notice", notice_id)
    tries = [
        call(server, "POST", f"/api/v1/notices/{notice_id}/roster", tokens["admin"],
             json={"name": "赵六"}),
        call(server, "DELETE", f"/api/v1/notices/{notice_id}/roster/{entries[0]['id']}",
             tokens["admin"]),
        call(server, "POST", f"/api/v1/notices/{notice_id}/roster:import", tokens["admin"],
             files={"file": ("r.csv", roster_csv(["钱七"]), "text/csv")}),
        call(server, "DELETE", f"/api/v1/notices/{notice_id}", tokens["admin"]),
        call(server, "PATCH", f"/api/v1/notices/{notice_id}", tokens["admin"],
             json={"roster": [{"name": "孙八"}], "reason": "更正"}),
        call(server, "PATCH", f"/api/v1/notices/{notice_id}", tokens["admin"],
             json={"title": "更正的标题", "reason": "错别字"}),
    ]
    assert [r.status_code for r in tries] == [409, 409, 409, 409, 422, 200]
    csv = tmp_path / "more.csv"
    csv.write_bytes(roster_csv(["周九"]))
    result = subprocess.run([FLASK, "--app", "service", "import-roster", str(notice_id), str(csv)],
                            cwd=ROOT, env={**os.environ, "DATABASE_URL": database_url},
                            capture_output=True, text=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert roster_digest_of(notice_id) == digest == stored(notice_id).roster_digest
    assert actions("notice", notice_id) == [*before, "notice.corrected"]
    verify = call(server, "GET", f"/api/v1/notices/{notice_id}/roster:verify", tokens["admin"])
    assert verify.json()["matches"] is True


# --- tokens: a revoke is "at once" ------------------------------------------------------------

def test_no_write_by_a_token_lands_after_its_revocation(server, tokens):
    """An import authenticated just before its token is revoked must not commit after the
    revoke answered 204: in the audit trail, nothing by that token follows token.revoked."""
    names = [f"撤销{i:05d}" for i in range(20_000)]
    late = []
    for round_ in range(ROUNDS):
        created = call(server, "POST", "/api/v1/tokens", tokens["admin"],
                       json={"role": "editor", "label": f"将撤销 {round_}",
                             "organization_ids": [1]}).json()  # the tokens' own
        notice_id = draft(server, tokens)
        results = {}

        def upload(notice_id=notice_id, token=created["token"], results=results):
            results["upload"] = call(
                server, "POST", f"/api/v1/notices/{notice_id}/roster:import", token,
                files={"file": ("roster.csv", roster_csv(names), "text/csv")})

        thread = threading.Thread(target=upload)
        thread.start()
        time.sleep(0.05 + 0.05 * (round_ % 4))  # the upload is authenticated, still parsing
        revoke = call(server, "DELETE", f"/api/v1/tokens/{created['id']}", tokens["admin"])
        thread.join()
        assert revoke.status_code == 204
        revoked_at = next(e.id for e in events("token", created["id"])
                          if e.action == "token.revoked")
        after = [e for e in events("notice", notice_id)
                 if e.id > revoked_at and e.actor.startswith(f"token:{created['id']}:")]
        if after:
            late.append((results["upload"].status_code, after[0].action))
    assert late == [], f"{len(late)} of {ROUNDS} writes landed after their token's revocation"


# --- the scheduler's instants ------------------------------------------------------------------

@pytest.fixture
def scheduler(database_url, tmp_path):
    log = (tmp_path / "scheduler.log").open("w")
    process = subprocess.Popen(
        [FLASK, "--app", "service", "scheduler"], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "DATABASE_URL": database_url, "SCHEDULER_POLL_SECONDS": "0.2"})
    log.close()
    yield process
    stop(process)


def closing_soon(base, tokens, closes_at: datetime) -> int:
    response = call(base, "POST", "/api/v1/notices", tokens["editor"], json={
        "title": "临界公示", "category": "test", "issuer": "测试单位",
        "window": {"opens_at": (closes_at - timedelta(days=1)).isoformat(),
                   "closes_at": closes_at.isoformat()},
        "contacts": [{"number": "010-83138953"}]})
    assert response.status_code == 201, response.text
    notice_id = response.json()["id"]
    assert call(base, "POST", f"/api/v1/notices/{notice_id}/publish",
                tokens["publisher"]).status_code == 200
    return notice_id


def at(instant: datetime, method, base, path, token, **kwargs):
    """Send the request at `instant` (from a thread); returns the thread and a result dict."""
    result = {}

    def send():
        with requests.Session() as session:
            session.get(f"{base}/healthz", timeout=10)
            time.sleep(max(0.0, (instant - datetime.now(UTC)).total_seconds()))
            result["response"] = session.request(
                method, base + path, timeout=60,
                headers={"Authorization": f"Bearer {token}"}, **kwargs)

    thread = threading.Thread(target=send)
    thread.start()
    return thread, result


OFFSETS = (-0.06, -0.03, -0.01, 0.0, 0.005, 0.01, 0.03, 0.06)  # seconds around the closing


def test_extend_at_the_closing_instant_never_reopens_a_closed_notice(server, tokens, scheduler):
    base = datetime.now(UTC) + timedelta(seconds=4)
    cases = []
    for i, offset in enumerate(OFFSETS):
        closes_at = base + timedelta(seconds=0.5 * i)
        notice_id = closing_soon(server, tokens, closes_at)
        cases.append((notice_id, closes_at, at(
            closes_at + timedelta(seconds=offset), "POST", server,
            f"/api/v1/notices/{notice_id}/extend", tokens["publisher"],
            json={"closes_at": (closes_at + timedelta(days=1)).isoformat()})))
    for _, _, (thread, _) in cases:
        thread.join()
    time.sleep(1.5)  # the scheduler records any closing due
    outcomes = []
    for notice_id, closes_at, (_, result) in cases:
        response = result["response"]
        assert response.status_code in (200, 409), response.text
        history = actions("notice", notice_id)
        notice = stored(notice_id)
        outcomes.append(response.status_code)
        if response.status_code == 200:
            assert notice.closes_at == closes_at + timedelta(days=1)
            assert "notice.closed" not in history, history
            assert notice.closed_recorded_at is None
        else:
            assert notice.closes_at == closes_at
            assert history.count("notice.closed") == 1 and "notice.extended" not in history
    assert 200 in outcomes and 409 in outcomes, outcomes  # the instant was really straddled


def test_withdraw_at_the_closing_instant_is_recorded_in_order(server, tokens, scheduler):
    base = datetime.now(UTC) + timedelta(seconds=4)
    cases = []
    for i, offset in enumerate(OFFSETS):
        closes_at = base + timedelta(seconds=0.5 * i)
        notice_id = closing_soon(server, tokens, closes_at)
        cases.append((notice_id, closes_at, at(
            closes_at + timedelta(seconds=offset), "POST", server,
            f"/api/v1/notices/{notice_id}/withdraw", tokens["admin"],  # closed: admin's
            json={"reason": "临界撤回"})))
    for _, _, (thread, _) in cases:
        thread.join()
    time.sleep(1.5)
    for notice_id, closes_at, (_, result) in cases:
        assert result["response"].status_code == 200, result["response"].text
        history = actions("notice", notice_id)
        assert history.count("notice.withdrawn") == 1
        assert history.count("notice.closed") <= 1
        notice = stored(notice_id)
        if notice.withdrawn_at < closes_at:  # withdrawn while open: it never closed
            assert "notice.closed" not in history, history
        if "notice.closed" in history:
            assert history.index("notice.closed") < history.index("notice.withdrawn")


def test_a_publishers_correction_at_the_closing_instant_is_before_or_refused(server, tokens):
    """After the close a correction is an admin's: a publisher's PATCH at the closing instant is
    decided on the locked row as the clock then says — a correction recorded before the close,
    or a 403 that writes nothing."""
    base = datetime.now(UTC) + timedelta(seconds=3)
    cases = []
    for i, offset in enumerate(OFFSETS):
        closes_at = base + timedelta(seconds=0.5 * i)
        notice_id = closing_soon(server, tokens, closes_at)
        cases.append((notice_id, closes_at, at(
            closes_at + timedelta(seconds=offset), "PATCH", server,
            f"/api/v1/notices/{notice_id}", tokens["publisher"],
            json={"issuer": "测试单位（更正）", "reason": "临界更正"})))
    for _, _, (thread, _) in cases:
        thread.join()
    outcomes = []
    for notice_id, closes_at, (_, result) in cases:
        response = result["response"]
        assert response.status_code in (200, 403), response.text
        outcomes.append(response.status_code)
        corrections = [e for e in events("notice", notice_id) if e.action == "notice.corrected"]
        notice = stored(notice_id)
        if response.status_code == 200:
            assert len(corrections) == 1
            assert notice.updated_at < closes_at  # decided, and dated, before the close
        else:
            assert corrections == []
            assert notice.issuer == "测试单位"
    assert 200 in outcomes and 403 in outcomes, outcomes  # the instant was really straddled


def test_parallel_extends_keep_one_chain(server, tokens):
    for _ in range(ROUNDS):
        notice_id = published(server, tokens)
        start = stored(notice_id).closes_at
        targets = [start + timedelta(days=d) for d in (1, 2, 3, 4)]
        responses = fire(server, *[("POST", f"/api/v1/notices/{notice_id}/extend",
                                    tokens["publisher"], {"json": {"closes_at": t.isoformat()}})
                                   for t in targets])
        assert set(statuses(responses)) <= {200, 422}, statuses(responses)
        chain = [json.loads(e.changes)["closes_at"] for e in events("notice", notice_id)
                 if e.action == "notice.extended"]
        assert len(chain) == statuses(responses).count(200)
        previous = start
        for old, new in chain:
            assert datetime.fromisoformat(old) == previous
            assert datetime.fromisoformat(new) > previous
            previous = datetime.fromisoformat(new)
        assert stored(notice_id).closes_at == previous


def test_publish_backdated_is_recorded_only_when_the_window_is_past(server, tokens):
    open_one = draft(server, tokens)
    response = call(server, "POST", f"/api/v1/notices/{open_one}/publish", tokens["publisher"],
                    json={"backdated": True})
    assert response.status_code == 200, response.text
    assert "backdated" not in json.loads(events("notice", open_one)[-1].changes)
    past = call(server, "POST", "/api/v1/notices", tokens["editor"], json={
        "title": "历史公示", "category": "test", "issuer": "测试单位",
        "window": {"start": "2024-01-26", "end": "2024-02-04"},
        "contacts": [{"number": "010-83138953"}]}).json()["id"]
    refused = call(server, "POST", f"/api/v1/notices/{past}/publish", tokens["publisher"])
    assert refused.status_code == 422 and "notice.published" not in actions("notice", past)
    racing = fire(server, *[("POST", f"/api/v1/notices/{past}/publish", tokens["publisher"],
                             {"json": {"backdated": True}})] * 3)
    assert sorted(statuses(racing)) == [200, 409, 409]
    assert json.loads(events("notice", past)[-1].changes)["backdated"] is True


# --- backups ----------------------------------------------------------------------------------

def flask_cli(database_url, *args, check=True):
    result = subprocess.run([FLASK, "--app", "service", *args], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "DATABASE_URL": database_url})
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def dump_rows(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()[1:]  # without the dated header


def resummarize(lines: list[str]) -> list[str]:
    """A hand-edited dump made to pass: the summary recomputed over the edited rows."""
    counts, digests = {}, {}
    for line in lines[1:-1]:
        table = json.loads(line)["table"]
        counts[table] = counts.get(table, 0) + 1
        digests.setdefault(table, hashlib.sha256()).update((line + "\n").encode())
    summary = json.loads(lines[-1])["summary"]
    for table in summary["counts"]:
        summary["counts"][table] = counts.get(table, 0)
        summary["digests"][table] = digests.get(table, hashlib.sha256()).hexdigest()
    return [*lines[:-1], json.dumps({"summary": summary})]


def test_export_while_the_newsroom_writes_restores_exactly(server, tokens, database_url,
                                                           tmp_path):
    stop = threading.Event()

    def newsroom(worker):
        while not stop.is_set():
            notice_id = draft(server, tokens, names=[f"写{worker}{i}" for i in range(30)])
            call(server, "POST", f"/api/v1/notices/{notice_id}/roster", tokens["editor"],
                 json={"name": f"追加{worker}"})
            if notice_id % 3:
                call(server, "POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"])
            else:
                call(server, "DELETE", f"/api/v1/notices/{notice_id}", tokens["editor"])

    writers = [threading.Thread(target=newsroom, args=(w,)) for w in range(3)]
    for writer in writers:
        writer.start()
    try:
        time.sleep(1)
        dumps = []
        for n in range(3):
            dump = tmp_path / f"live-{n}.jsonl"
            flask_cli(database_url, "export", str(dump))
            dumps.append(dump)
    finally:
        stop.set()
        for writer in writers:
            writer.join()
    for n, dump in enumerate(dumps):
        flask_cli(database_url, "verify-backup", str(dump))
        rows = [json.loads(line) for line in dump_rows(dump)[:-1]]
        notice_rows = [r["row"] for r in rows if r["table"] == "notice"]
        audit = [r["row"] for r in rows if r["table"] == "audit_event"
                 and r["row"]["entity"] == "notice"]
        created = {e["entity_id"] for e in audit if e["action"] == "notice.created"}
        deleted = {e["entity_id"] for e in audit if e["action"] == "notice.deleted"}
        assert {r["id"] for r in notice_rows} == created - deleted  # one snapshot
        published_ids = {e["entity_id"] for e in audit if e["action"] == "notice.published"}
        assert {r["id"] for r in notice_rows if r["published_at"]} == published_ids
        restored = f"sqlite:///{tmp_path / f'restored-{n}.db'}"
        flask_cli(restored, "init-db")
        flask_cli(restored, "import", str(dump))
        assert flask_cli(restored, "verify-rosters").returncode == 0
        again = tmp_path / f"again-{n}.jsonl"
        flask_cli(restored, "export", str(again))
        assert dump_rows(again) == dump_rows(dump)


def test_an_edited_dump_with_a_recomputed_summary_is_refused(server, tokens, database_url,
                                                             tmp_path):
    """Someone swaps a published name in a dump and recomputes the summary (plain SHA-256, no
    key): the restore must not bring back a roster that differs from its published digest."""
    notice_id = published(server, tokens, names=["张三", "李四"])
    dump = tmp_path / "dump.jsonl"
    flask_cli(database_url, "export", str(dump))
    lines = dump.read_text(encoding="utf-8").splitlines()
    edited = [line.replace('"name": "李四"', '"name": "李肆"') for line in lines]
    assert edited != lines
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join(resummarize(edited)) + "\n", encoding="utf-8")
    assert flask_cli(database_url, "verify-backup", str(forged), check=False).returncode == 0
    restored = f"sqlite:///{tmp_path / 'restored.db'}"
    flask_cli(restored, "init-db")
    result = flask_cli(restored, "import", str(forged), check=False)
    assert result.returncode == 1, (
        f"imported; verify-rosters then says: "
        f"{flask_cli(restored, 'verify-rosters', check=False).stderr.strip()} (notice {notice_id})")


def test_dumps_with_broken_keys_are_refused_whole(server, tokens, database_url, tmp_path):
    published(server, tokens, names=["张三", "李四"])
    dump = tmp_path / "dump.jsonl"
    flask_cli(database_url, "export", str(dump))
    lines = dump.read_text(encoding="utf-8").splitlines()
    entry = next(i for i, line in enumerate(lines) if '"table": "roster_entry"' in line)
    orphan = json.loads(lines[entry])
    orphan["row"]["notice_id"] = 999
    duplicate = [*lines[:entry + 1], lines[entry], *lines[entry + 1:]]
    for n, edited in enumerate([[*lines[:entry], json.dumps(orphan, ensure_ascii=False),
                                 *lines[entry + 1:]], duplicate]):
        forged = tmp_path / f"forged-{n}.jsonl"
        forged.write_text("\n".join(resummarize(edited)) + "\n", encoding="utf-8")
        restored = f"sqlite:///{tmp_path / f'restored-{n}.db'}"
        flask_cli(restored, "init-db")
        result = flask_cli(restored, "import", str(forged), check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        count = subprocess.run(
            [sys.executable, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1])"
             ".execute('select count(*) from notice').fetchone()[0])",
             str(tmp_path / f"restored-{n}.db")], capture_output=True, text=True)
        assert count.stdout.strip() == "0"


def test_verify_checks_the_published_event_not_only_the_column(server, tokens):
    """Whoever can write the database rewrites a published name and the notice's roster_digest
    column to match: verify must still tell, from the append-only notice.published event."""
    notice_id = published(server, tokens, names=["张三", "李四"])
    with database.connection_context():
        RosterEntry.update(name="李肆").where((RosterEntry.notice == notice_id)
                                             & (RosterEntry.name == "李四")).execute()
        Notice.update(roster_digest=roster_digest_of(notice_id)).where(
            Notice.id == notice_id).execute()
        published_digest = json.loads(AuditEvent.get(
            (AuditEvent.entity_id == notice_id)
            & (AuditEvent.action == "notice.published")).changes)["roster_digest"]
    assert published_digest != roster_digest_of(notice_id)
    verify = call(server, "GET", f"/api/v1/notices/{notice_id}/roster:verify", tokens["admin"])
    assert verify.json()["matches"] is False, verify.json()
