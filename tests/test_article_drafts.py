"""Article drafts and publication over HTTP: a draft is seen by staff only (in no public route,
search, page or cached answer), a publisher publishes it once, a published article is corrected
with a reason and never deleted, and a published notice stands beside published articles only."""

import json

from service.domain.models import AuditEvent
from tests.builders import notice_payload, post_notice, publish_article

ARTICLES = "/api/v1/articles"
DRAFT = {"title": "芯片草稿：尚未刊登的报道", "kind": "news", "published_on": "2024-01-26",
         "region": "广东", "body": "这篇芯片报道还没有发布。"}


def post_draft(client, tokens, **fields) -> dict:
    response = client.post(ARTICLES, json={**DRAFT, **fields}, token=tokens["editor"])
    assert response.status_code == 201, response.text
    return response.json()


def events(article_id: int, action: str) -> list[AuditEvent]:
    return list(AuditEvent.select().where((AuditEvent.entity == "article")
                                          & (AuditEvent.entity_id == article_id)
                                          & (AuditEvent.action == action)))


def public_views(client, article_id: int) -> dict:
    """Everything the public can read that could show an article, as text."""
    return {
        "get": client.get(f"{ARTICLES}/{article_id}").status_code,
        "list": client.get(ARTICLES).text,
        "list_q": client.get(ARTICLES, params={"q": "芯片"}).text,
        "list_region": client.get(ARTICLES, params={"region": "广东"}).text,
        "search": client.get("/api/v1/search", params={"q": "芯片"}).text,
        "page": client.get(f"/articles/{article_id}").status_code,
        "pages_list": client.get("/articles").text,
        "pages_q": client.get("/articles", params={"q": "芯片"}).text,
    }


def test_a_draft_is_in_no_public_route_search_page_or_cached_answer(client, tokens, db):
    published = post_draft(client, tokens, title="芯片：已刊登的报道", region="江西")
    publish_article(client, tokens, published["id"])
    before = public_views(client, published["id"])  # the caches are warm now
    assert "已刊登的报道" in before["list_q"] and "已刊登的报道" in before["pages_q"]

    draft = post_draft(client, tokens)
    after = public_views(client, draft["id"])

    assert after["get"] == 404 and after["page"] == 404
    for name in ("list", "list_q", "list_region", "search", "pages_list", "pages_q"):
        assert "尚未刊登的报道" not in after[name], name
    for name in ("list", "list_q"):
        body = json.loads(after[name])
        assert body["total"] == 1, name
        assert body["facets"]["region"] == {"江西": 1}, name  # facets count no draft
    assert json.loads(after["list_region"])["total"] == 0
    # Staff read the search as the public does; the drafts are listed apart.
    staff = client.get(ARTICLES, params={"q": "芯片"}, token=tokens["editor"]).json()
    assert [item["id"] for item in staff["items"]] == [published["id"]]


def test_publishing_shows_the_article_everywhere_at_once(client, tokens):
    draft = post_draft(client, tokens)
    public_views(client, draft["id"])  # cached without it

    published = publish_article(client, tokens, draft["id"])

    assert published["status"] == "published" and published["published_at"] is not None
    views = public_views(client, draft["id"])
    assert views["get"] == 200 and views["page"] == 200
    for name in ("list", "list_q", "list_region", "search", "pages_list", "pages_q"):
        assert "尚未刊登的报道" in views[name], name


def test_staff_see_a_draft_with_its_status_and_list_the_drafts(client, tokens):
    draft = post_draft(client, tokens)
    assert draft["status"] == "draft" and draft["published_at"] is None
    got = client.get(f"{ARTICLES}/{draft['id']}", token=tokens["editor"])
    assert got.status_code == 200
    assert got.json()["status"] == "draft"

    listed = client.get(ARTICLES, params={"status": "draft", "q": "芯片"},
                        token=tokens["editor"]).json()
    assert [(item["id"], item["status"]) for item in listed["items"]] == [(draft["id"], "draft")]
    assert listed["total"] == 1 and listed["facets"]["region"] == {"广东": 1}
    publish_article(client, tokens, draft["id"])
    assert client.get(ARTICLES, params={"status": "draft"},
                      token=tokens["editor"]).json()["items"] == []


def test_the_public_cannot_list_drafts(client, tokens):
    post_draft(client, tokens)
    response = client.get(ARTICLES, params={"status": "draft"})
    assert response.status_code == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert "staff" in response.json()["detail"]


def test_only_a_publisher_publishes_and_only_once(client, tokens, db):
    draft = post_draft(client, tokens)
    path = f"{ARTICLES}/{draft['id']}/publish"
    assert client.post(path, token=tokens["editor"]).status_code == 403
    assert client.post(path).status_code == 401
    assert client.get(f"{ARTICLES}/{draft['id']}").status_code == 404

    assert client.post(path, token=tokens["publisher"]).status_code == 200
    again = client.post(path, token=tokens["admin"])

    assert again.status_code == 409
    assert "already published" in again.json()["detail"]
    [event] = events(draft["id"], "article.published")
    assert event.actor.endswith("test publisher")


