"""Articles over HTTP: create, read, search, edit, delete, and their links to notices."""

import random

from service.domain.models import AuditEvent
from tests.builders import publish_article

ARTICLES = "/api/v1/articles"


def post_article(client, tokens, *, publish=True, **fields):
    """A new article, as an editor makes it (a draft); published unless `publish` is false."""
    data = {"title": "工业和信息化部召开会议", "kind": "meeting", "published_on": "2024-01-26",
            "body": "会议在北京召开。", **fields}
    response = client.post(ARTICLES, json=data, token=tokens["editor"])
    assert response.status_code == 201, response.text
    article = response.json()
    return publish_article(client, tokens, article["id"]) if publish else article


def post_notice(client, token, **fields):
    data = {"title": "新闻记者证核验人员名单公示", "category": "press_credential_verification",
            "issuer": "中国电子报",
            "window": {"start": "2024-01-26", "end": "2024-02-05"},
            "contacts": [{"number": "010-83138953"}], **fields}
    response = client.post("/api/v1/notices", json=data, token=token)
    assert response.status_code == 201, response.text
    return response.json()


def listed(client, token=None, **params):
    response = client.get(ARTICLES, params=params, token=token)
    assert response.status_code == 200, response.text
    return response.json()


def titles(page):
    return sorted(item["title"] for item in page["items"])


def test_editor_creates_article_with_201_and_default_source(client, tokens):
    response = client.post(ARTICLES, token=tokens["editor"], json={
        "title": "广东力争2025年超高清视频产业收入破万亿元", "kind": "policy",
        "published_on": "2024-01-26", "region": "广东", "byline": "记者 卢梦琪",
        "section": "2024年地方重点工作解读", "body": "本报讯 记者卢梦琪报道。"})
    assert response.status_code == 201
    article = response.json()
    assert isinstance(article["id"], int)
    assert article["title"] == "广东力争2025年超高清视频产业收入破万亿元"
    assert article["kind"] == "policy"
    assert article["region"] == "广东"
    assert article["source"] == "中国电子报"
    assert article["published_on"] == "2024-01-26"
    assert article["page"] is None
    assert article["notice_ids"] == []
    assert "广东力争" in response.text  # Chinese as characters, not \u escapes


def test_public_cannot_create_article(client):
    response = client.post(ARTICLES, json={"title": "标题", "kind": "news",
                                           "published_on": "2024-01-26"})
    assert response.status_code == 401


def test_get_article_returns_it_with_etag(client, tokens):
    created = post_article(client, tokens, title="江西：构建现代化产业体系", kind="news")
    response = client.get(f"{ARTICLES}/{created['id']}")
    assert response.status_code == 200
    assert response.json()["title"] == "江西：构建现代化产业体系"
    assert response.json()["kind"] == "news"
    assert response.headers.get("ETag")


