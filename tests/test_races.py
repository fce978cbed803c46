"""Concurrent writes against the real gunicorn (2 workers × threads), on both databases: every
race ends in one state that matches the audit trail, with one event per effective change.

Each race is fired many times (RACE_ROUNDS, default 12; the note of issue 12 records a run of
50): requests are released together by a barrier, as a busy newsroom would send them."""

import hashlib
import json
import os
import threading
from datetime import UTC, datetime, timedelta

import requests

from service.domain.models import AuditEvent, Notice, RosterEntry
from service.infra.db import database

ROUNDS = int(os.environ.get("RACE_ROUNDS", "12"))


def fire(base: str, *calls: tuple) -> list[requests.Response]:
    """Send every (method, path, token, kwargs) at once, one thread each; responses in order."""
    barrier = threading.Barrier(len(calls))
    responses: list = [None] * len(calls)

    def send(index, method, path, token, kwargs):
        kwargs = dict(kwargs)
        with requests.Session() as session:
            session.get(f"{base}/healthz", timeout=10)  # connect before the start line
            barrier.wait()
            headers = {"Authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
            responses[index] = session.request(method, base + path, headers=headers, timeout=60,
                                               **kwargs)

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


def draft(base: str, tokens, *, names=(), opens_in=timedelta(days=-1)) -> int:
    now = datetime.now(UTC)
    response = requests.post(f"{base}/api/v1/notices", timeout=30,
                             headers={"Authorization": f"Bearer {tokens['editor']}"}, json={
        "title": "并发测试公示", "category": "test", "issuer": "测试单位",
        "window": {"opens_at": (now + opens_in).isoformat(),
                   "closes_at": (now + timedelta(days=10)).isoformat()},
        "contacts": [{"number": "010-83138953"}],
        "roster": [{"name": name} for name in names]})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def published(base: str, tokens, **kwargs) -> int:
    notice_id = draft(base, tokens, **kwargs)
    response = requests.post(f"{base}/api/v1/notices/{notice_id}/publish", timeout=30,
                             headers={"Authorization": f"Bearer {tokens['publisher']}"})
    assert response.status_code == 200, response.text
    return notice_id


def events(entity: str, entity_id: int) -> list[AuditEvent]:
    with database.connection_context():
        return list(AuditEvent.select().where((AuditEvent.entity == entity)
                                              & (AuditEvent.entity_id == entity_id))
                    .order_by(AuditEvent.id))


def actions(entity: str, entity_id: int) -> list[str]:
    return [event.action for event in events(entity, entity_id)]


def stored(notice_id: int) -> Notice:
    with database.connection_context():
        return Notice.get_by_id(notice_id)


def statuses(responses) -> list[int]:
    return [response.status_code for response in responses]


def test_publish_and_edit_at_once_keep_both_or_refuse_one(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens)
        title = f"改过的标题 {round_}"
        publish, edit = fire(
            server,
            ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"], {"json": {"title": title}}))
        assert publish.status_code == 200, publish.text
        # 403: published before the edit was read; 409: published while it waited for the lock
        assert edit.status_code in (200, 403, 409), edit.text
        notice = stored(notice_id)
        assert notice.published_at is not None  # never a draft again
        history = actions("notice", notice_id)
        assert history.count("notice.published") == 1
        if edit.status_code == 200:  # it went first: its change stays, published after it
            assert notice.title == title
            assert history[-2:] == ["notice.updated", "notice.published"]
        else:
            assert notice.title == "并发测试公示" and "notice.updated" not in history


def test_withdraw_and_extend_at_once_never_undo_the_withdrawal(server, tokens):
    for _ in range(ROUNDS):
        notice_id = published(server, tokens)
        before = stored(notice_id).closes_at
        withdraw, extend = fire(
            server,
            ("POST", f"/api/v1/notices/{notice_id}/withdraw", tokens["publisher"],
             {"json": {"reason": "名单有误"}}),
            ("POST", f"/api/v1/notices/{notice_id}/extend", tokens["publisher"],
             {"json": {"closes_at": (before + timedelta(days=3)).isoformat()}}))
        assert withdraw.status_code == 200, withdraw.text
        assert extend.status_code in (200, 409), extend.text
        notice = stored(notice_id)
        assert notice.withdrawn_at is not None and notice.withdrawal_reason == "名单有误"
        history = actions("notice", notice_id)
        assert history.count("notice.withdrawn") == 1
        if extend.status_code == 200:
            assert notice.closes_at == before + timedelta(days=3)
            assert history[-2:] == ["notice.extended", "notice.withdrawn"]
        else:
            assert notice.closes_at == before and "notice.extended" not in history


def test_withdraw_and_correct_at_once_lose_neither(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = published(server, tokens)
        title = f"更正后的标题 {round_}"
        withdraw, correct = fire(
            server,
            ("POST", f"/api/v1/notices/{notice_id}/withdraw", tokens["publisher"],
             {"json": {"reason": "名单有误"}}),
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["publisher"],
             {"json": {"title": title, "reason": "错别字"}}))
        assert withdraw.status_code == 200, withdraw.text
        assert correct.status_code in (200, 409), correct.text
        notice = stored(notice_id)
        assert notice.withdrawn_at is not None
        history = actions("notice", notice_id)
        assert history.count("notice.withdrawn") == 1
        assert (notice.title == title) == (correct.status_code == 200)
        assert history.count("notice.corrected") == (correct.status_code == 200)


def roster_digest_of(notice_id: int) -> str:
    """The digest as the README defines it, computed here independently."""
    digest = hashlib.sha256()
    with database.connection_context():
        for entry in RosterEntry.select().where(RosterEntry.notice == notice_id).order_by(
                RosterEntry.position):
            row = [entry.position, entry.name, entry.organization, entry.credential_no]
            digest.update((json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
                          .encode())
    return digest.hexdigest()


def test_no_roster_change_commits_after_the_publish(server, tokens):
    names = [f"名单{chr(0x4e00 + i)}{chr(0x4e00 + i * 7)}" for i in range(20)]
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens, names=names)
        entries = requests.get(f"{server}/api/v1/notices/{notice_id}/roster", timeout=30,
                               params={"page_size": 100},
                               headers={"Authorization": f"Bearer {tokens['editor']}"}).json()
        removals = [("DELETE", f"/api/v1/notices/{notice_id}/roster/{entry['id']}",
                     tokens["editor"], {}) for entry in entries["items"][:5]]
        publish, *removed = fire(
            server, ("POST", f"/api/v1/notices/{notice_id}/publish", tokens["publisher"], {}),
            *removals)
        assert publish.status_code == 200, publish.text
        assert set(statuses(removed)) <= {204, 409}
        history = actions("notice", notice_id)
        after_publish = history[history.index("notice.published"):]
        assert "roster.removed" not in after_publish
        assert history.count("roster.removed") == statuses(removed).count(204)
        notice = publish.json()
        assert notice["roster_size"] == 20 - statuses(removed).count(204)
        assert notice["roster_digest"] == roster_digest_of(notice_id)
        published_event = json.loads(events("notice", notice_id)[-1].changes)
        assert published_event["roster_size"] == notice["roster_size"]
        assert published_event["roster_digest"] == notice["roster_digest"]


def test_parallel_publishes_publish_once(server, tokens):
    for _ in range(ROUNDS):
        notice_id = draft(server, tokens)
        responses = fire(server, *[("POST", f"/api/v1/notices/{notice_id}/publish",
                                    tokens["publisher"], {})] * 6)
        assert sorted(statuses(responses)) == [200] + [409] * 5
        assert actions("notice", notice_id).count("notice.published") == 1


def test_parallel_withdrawals_withdraw_once_with_one_reason(server, tokens):
    for _ in range(ROUNDS):
        notice_id = published(server, tokens)
        responses = fire(server, *[("POST", f"/api/v1/notices/{notice_id}/withdraw",
                                    tokens["publisher"], {"json": {"reason": f"理由{i}"}})
                                   for i in range(3)])
        assert sorted(statuses(responses)) == [200, 409, 409]
        winner = next(r for r in responses if r.status_code == 200).json()
        withdrawals = [e for e in events("notice", notice_id) if e.action == "notice.withdrawn"]
        assert len(withdrawals) == 1
        assert json.loads(withdrawals[0].changes)["reason"] == winner["withdrawal_reason"]
        assert stored(notice_id).withdrawal_reason == winner["withdrawal_reason"]


def test_parallel_article_deletes_delete_once(server, tokens):
    for _ in range(ROUNDS):
        created = requests.post(f"{server}/api/v1/articles", timeout=30, json={
            "title": "并发删除的文章", "kind": "news", "source": "测试报",
            "published_on": "2026-12-01", "body": "正文"},
            headers={"Authorization": f"Bearer {tokens['editor']}"})
        assert created.status_code == 201, created.text
        article_id = created.json()["id"]
        responses = fire(server, *[("DELETE", f"/api/v1/articles/{article_id}",
                                    tokens["editor"], {})] * 3)
        assert sorted(statuses(responses)) == [204, 404, 404]
        assert actions("article", article_id) == ["article.created", "article.deleted"]


def draft_article(base: str, tokens) -> int:
    created = requests.post(f"{base}/api/v1/articles", timeout=30, json={
        "title": "并发发布的文章", "kind": "news", "source": "测试报",
        "published_on": "2026-12-01", "body": "正文"},
        headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert created.status_code == 201, created.text
    return created.json()["id"]


def test_parallel_article_publishes_publish_once(server, tokens):
    for _ in range(ROUNDS):
        article_id = draft_article(server, tokens)
        responses = fire(server, *[("POST", f"/api/v1/articles/{article_id}/publish",
                                    tokens["publisher"], {})] * 2)
        assert sorted(statuses(responses)) == [200, 409]
        winner = next(r for r in responses if r.status_code == 200).json()
        assert actions("article", article_id) == ["article.created", "article.published"]
        public = requests.get(f"{server}/api/v1/articles/{article_id}", timeout=30)
        assert public.json()["published_at"] == winner["published_at"]


def test_article_publish_racing_its_delete_has_one_winner(server, tokens):
    """Published, then never deleted (409); or deleted, then nothing to publish (404)."""
    outcomes = set()
    for _ in range(ROUNDS):
        article_id = draft_article(server, tokens)
        publish, delete = fire(
            server, ("POST", f"/api/v1/articles/{article_id}/publish", tokens["publisher"], {}),
            ("DELETE", f"/api/v1/articles/{article_id}", tokens["editor"], {}))
        pair = (publish.status_code, delete.status_code)
        assert pair in ((200, 409), (404, 204)), pair
        outcomes.add(pair)
        history = actions("article", article_id)
        if pair == (200, 409):
            assert history == ["article.created", "article.published"]
            assert requests.get(f"{server}/api/v1/articles/{article_id}",
                                timeout=30).status_code == 200
        else:
            assert history == ["article.created", "article.deleted"]


def test_article_edit_racing_its_publish_is_an_edit_or_refused(server, tokens):
    """An editor's PATCH and the publish at once: the edit lands on the draft (before), or it
    finds a published article and is refused (403: a correction is a publisher's); never an
    edit of a published article without a reason."""
    for round_ in range(ROUNDS):
        article_id = draft_article(server, tokens)
        publish, edit = fire(
            server, ("POST", f"/api/v1/articles/{article_id}/publish", tokens["publisher"], {}),
            ("PATCH", f"/api/v1/articles/{article_id}", tokens["editor"],
             {"json": {"title": f"改过的标题 {round_}"}}))
        assert publish.status_code == 200, publish.text
        assert edit.status_code in (200, 403), edit.text
        history = actions("article", article_id)
        assert "article.corrected" not in history
        if edit.status_code == 200:
            assert history == ["article.created", "article.updated", "article.published"]
            assert publish.json()["title"] == f"改过的标题 {round_}"
        else:
            assert history == ["article.created", "article.published"]


def test_a_deleted_id_is_never_given_out_again(server, tokens):
    first = draft(server, tokens)
    deleted = requests.delete(f"{server}/api/v1/notices/{first}", timeout=30,
                              headers={"Authorization": f"Bearer {tokens['editor']}"})
    assert deleted.status_code == 204, deleted.text
    second = draft(server, tokens)
    assert second > first  # its audit trail is its own
    assert actions("notice", second) == ["notice.created"]


def test_patches_with_one_if_match_succeed_once(server, tokens):
    for round_ in range(ROUNDS):
        notice_id = draft(server, tokens)
        etag = requests.get(f"{server}/api/v1/notices/{notice_id}", timeout=30,
                            headers={"Authorization": f"Bearer {tokens['editor']}"}
                            ).headers["ETag"]
        responses = fire(server, *[
            ("PATCH", f"/api/v1/notices/{notice_id}", tokens["editor"],
             {"json": {"title": f"标题 {round_}-{i}"}, "headers": {"If-Match": etag}})
            for i in range(6)])
        assert sorted(statuses(responses)) == [200] + [412] * 5
        winner = next(r for r in responses if r.status_code == 200).json()
        assert stored(notice_id).title == winner["title"]
        assert actions("notice", notice_id).count("notice.updated") == 1


def test_parallel_revocations_are_recorded_once(server, tokens):
    for round_ in range(ROUNDS):
        created = requests.post(f"{server}/api/v1/tokens", timeout=30,
                                json={"role": "editor", "label": f"临时 {round_}",
                                      "organization_ids": [1]},  # the tokens' own
                                headers={"Authorization": f"Bearer {tokens['admin']}"})
        assert created.status_code == 201, created.text
        token_id = created.json()["id"]
        responses = fire(server, *[("DELETE", f"/api/v1/tokens/{token_id}",
                                    tokens["admin"], {})] * 3)
        assert statuses(responses) == [204] * 3  # revoking is idempotent
        assert actions("token", token_id).count("token.revoked") == 1


GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def test_parallel_roster_adds_to_different_notices_get_distinct_ids_and_their_own_keys(
        server, tokens):
    """Each roster write reserves its entries' ids (db.reserve_ids) instead of reading them back:
    writes to several drafts at once must never be given the same ids, and each entry's pinyin
    keys must point at that entry."""
    for round_ in range(ROUNDS):
        notice_ids = [draft(server, tokens) for _ in range(4)]
        names = {n: [f"{'张王李赵'[n]}{GIVEN[i]}{GIVEN[round_ % len(GIVEN)]}" for i in range(10)]
                 for n in range(4)}
        responses = fire(server, *[("POST", f"/api/v1/notices/{notice_id}/roster",
                                    tokens["editor"], {"json": [{"name": x} for x in names[n]]})
                                   for n, notice_id in enumerate(notice_ids)])
        assert statuses(responses) == [201] * 4, [r.text for r in responses]
        with database.connection_context():
            rows = list(RosterEntry.select(RosterEntry.id, RosterEntry.notice, RosterEntry.name)
                        .where(RosterEntry.notice.in_(notice_ids)).tuples())
            keyed = {entry for (entry,) in database.execute_sql(
                "SELECT DISTINCT entry_id FROM roster_pinyin WHERE entry_id IN "
                f"({', '.join(str(row[0]) for row in rows)})")}
        assert len(rows) == 40 and len({row[0] for row in rows}) == 40
        third = sorted(name for _, notice, name in rows if notice == notice_ids[2])
        assert third == sorted(names[2])
        assert keyed == {row[0] for row in rows}
