"""Red team: requests whose cost or footprint the client chose, found unbounded and bounded since,
each through real HTTP on both databases."""

import random

import requests

from service.domain import folding
from tests.builders import notice_payload, post_notice
from tests.conftest import serve
from tests.test_articles import listed, post_article
from tests.test_hardening import limited_app
from tests.test_races import ROUNDS, fire


def test_made_up_methods_share_one_metrics_label(client):
    """gunicorn passes any method of 3–20 capitals on to the app: each one must not become a new
    series in /metrics (in every worker's sample file), or a client grows them without end."""
    for method in ("REDTEAMAAA", "REDTEAMBBB", "REDTEAMCCC"):
        assert client.request(method, "/api/v1/names").status_code == 405
    text = client.get("/metrics").text
    assert "REDTEAM" not in text
    assert 'method="other"' in text


def test_a_wide_csv_header_costs_once_not_on_every_row(client, tokens):
    """A header of a million blank cells after `name` made every row as long as the header:
    2,000 short rows took 2,000 × 0.5 s, past the import's time limit (422). Each row now costs
    its own length."""
    notice = post_notice(client, tokens, {"title": "宽表头名单", "category": "test",
                                          "issuer": "测试单位"})
    data = ("name" + "," * 1_000_000 + "\n"
            + "".join(f"宽表头{i}\n" for i in range(2_000))).encode()
    response = client.post(f"/api/v1/notices/{notice['id']}/roster:import",
                           files=[("file", ("roster.csv", data, "text/csv"))],
                           token=tokens["editor"])
    assert response.status_code == 201, response.text
    assert response.json()["imported"] == 2_000


def test_a_value_under_a_blank_header_is_still_refused(client, tokens):
    notice = post_notice(client, tokens, {"title": "空表头名单", "category": "test",
                                          "issuer": "测试单位"})
    data = "name,,organization\n张三,,报社\n李四,多余,报社\n".encode()
    response = client.post(f"/api/v1/notices/{notice['id']}/roster:import",
                           files=[("file", ("roster.csv", data, "text/csv"))],
                           token=tokens["editor"])
    assert response.status_code == 422, response.text
    assert list(response.json()["errors"]) == ["rows.3"]


def test_the_addresses_of_one_ipv6_network_share_one_limit(app, database_url):
    """An IPv6 client picks any address of its /64 for free: counted per address, it was never
    limited (a new address each request). Here behind one proxy, as with deploy/nginx.conf."""
    with serve(limited_app(database_url, TRUSTED_PROXY_HOPS=1)) as client:
        def check(address):
            return client.get("/api/v1/names", params={"q": "张心怡"},
                              headers={"X-Forwarded-For": address}).status_code

        same_network = [check(f"2001:db8:5:6::{i}") for i in range(1, 5)]
        other_network = check("2001:db8:5:7::1")
        mapped = [check("10.1.2.3"), check("::ffff:10.1.2.3"), check("10.1.2.3"),
                  check("::ffff:10.1.2.3")]
    assert same_network == [200, 200, 200, 429]
    assert other_network == 200
    assert mapped == [200, 200, 200, 429]


def test_two_admins_revoking_each_other_at_once_do_not_deadlock(server, tokens):
    """Each revocation locked its target, then (recording it) its caller's token: crossed, on
    PostgreSQL one of the two was a deadlock, answered 503. Now one wins, the other is a 401."""
    admin = tokens["admin"]
    for round_ in range(ROUNDS):
        made = [requests.post(f"{server}/api/v1/tokens", timeout=30,
                              headers={"Authorization": f"Bearer {admin}"},
                              json={"role": "admin", "label": f"互相撤销 {round_} {i}"}).json()
                for i in range(2)]
        first, second = made
        responses = fire(server, ("DELETE", f"/api/v1/tokens/{second['id']}", first["token"], {}),
                         ("DELETE", f"/api/v1/tokens/{first['id']}", second["token"], {}))
        assert sorted(r.status_code for r in responses) == [204, 401], [r.text for r in responses]