def test_get_article_with_matching_if_none_match_is_304(client, tokens):
    created = post_article(client, tokens)
    etag = client.get(f"{ARTICLES}/{created['id']}").headers["ETag"]
    response = client.get(f"{ARTICLES}/{created['id']}", headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_list_filters_by_kind(client, tokens):
    post_article(client, tokens, title="政策一", kind="policy")
    post_article(client, tokens, title="新闻一", kind="news")
    post_article(client, tokens, title="会议一", kind="meeting")
    assert titles(listed(client, kind="news")) == ["新闻一"]
    assert titles(listed(client, kind="policy")) == ["政策一"]


def test_list_filters_by_region(client, tokens):
    post_article(client, tokens, title="广东文章", region="广东")
    post_article(client, tokens, title="江西文章", region="江西")
    post_article(client, tokens, title="无地区文章")
    assert titles(listed(client, region="江西")) == ["江西文章"]


def test_list_filters_by_date_range_inclusive(client, tokens):
    post_article(client, tokens, title="一月", published_on="2024-01-26")
    post_article(client, tokens, title="二月", published_on="2024-02-05")
    post_article(client, tokens, title="三月", published_on="2024-03-01")
    assert titles(listed(client, **{"from": "2024-02-01"})) == ["三月", "二月"]
    assert titles(listed(client, to="2024-02-05")) == ["一月", "二月"]
    assert titles(listed(client, **{"from": "2024-01-26", "to": "2024-01-26"})) == ["一月"]


def test_from_after_to_is_422_naming_to(client):
    response = client.get(ARTICLES, params={"from": "2024-02-06", "to": "2024-02-05"})
    assert response.status_code == 422
    assert "to" in response.json()["errors"]


def test_invalid_kind_filter_is_422(client):
    response = client.get(ARTICLES, params={"kind": "opinion"})
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_q_finds_substring_in_title_or_body(client, tokens):
    post_article(client, tokens, title="超高清视频", body="4K电视机产量位居全国前列。")
    post_article(client, tokens, title="产业体系", body="江西省工业和信息化工作会议。")
    assert titles(listed(client, q="电视机")) == ["超高清视频"]
    assert titles(listed(client, q="产业体系")) == ["产业体系"]
    assert listed(client, q="不存在的词")["total"] == 0


def test_q_with_two_chinese_characters_finds_the_article(client, tokens):
    post_article(client, tokens, title="广东超高清",
                 body="支持企业加快超高清视频SoC芯片、数据传输芯片的研发。")
    post_article(client, tokens, title="江西产业", body="大力实施技术改造升级行动。")
    page = listed(client, q="芯片")
    assert titles(page) == ["广东超高清"]
    assert page["total"] == 1


def test_q_percent_sign_is_not_a_wildcard(client, tokens):
    post_article(client, tokens, title="增长率", body="同比增长4.9%，高出全国平均。")
    post_article(client, tokens, title="营业收入", body="营业收入4.95万亿元。")
    assert titles(listed(client, q="4.9%")) == ["增长率"]
    assert "营业收入" not in titles(listed(client, q="%"))
    assert "营业收入" not in titles(listed(client, q="4%5"))


def test_q_underscore_is_not_a_wildcard(client, tokens):
    post_article(client, tokens, title="代码", body="字段名为 notice_ids 的列表。")
    post_article(client, tokens, title="英文", body="编号为 noticexids 的列表。")
    assert titles(listed(client, q="notice_ids")) == ["代码"]
    assert "英文" not in titles(listed(client, q="_"))


def test_search_results_carry_a_snippet_around_the_hit(client, tokens):
    body = "前文" * 100 + "核心芯片取得突破" + "后文" * 100
    post_article(client, tokens, title="长文", body=body)
    item = listed(client, q="芯片")["items"][0]
    snippet = item["snippet"]
    assert "芯片" in snippet
    assert len(snippet) < len(body) // 2
    assert snippet.startswith("…") and snippet.endswith("…")


def test_list_returns_pagination_envelope(client, tokens):
    for number in range(3):
        post_article(client, tokens, title=f"文章{number}")
    first = listed(client, page=1, page_size=2)
    assert set(first) >= {"items", "total", "page", "page_size"}
    assert (first["total"], first["page"], first["page_size"]) == (3, 1, 2)
    assert len(first["items"]) == 2
    second = listed(client, page=2, page_size=2)
    assert len(second["items"]) == 1
    seen = {item["id"] for item in first["items"] + second["items"]}
    assert len(seen) == 3


def test_default_page_size_is_20(client, tokens):
    post_article(client, tokens)
    page = listed(client)
    assert (page["page"], page["page_size"]) == (1, 20)


def test_page_size_over_100_is_422(client):
    response = client.get(ARTICLES, params={"page_size": 101})
    assert response.status_code == 422
    assert "page_size" in response.json()["errors"]


def test_patch_with_current_if_match_updates_and_changes_etag(client, tokens):
    created = post_article(client, tokens, title="旧标题", publish=False)
    url = f"{ARTICLES}/{created['id']}"
    etag = client.get(url, token=tokens["editor"]).headers["ETag"]
    response = client.patch(url, json={"title": "新标题"}, token=tokens["editor"],
                            headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json()["title"] == "新标题"
    assert response.headers["ETag"] != etag
    assert client.get(url, token=tokens["editor"]).json()["title"] == "新标题"


def test_patch_with_stale_if_match_is_412_and_changes_nothing(client, tokens):
    created = post_article(client, tokens, title="原标题", publish=False)
    url = f"{ARTICLES}/{created['id']}"
    stale = client.get(url, token=tokens["editor"]).headers["ETag"]
    client.patch(url, json={"title": "第一次修改"}, token=tokens["editor"],
                 headers={"If-Match": stale})
    response = client.patch(url, json={"title": "第二次修改"}, token=tokens["editor"],
                            headers={"If-Match": stale})
    assert response.status_code == 412
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert client.get(url, token=tokens["editor"]).json()["title"] == "第一次修改"


def test_patch_without_if_match_is_200(client, tokens):
    created = post_article(client, tokens, kind="news", publish=False)
    response = client.patch(f"{ARTICLES}/{created['id']}", json={"kind": "policy"},
                            token=tokens["editor"])
    assert response.status_code == 200
    assert response.json()["kind"] == "policy"


def test_patch_records_article_updated_in_audit(client, tokens, db):
    created = post_article(client, tokens, title="旧", publish=False)
    client.patch(f"{ARTICLES}/{created['id']}", json={"title": "新"}, token=tokens["editor"])
    event = AuditEvent.get((AuditEvent.action == "article.updated")
                           & (AuditEvent.entity_id == created["id"]))
    assert event.entity == "article"
    assert "旧" in event.changes and "新" in event.changes


def test_patch_with_invalid_kind_is_422(client, tokens):
    created = post_article(client, tokens)
    response = client.patch(f"{ARTICLES}/{created['id']}", json={"kind": "editorial"},
                            token=tokens["editor"])
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_delete_is_204_then_404_and_audited(client, tokens, db):
    created = post_article(client, tokens, title="将被删除", publish=False)
    url = f"{ARTICLES}/{created['id']}"
    response = client.delete(url, token=tokens["editor"])
    assert response.status_code == 204
    assert response.content == b""
    assert client.get(url, token=tokens["editor"]).status_code == 404
    assert client.delete(url, token=tokens["editor"]).status_code == 404
    events = list(AuditEvent.select().where((AuditEvent.action == "article.deleted")
                                            & (AuditEvent.entity_id == created["id"])))
    assert len(events) == 1
    assert events[0].entity == "article"
    assert events[0].actor.endswith("test editor")


def test_delete_needs_a_token(client, tokens):
    created = post_article(client, tokens, publish=False)
    assert client.delete(f"{ARTICLES}/{created['id']}").status_code == 401
    assert client.get(f"{ARTICLES}/{created['id']}", token=tokens["editor"]).status_code == 200


def test_links_are_visible_from_both_sides(client, tokens):
    first = post_notice(client, tokens["editor"], title="公示一")
    second = post_notice(client, tokens["editor"], title="公示二")
    article = post_article(client, tokens, notice_ids=[second["id"], first["id"]])
    other = post_article(client, tokens, title="另一篇", notice_ids=[first["id"]])
    assert sorted(article["notice_ids"]) == sorted([first["id"], second["id"]])
    staff_view = client.get(f"{ARTICLES}/{article['id']}", token=tokens["editor"]).json()
    assert sorted(staff_view["notice_ids"]) == sorted([first["id"], second["id"]])
    first_notice = client.get(f"/api/v1/notices/{first['id']}", token=tokens["editor"]).json()
    assert sorted(first_notice["article_ids"]) == sorted([article["id"], other["id"]])
    second_notice = client.get(f"/api/v1/notices/{second['id']}", token=tokens["editor"]).json()
    assert second_notice["article_ids"] == [article["id"]]


def test_patch_notice_ids_replaces_the_links(client, tokens):
    first = post_notice(client, tokens["editor"], title="公示一")
    second = post_notice(client, tokens["editor"], title="公示二")
    article = post_article(client, tokens, notice_ids=[first["id"]], publish=False)
    response = client.patch(f"{ARTICLES}/{article['id']}", json={"notice_ids": [second["id"]]},
                            token=tokens["editor"])
    assert response.json()["notice_ids"] == [second["id"]]
    first_notice = client.get(f"/api/v1/notices/{first['id']}", token=tokens["editor"]).json()
    assert first_notice["article_ids"] == []


def test_public_does_not_see_links_to_draft_notices(client, tokens):
    draft = post_notice(client, tokens["editor"], title="草稿公示")
    published = post_notice(client, tokens["editor"], title="已发布公示")
    article = post_article(client, tokens, notice_ids=[draft["id"], published["id"]])
    response = client.post(f"/api/v1/notices/{published['id']}/publish",
                           token=tokens["publisher"], json={"backdated": True})
    assert response.status_code == 200, response.text
    public = client.get(f"{ARTICLES}/{article['id']}").json()
    assert public["notice_ids"] == [published["id"]]
    public_list = listed(client)["items"]
    assert public_list[0]["notice_ids"] == [published["id"]]
    staff = client.get(f"{ARTICLES}/{article['id']}", token=tokens["editor"]).json()
    assert sorted(staff["notice_ids"]) == sorted([draft["id"], published["id"]])


def test_unknown_notice_id_is_422_naming_its_position(client, tokens):
    notice = post_notice(client, tokens["editor"])
    response = client.post(ARTICLES, token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26",
        "notice_ids": [notice["id"], 999_999]})
    assert response.status_code == 422
    assert "notice_ids.1" in response.json()["errors"]
    response = client.post(ARTICLES, token=tokens["editor"], json={
        "title": "标题", "kind": "news", "published_on": "2024-01-26", "notice_ids": [999_999]})
    assert response.status_code == 422
    assert "notice_ids.0" in response.json()["errors"]
    assert listed(client)["total"] == 0


def test_create_with_invalid_kind_is_422(client, tokens):
    response = client.post(ARTICLES, token=tokens["editor"], json={
        "title": "标题", "kind": "opinion", "published_on": "2024-01-26"})
    assert response.status_code == 422
    assert "kind" in response.json()["errors"]


def test_create_without_required_fields_is_422_naming_them(client, tokens):
    response = client.post(ARTICLES, token=tokens["editor"], json={"body": "正文"})
    assert response.status_code == 422
    assert {"title", "kind", "published_on"} <= set(response.json()["errors"])


def test_a_deleted_article_id_is_never_given_out_again(client, tokens):
    first = post_article(client, tokens, publish=False)
    assert client.delete(f"{ARTICLES}/{first['id']}", token=tokens["editor"]).status_code == 204
    second = post_article(client, tokens)
    assert second["id"] > first["id"]


def test_a_long_article_is_published_and_searched_alike_up_to_the_indexed_bound(client, tokens):
    """60,000 characters of varied Chinese: PostgreSQL refused its full vector (over 1 MB: the
    publish answered 503) and SQLite found phrases PostgreSQL could not. Both index the body's
    first 15,000 tokens (about 3,700 characters) and answer alike."""
    rng = random.Random(7)
    filler = "。".join("".join(chr(rng.randrange(0x4E00, 0x5000)) for _ in range(19))
                      for _ in range(3_000))
    article = post_article(client, tokens, title="长篇报告",
                           body="开篇锟斤铐烫烫屯。" + filler + "篇末镕镪锳锴锵。")
    assert article["published_at"]

    def found(q):
        return [item["id"] for item in listed(client, q=q)["items"]]

    assert found("锟斤铐烫烫") == [article["id"]]  # a phrase of 4-grams, early in the body
    assert found("锟斤") == [article["id"]]
    assert found("镕镪锳锴锵") == found("镕镪") == []  # past the indexed bound: on neither database
