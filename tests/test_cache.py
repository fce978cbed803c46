"""The answer cache's memory bound (its freshness is tested through the routes that use it)."""

import sys

from service.infra.cache import ENTRY_OVERHEAD, AnswerCache
from service.infra.db import database


def counting(answer):
    calls = []

    def compute():
        calls.append(answer)
        return answer, None
    return compute, calls


def test_an_answer_larger_than_the_cache_is_not_kept(app):
    compute, calls = counting("大" * 2000)
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=1000)
        assert cache.get("big", compute) == cache.get("big", compute) == "大" * 2000
    assert len(calls) == 2


def test_least_recently_used_answers_go_first_to_stay_within_the_bytes(app):
    # Each answer counts twice its JSON size (the answer and its body), 2 × 202 bytes, and its
    # key and bookkeeping, ENTRY_OVERHEAD + 50: two fit.
    computes = {key: counting(key * 200) for key in "abc"}
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=2 * (2 * 202 + ENTRY_OVERHEAD + sys.getsizeof("a")))
        for key in "abab":
            cache.get(key, computes[key][0])
        cache.get("c", computes["c"][0])  # a was used least recently
        for key in "bca":
            cache.get(key, computes[key][0])
    assert {key: len(calls) for key, (_, calls) in computes.items()} == {"a": 2, "b": 1, "c": 1}


def test_a_route_entry_holds_its_body_only(app):
    compute, calls = counting({"verdict": "clear"})

    def encode(answer):
        return repr(answer).encode()
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=1000)
        assert cache.get("q", compute, encode=encode) == b"{'verdict': 'clear'}"
        assert cache.get("q", compute, encode=encode) == b"{'verdict': 'clear'}"
        assert cache.get("q", compute) == {"verdict": "clear"}  # computed again, and kept
        assert cache.get("q", compute) == {"verdict": "clear"}
        assert cache.get("q", compute, encode=encode) == b"{'verdict': 'clear'}"
    assert len(calls) == 2


def test_a_route_entry_counts_its_body_once(app):
    # Bodies of 300 bytes, each with its key and bookkeeping: three fit (they would not at twice
    # their size).
    computes = {key: counting(key * 300) for key in "abc"}
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=3 * (300 + ENTRY_OVERHEAD + sys.getsizeof("a")) + 100)
        for key in "abcabc":
            cache.get(key, computes[key][0], encode=str.encode)
    assert {key: len(calls) for key, (_, calls) in computes.items()} == {"a": 1, "b": 1, "c": 1}


def test_distinct_queries_count_their_keys_and_bookkeeping(client, app):
    """An entry holds its key and ≈ 350 bytes of bookkeeping besides its answer: counting the
    answers alone, 4 MB of searches that found nothing (a 130-byte body each, under a key of up
    to 200 characters and the filters) held 34 MB in each worker."""
    queries = [f"{'无此词' * 60}{i:04d}" for i in range(20)]
    for q in queries:
        response = client.get("/api/v1/articles", params={"q": q, "region": "广东" * 32})
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 0
    counted = app.extensions["answer_caches"]["articles"]._entries.currsize
    bodies = 20 * len(response.content)
    keys = sum(sys.getsizeof(q) + sys.getsizeof("广东" * 32) for q in queries)
    assert counted >= bodies + keys + 20 * ENTRY_OVERHEAD