def test_name_checks_are_not_kept_by_shared_caches(client, tokens):
    """The /check page says `private`; the API answers holding the same names said nothing, and
    the notice page filtered by a name said `public`, so a caching proxy or CDN could keep who
    was checked under the URL."""
    notice = post_notice(client, tokens, notice_payload(roster=[{"name": "张心怡"}]),
                         publish=True)
    for path in ("/api/v1/names?q=张心怡", "/api/v1/search?q=张心怡",
                 "/api/v1/names?q=张心怡&kind=exact&cursor=0.0.0.0",
                 f"/api/v1/notices/{notice['id']}/roster?q=张心怡"):
        response = client.get(path)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "private"
    page = client.get(f"/notices/{notice['id']}", params={"q": "张心怡"})
    assert page.status_code == 200 and "张心怡" in page.text
    assert page.headers["Cache-Control"].startswith("private")
    assert client.get(f"/notices/{notice['id']}").headers["Cache-Control"].startswith("public")


def test_a_key_given_twice_is_refused_not_the_last_one_kept(client, tokens):
    """{"title": "checked", "title": "stored"}: a proxy or validator reading the first value saw
    another body than the one the service stored (it kept the last)."""
    body = ('{"title": "审核过的标题", "title": "另一个标题", "category": "test", '
            '"issuer": "测试单位"}').encode()
    response = client.post("/api/v1/notices", data=body, token=tokens["editor"],
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert "'title' appears more than once" in response.json()["detail"]
    listed = client.get("/api/v1/notices", params={"status": "draft"}, token=tokens["editor"])
    assert listed.json()["total"] == 0


def test_a_long_run_of_chinese_is_indexed_in_every_lane(client, tokens):
    """A run of CJK characters without punctuation gives its 2-grams first, then its 3- and
    4-grams and single characters: cut at 15,000 tokens, a 10,000-character run kept only 2- and
    3-grams, so no query of one character or of four and more found it, even at its start."""
    rng = random.Random(11)
    run = "".join(chr(rng.randrange(0x4E00, 0x9FA5)) for _ in range(10_000))
    article = post_article(client, tokens, title="无标点长文", body=run)

    def found(q):
        return article["id"] in [item["id"] for item in listed(client, q=q)["items"]]

    assert found(run[:2]) and found(run[:4]) and found(run[:9]) and found(run[0])
    assert found(run[3_000:3_006])  # within the run's first 3,750 characters
    assert not found(run[-6:])  # past the bound: on neither database


def test_long_names_checked_are_not_kept_in_the_pinyin_caches(client):
    """A name check reads its query in pinyin, and the readings are remembered per worker, up to
    65,536 texts: distinct 64-character queries (polyphonic characters, 9 readings each) kept
    ≈ 3.7 kB apiece, ≈ 240 MB per worker for the asking. Only names of up to 4 characters, the
    ones that repeat, are kept now."""
    folding.variant_pinyin_keys.cache_clear()
    folding._romanize.cache_clear()
    for i in range(10):
        long_name = "和单" * 31 + chr(0x4E00 + i) + "和"
        response = client.get("/api/v1/names", params={"q": long_name})
        assert response.status_code == 200, response.text
        assert response.json()["verdict"] == "not_found"
    assert folding.variant_pinyin_keys.cache_info().currsize == 0
    # 和 and its readings (he, huo, …): the same few whatever the number of queries.
    assert folding._romanize.cache_info().currsize <= 1 + len(folding._readings("和"))
    assert client.get("/api/v1/names", params={"q": "张心怡"}).status_code == 200
    assert folding.variant_pinyin_keys.cache_info().currsize == 1


def test_a_unified_search_of_spaces_counts_against_the_public_limit(app, database_url):
    """The search limit counts a non-empty `q` (spaces stripped), and the unified search had no
    other: `?q=%20` (which lists up to 50 notices, each "mentioning" nothing) was never refused,
    however often a client asked."""
    with serve(limited_app(database_url)) as client:
        statuses = [client.get("/api/v1/search", params={"q": q, "limit": 50}).status_code
                    for q in (" ", "\u3000", " ", " ")]
    assert statuses == [200, 200, 200, 429]
