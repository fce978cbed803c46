"""Public answers (name checks, article searches) kept per process until the data changes.

Every write counts up the one-row data version inside its transaction (audit.record does it, so
no write is missed); a cache serves an answer only while the version it was computed under is
still the committed one. Each request therefore costs one primary-key read instead of the
search, and a publish, withdrawal or correction is visible to the next request in every process."""

import json
import sys
import threading
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from cachetools import LRUCache
from flask import Flask, current_app

from service.infra.clock import utcnow
from service.infra.db import database

# Plain SQL: these run on every cached request and every write, and peewee's query builder would
# cost more than the statements.
_READ_VERSION = "SELECT version FROM data_version WHERE id = 1"
_BUMP_VERSION = "UPDATE data_version SET version = version + 1 WHERE id = 1"
NOTICE_BRIEFS_KEPT = 4096
# What an entry holds besides its answer: its key (a query and its filters) and the bookkeeping
# (the entry, its times, the LRU's three dictionaries), ≈ 350 bytes measured. Counted, so that the
# bytes bound what is held: counting answers alone, 4 MB of small answers to distinct queries (a
# name not found, an article search finding nothing) held 17–34 MB.
ENTRY_OVERHEAD = 350


def key_size(key: Hashable) -> int:
    """Bytes an entry filed under `key` holds besides its answer."""
    parts = key if isinstance(key, tuple) else (key,)
    return ENTRY_OVERHEAD + sum(sys.getsizeof(part) for part in parts)


def bump_data_version() -> None:
    """Call inside a write's transaction: caches drop their answers once it commits."""
    database.execute_sql(_BUMP_VERSION)


# The version an answer is being computed under (set by AnswerCache.get around compute()), so
# that what the computation keeps in a VersionedMemo is filed under it without reading it again.
_computing_under: ContextVar[int | None] = ContextVar("computing_under", default=None)


def data_version() -> int:
    return database.execute_sql(_READ_VERSION).fetchone()[0]


class _Entry:
    __slots__ = ("answer", "valid_from", "valid_until", "encoded", "size")

    def __init__(self, answer, valid_from: datetime, valid_until: datetime | None,
                 encode: Callable[[Any], bytes] | None):
        self.valid_from, self.valid_until = valid_from, valid_until
        # A route's entry keeps only the body: the answer's tree of objects took more memory than
        # the body did (and routes never read it again).
        self.answer = None if encode else answer
        self.encoded = encode(answer) if encode else None
        # What it may come to hold: a route's entry its body; another the answer, and its body
        # once a route asks for it, each about the size of the body (a page of 100 articles with
        # long bodies is megabytes).
        self.size = (len(self.encoded) if encode else
                     2 * len(json.dumps(answer, ensure_ascii=False, default=str).encode()))

    def holds_at(self, now: datetime) -> bool:
        return self.valid_from <= now and (self.valid_until is None or now < self.valid_until)


class AnswerCache:
    """An LRU of answers bounded in bytes, emptied whenever the data version moves on."""

    def __init__(self, max_bytes: int):
        self._entries: LRUCache | None = (
            LRUCache(max_bytes, getsizeof=lambda entry: entry.size) if max_bytes > 0 else None)
        self._version: int | None = None
        self._lock = threading.Lock()

    def get(self, key: Hashable | None, compute: Callable[[], tuple[Any, datetime | None]],
            now: datetime | None = None, *, encode: Callable[[Any], bytes] | None = None) -> Any:
        """The answer for `key` at `now`; on a miss `compute()` returns (answer, valid_until):
        the answer holds from `now` until `valid_until` (None: until the data changes). A None
        key is never cached.

        With `encode` (a route's JSON body; the same function for every caller that passes one),
        the answer's encoding instead, made once per cached answer: for large answers encoding
        cost more than everything else a cache hit does.

        Answers are shared between threads: callers must not modify them."""
        now = now or utcnow()
        if self._entries is None or key is None:
            return self._result(_Entry(compute()[0], now, None, encode), encode)
        # Read before computing: an answer computed while a write commits is filed under the
        # older version, so it can never outlive that write.
        version = data_version()
        with self._lock:
            if version != self._version:
                self._entries.clear()
                self._version = version
            entry = self._entries.get(key)
        # An entry a route made holds no answer: a caller that wants the answer computes it.
        if entry is None or not entry.holds_at(now) or (encode is None and entry.answer is None):
            token = _computing_under.set(version)
            try:
                answer, valid_until = compute()
            finally:
                _computing_under.reset(token)
            entry = _Entry(answer, now, valid_until, encode)
            entry.size += key_size(key)
            with self._lock:
                if self._version == version and entry.size <= self._entries.maxsize:
                    self._entries[key] = entry
        return self._result(entry, encode)

    @staticmethod
    def _result(entry: _Entry, encode: Callable[[Any], bytes] | None) -> Any:
        if encode is None:
            return entry.answer
        if entry.encoded is None:  # two threads may both encode: the same bytes either way
            entry.encoded = encode(entry.answer)
        return entry.encoded


class VersionedMemo:
    """Values derived from the data by key (a notice's public presentation, say), kept per
    process while the data version stays the same: at most `max_items`, least recently used
    first out. Read-only requests only: a value is filed under the version read before it was
    loaded, so a write committed meanwhile empties the memo at the next request."""

    def __init__(self, max_items: int):
        self._items: LRUCache | None = LRUCache(max_items) if max_items > 0 else None
        self._version: int | None = None
        self._lock = threading.Lock()

    def get_many(self, keys, load: Callable[[list], dict]) -> dict:
        """{key: value} for each of `keys`; `load(missing keys)` returns the values not kept."""
        if self._items is None:
            return load(list(keys))
        version = _computing_under.get()
        version = data_version() if version is None else version
        with self._lock:
            if version != self._version:
                self._items.clear()
                self._version = version
            found = {key: self._items[key] for key in keys if key in self._items}
        missing = [key for key in keys if key not in found]
        if missing:
            loaded = load(missing)
            with self._lock:
                if self._version == version:
                    self._items.update(loaded)
            found |= loaded
        return found


def init_app(app: Flask) -> None:
    """One cache per kind of answer, per app (tests run many apps on many databases)."""
    app.extensions["answer_caches"] = {
        "names": AnswerCache(app.config["NAME_CHECK_CACHE_MB"] * 1024 * 1024),
        "articles": AnswerCache(app.config["ARTICLE_SEARCH_CACHE_MB"] * 1024 * 1024),
    }
    app.extensions["versioned_memos"] = {
        # What a name-check match shows of its notice: ≈ 1 kB each.
        "notice_briefs": VersionedMemo(NOTICE_BRIEFS_KEPT),
    }


def answer_cache(kind: str) -> AnswerCache:
    return current_app.extensions["answer_caches"][kind]


def versioned_memo(kind: str) -> VersionedMemo:
    return current_app.extensions["versioned_memos"][kind]
