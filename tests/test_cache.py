"""The answer cache's memory bound (its freshness is tested through the routes that use it)."""

from service.infra.cache import AnswerCache
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
    # Each answer counts twice its JSON size (the answer and its body): 2 × 202 bytes; two fit.
    computes = {key: counting(key * 200) for key in "abc"}
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=1000)
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
    # Bodies of 300 bytes: three fit in 1,000 bytes (they would not at twice their size).
    computes = {key: counting(key * 300) for key in "abc"}
    with app.app_context(), database.connection_context():
        cache = AnswerCache(max_bytes=1000)
        for key in "abcabc":
            cache.get(key, computes[key][0], encode=str.encode)
    assert {key: len(calls) for key, (_, calls) in computes.items()} == {"a": 1, "b": 1, "c": 1}