def test_publishing_an_unknown_article_is_404(client, tokens):
    assert client.post(f"{ARTICLES}/999/publish", token=tokens["publisher"]).status_code == 404


def test_a_draft_is_deleted_but_a_published_article_never(client, tokens, db):
    draft = post_draft(client, tokens)
    assert client.delete(f"{ARTICLES}/{draft['id']}", token=tokens["editor"]).status_code == 204

    published = publish_article(client, tokens, post_draft(client, tokens)["id"])
    for role in ("editor", "admin"):
        response = client.delete(f"{ARTICLES}/{published['id']}", token=tokens[role])
        assert response.status_code == 409, role
        assert "never deleted" in response.json()["detail"]
    assert client.get(f"{ARTICLES}/{published['id']}").status_code == 200
    assert events(published["id"], "article.deleted") == []


def test_a_published_article_is_corrected_by_a_publisher_with_a_reason(client, tokens, db):
    published = publish_article(client, tokens, post_draft(client, tokens)["id"])
    path = f"{ARTICLES}/{published['id']}"

    by_editor = client.patch(path, json={"title": "改后的标题", "reason": "错字"},
                             token=tokens["editor"])
    assert by_editor.status_code == 403
    assert "publisher" in by_editor.json()["detail"]
    no_reason = client.patch(path, json={"title": "改后的标题"}, token=tokens["publisher"])
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["errors"]
    assert client.get(path).json()["title"] == DRAFT["title"]

    corrected = client.patch(path, json={"title": "芯片：更正后的标题", "reason": "标题有误"},
                             token=tokens["publisher"])

    assert corrected.status_code == 200, corrected.text
    assert client.get(path).json()["title"] == "芯片：更正后的标题"
    [event] = events(published["id"], "article.corrected")
    changes = json.loads(event.changes)
    assert changes["title"] == [DRAFT["title"], "芯片：更正后的标题"]
    assert changes["reason"] == "标题有误"
    # The search follows the correction.
    found = client.get(ARTICLES, params={"q": "更正后"}).json()
    assert [item["id"] for item in found["items"]] == [published["id"]]


def test_an_editor_edits_a_draft_without_a_reason(client, tokens, db):
    draft = post_draft(client, tokens)
    response = client.patch(f"{ARTICLES}/{draft['id']}", json={"title": "新标题"},
                            token=tokens["editor"])
    assert response.status_code == 200, response.text
    assert [e.action for e in AuditEvent.select().where(AuditEvent.entity_id == draft["id"])
            .where(AuditEvent.entity == "article").order_by(AuditEvent.id)] == [
        "article.created", "article.updated"]


def test_a_notice_publishes_beside_published_articles_only(client, tokens):
    notice = post_notice(client, tokens, notice_payload())
    draft = post_draft(client, tokens, notice_ids=[notice["id"]])
    publish = f"/api/v1/notices/{notice['id']}/publish"

    refused = client.post(publish, json={"backdated": True}, token=tokens["publisher"])

    assert refused.status_code == 409
    assert f"article {draft['id']}" in refused.json()["detail"]
    assert client.get(f"/api/v1/notices/{notice['id']}").status_code == 404
    publish_article(client, tokens, draft["id"])
    published = client.post(publish, json={"backdated": True}, token=tokens["publisher"])
    assert published.status_code == 200, published.text
    assert published.json()["article_ids"] == [draft["id"]]
    page = client.get(f"/notices/{notice['id']}").text
    assert "芯片草稿" in page  # the title as published, beside the notice


def test_a_published_notice_gains_no_draft_article(client, tokens):
    notice = post_notice(client, tokens, notice_payload(
        window={"start": "2099-01-01", "end": "2099-01-10"}), publish=True)
    created = client.post(ARTICLES, json={**DRAFT, "notice_ids": [notice["id"]]},
                          token=tokens["editor"])
    assert created.status_code == 409
    draft = post_draft(client, tokens)
    correction = client.patch(f"/api/v1/notices/{notice['id']}",
                              json={"article_ids": [draft["id"]], "reason": "补充相关文章"},
                              token=tokens["publisher"])
    assert correction.status_code == 409
    assert "not published yet" in correction.json()["detail"]
    assert client.get(f"/api/v1/notices/{notice['id']}").json()["article_ids"] == []


def test_the_seeded_articles_are_published(client, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    listed = client.get(ARTICLES, params={"page_size": 100}).json()
    assert listed["total"] >= 1
    assert {item["status"] for item in listed["items"]} == {"published"}
