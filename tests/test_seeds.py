"""The seed page of 中国电子报 (2024-01-26), as the API shows it after `seed`."""

import json

import pytest

from seeds import loader

NOTICE_TITLE = "《中国电子报》通过2023年度新闻记者证核验人员名单公示"
ROSTER = ["刘东", "胡春民", "连晓东", "诸玲珍", "张心怡", "徐恒", "吴丽琳", "李玉峰", "邱江勇",
          "王伟", "赵晨", "赵旭", "卢梦琪", "宋倩", "谷月", "沈丛", "许子皓", "姬晓婷", "杨鹏岳",
          "张维佳", "史晨", "刘晶"]
SENTENCE_ENDINGS = tuple("。！？…”’」』）)")
SENTENCE_PUNCTUATION = set("，。；：、！？")


@pytest.fixture
def seeded(runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output


def seed_notice(client):
    items = client.get("/api/v1/notices").json()["items"]
    [notice] = [item for item in items if item["title"] == NOTICE_TITLE]
    return notice


def seed_articles(client):
    body = client.get("/api/v1/articles", params={"page_size": 100}).json()
    return {article["kind"]: article for article in body["items"]}


def test_seed_notice_is_public_and_closed(seeded, client):
    notice = seed_notice(client)
    assert notice["status"] == "closed"
    assert notice["issuer"] == "中国电子报"
    assert notice["issued_on"] == "2024-01-26"
    assert notice["category"] == "press_credential_verification"
    assert notice["roster_size"] == 22
    assert notice["published_at"] is not None
    assert notice["withdrawn_at"] is None


def test_seed_notice_window(seeded, client):
    window = seed_notice(client)["window"]
    assert window["start"] == "2024-01-26"
    assert window["end"] == "2024-02-05"
    assert window["timezone"] == "Asia/Shanghai"
    assert window["opens_at"] == "2024-01-26T00:00:00+08:00"
    assert window["closes_at"] == "2024-02-06T00:00:00+08:00"
    # Mon 29 Jan – Fri 2 Feb, Fri 26 Jan, Sun 4 Feb (a make-up workday) and Mon 5 Feb.
    assert window["working_days"] == 8


def test_seed_notice_contacts(seeded, client):
    contacts = seed_notice(client)["contacts"]
    assert contacts == [
        {"number": "010-83138953", "label": "举报电话", "e164": "+861083138953"},
        {"number": "010-64081702", "label": "举报电话", "e164": "+861064081702"},
    ]


def test_seed_roster_is_in_printed_order(seeded, client):
    notice = seed_notice(client)
    body = client.get(f"/api/v1/notices/{notice['id']}/roster",
                      params={"page_size": 100}).json()
    assert body["total"] == 22
    names = [entry["name"] for entry in body["items"]]
    assert names == ROSTER
    assert names[0] == "刘东" and names[4] == "张心怡" and names[21] == "刘晶"
    assert [entry["position"] for entry in body["items"]] == list(range(1, 23))


def test_seed_has_three_articles_of_each_kind(seeded, client):
    articles = seed_articles(client)
    assert sorted(articles) == ["meeting", "news", "policy"]
    assert articles["policy"]["title"] == "广东力争2025年超高清视频产业收入破万亿元"
    assert articles["policy"]["region"] == "广东"
    assert articles["news"]["title"] == "江西：构建体现特色和优势的现代化产业体系"
    assert articles["news"]["region"] == "江西"
    assert articles["meeting"]["title"] == "工业和信息化部召开会议部署全面从严治党工作"
    for article in articles.values():
        assert article["source"] == "中国电子报"
        assert article["published_on"] == "2024-01-26"


def test_seed_articles_and_notice_are_linked_both_ways(seeded, client):
    notice = seed_notice(client)
    articles = seed_articles(client)
    assert sorted(notice["article_ids"]) == sorted(a["id"] for a in articles.values())
    for article in articles.values():
        assert article["notice_ids"] == [notice["id"]]


def test_seed_meeting_article_continues_from_page_one(seeded, client):
    articles = seed_articles(client)
    assert articles["meeting"]["page"] == "上接第1版"
    assert articles["policy"]["page"] is None


def test_seed_article_bodies_have_no_markdown(seeded, client):
    for article in seed_articles(client).values():
        assert "*" not in article["body"], article["title"]
        assert "#" not in article["body"], article["title"]
        assert "*" not in article["title"] and "#" not in article["title"]


def test_seed_article_paragraphs_do_not_end_mid_sentence(seeded, client):
    """A paragraph ends a sentence, or is a short sub-heading with no sentence punctuation in it
    (a line broken by the page layout would end mid-sentence after commas)."""
    for article in seed_articles(client).values():
        paragraphs = [p.strip() for p in article["body"].split("\n") if p.strip()]
        assert paragraphs, article["title"]
        for paragraph in paragraphs:
            is_heading = len(paragraph) <= 30 and not SENTENCE_PUNCTUATION & set(paragraph)
            assert paragraph.endswith(SENTENCE_ENDINGS) or is_heading, paragraph[-40:]
        assert paragraphs[-1].endswith(SENTENCE_ENDINGS), article["title"]


def test_seed_name_check_finds_a_roster_name(seeded, client):
    body = client.get("/api/v1/names", params={"q": "张心怡"}).json()
    [match] = body["matches"]
    assert match["match"] == "exact"
    assert match["notice"]["title"] == NOTICE_TITLE
    assert match["notice"]["status"] == "closed"


def test_seed_reads_numbers_and_dateless_windows_as_the_settings_say(app, runner, client,
                                                                    tmp_path, monkeypatch):
    record = {"title": "香港公示", "category": "press_credential_verification",
              "issuer": "某报", "issued_on": "2024-01-26", "body": "",
              "window": {"start": "2024-01-26", "end": "2024-02-05"},
              "contacts": [{"number": "2123 4567", "label": "举报电话"}],
              "roster": [{"name": "张心怡"}], "article_titles": [], "publish": True}
    (tmp_path / "notices.json").write_text(json.dumps([record]), encoding="utf-8")
    (tmp_path / "articles.json").write_text("[]", encoding="utf-8")
    monkeypatch.setattr(loader, "DATA", tmp_path)
    app.config.update(PHONE_REGION="HK", NOTICE_TIMEZONE="Europe/Berlin")

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 0, result.output
    [notice] = client.get("/api/v1/notices").json()["items"]
    assert notice["window"]["timezone"] == "Europe/Berlin"
    assert notice["window"]["opens_at"] == "2024-01-26T00:00:00+01:00"
    assert notice["contacts"][0]["e164"] == "+85221234567"


def test_seed_page_numbers_are_not_numbers_of_another_region(app, runner, client):
    app.config.update(PHONE_REGION="HK")

    result = runner.invoke(args=["seed"])

    assert result.exit_code == 1
    assert "contacts.0.number" in result.output and "region HK" in result.output
    assert client.get("/api/v1/notices").json()["items"] == []
    assert client.get("/api/v1/articles").json()["items"] == []
