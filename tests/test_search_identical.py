"""Article search answers the same on SQLite and PostgreSQL: on each database, the answers to a
fixed set of queries equal one reference computed in Python from the texts alone (matches, total,
total_relation, facets, and the ranking on every page), with the total bounded and unbounded."""

import re
import unicodedata

import pytest

from service.domain import articles
from tests.builders import publish_article

ARTICLES = [  # (title, kind, region, published_on, body)
    ("集成电路产业发展大会召开", "meeting", "北京", "2024-03-01",
     "会议指出，集成电路是信息产业的核心。"),
    ("广东印发超高清视频产业行动计划", "policy", "广东", "2023-11-20",
     "到2025年，超高清视频产业规模超过1万亿元，4K/8K终端普及。"),
    ("5G基站建设提速", "news", "江苏", "2024-05-05",
     "今年以来新建5G基站超过3万个，IPv6规模部署加快。"),
    ("工业互联网赋能制造业转型升级", "news", None, "2022-07-15",
     "工业互联网平台连接设备数量持续增长，集成电路企业加快数字化改造。"),
    ("数据安全管理办法出台", "policy", "湖北", "2024-01-09",
     "办法明确数据安全责任，推动产业高质量发展。"),
    ("新型显示产业发展报告", "news", "安徽", "2023-06-30",
     "新型显示、集成电路、超高清视频三大产业协同发展。AVS3标准加快应用。"),
    ("芯片设计企业座谈会", "meeting", "上海", "2024-03-01",
     "座谈会上，EDA工具和SoC芯片成为热点。"),
    ("电子信息制造业运行情况", "news", "北京", "2021-12-31",
     "电子信息制造业增加值同比增长，集成电路产量增长。"),
    ("集成电路人才培养计划", "policy", "江苏", "2024-08-18", "高校与企业联合培养集成电路人才。"),
    ("超高清视频应用场景发布", "news", "广东", "2024-02-02",
     "超高清视频在医疗、教育等领域形成应用场景。"),
    ("产业发展", "news", "湖北", "2020-01-01", "产业。发展。"),
    ("一季度软件业务收入增长", "news", None, "2024-04-20",
     "软件和信息技术服务业收入增长，集成电路设计收入增长。"),
    # A phrase found only once the text is normalized (⾦, a Kangxi radical, is 金), and an article
    # holding each of the phrase's tokens but not the phrase.
    ("金融科技座谈会", "meeting", "北京", "2024-06-01", "\u2fa6融科技创新成为会议焦点。"),
    ("金融服务报告", "news", "上海", "2024-06-02", "金融科技。融科技创。科技创新。"),
]

QUERIES = [
    "集", "芯片", "产业", "发展", "集成", "超高清", "集成电路", "超高清视频", "超高清视频产业",
    "产业发展", "产业 发展", "集成电路 江苏", "信息产业的核心", "视频产业", "5G", "5g基站", "AVS3",
    "ipv6", "EDA", "4K", "8K终端", "会议", "增长", "制造业", "座谈会", "电路人才", "产业。发展",
    "不存在的词", "🎉", "业发展报", "超高清视频在医疗",
    "金融科技创新", "超高清视频产业规模超过", "集成电路产业发展大会", "超高清视频 4k",
    "发展报告 安徽", "新型显示产业发展报告",
]

CJK_OR_LATIN = re.compile("[\u4e00-\u9fff]+|[a-z0-9]+")


def normalized(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def contains(text: str, part: str) -> bool:
    text = normalized(text)
    if part.isascii():  # Latin words and numbers match whole
        return re.search(rf"(?<![a-z0-9]){re.escape(part)}(?![a-z0-9])", text) is not None
    return part in text


# Filters beside q (kind, region, dates): the matches are read differently with one.
FILTERS = [{}, {"kind": "news"}, {"region": "江苏"}, {"from": "2024-01-01", "to": "2024-06-30"}]


def passes(row: tuple, filters: dict) -> bool:
    _, kind, region, published_on, _ = row
    return (filters.get("kind", kind) == kind and filters.get("region", region) == region
            and filters.get("from", published_on) <= published_on <= filters.get("to",
                                                                                 published_on))


def reference(q: str, ids: list[int], bound: int, page: int, page_size: int,
              filters: dict) -> dict:
    """The answer from the texts alone: every part of the query in the title or the body."""
    parts = CJK_OR_LATIN.findall(normalized(q))
    found = [(article_id, row) for article_id, row in zip(ids, ARTICLES, strict=True) if parts
             and all(contains(row[0], p) or contains(row[4], p) for p in parts)
             and passes(row, filters)]
    counted = sorted(found, reverse=True)[:bound]  # the highest ids
    ranked = sorted(found, key=lambda f: (not all(contains(f[1][0], p) for p in parts),
                                          "".join(chr(0x10FFFF - ord(c)) for c in f[1][3]),
                                          -f[0]))
    start = (page - 1) * page_size
    facets = {"kind": {}, "region": {}, "year": {}}
    for _, (_, kind, region, published_on, _) in counted:
        for name, value in (("kind", kind), ("region", region), ("year", published_on[:4])):
            if value is not None:
                facets[name][value] = facets[name].get(value, 0) + 1
    return {"ids": [f[0] for f in ranked[start:start + page_size]], "total": len(counted),
            "total_relation": "gte" if len(found) > bound else "eq",
            "facets": {**{name: dict(sorted(counts.items())) for name, counts in facets.items()},
                       # every article is the editor's organisation's, the seed's (id 1)
                       "organization": [{"id": 1, "name": "中国电子报", "count": len(counted)}]
                       if counted else []}}


@pytest.mark.parametrize("bound", [3, articles.TOTAL_BOUND])
def test_article_search_answers_equal_the_reference(client, tokens, monkeypatch, bound):
    monkeypatch.setattr(articles, "TOTAL_BOUND", bound)
    ids = []
    for title, kind, region, published_on, body in ARTICLES:
        response = client.post("/api/v1/articles", token=tokens["editor"], json={
            "title": title, "kind": kind, "region": region, "published_on": published_on,
            "body": body})
        assert response.status_code == 201, response.text
        ids.append(publish_article(client, tokens, response.json()["id"])["id"])

    mismatches = []
    for q in QUERIES:
        for filters in FILTERS:
            for page in (1, 2, 3):
                response = client.get("/api/v1/articles", params={
                    "q": q, "page": page, "page_size": 2, **filters})
                assert response.status_code == 200, response.text
                body = response.json()
                got = {"ids": [item["id"] for item in body["items"]], "total": body["total"],
                       "total_relation": body["total_relation"], "facets": body["facets"]}
                expected = reference(q, ids, bound, page, 2, filters)
                if got != expected:
                    mismatches.append((q, filters, page, got, expected))
    assert mismatches == []
