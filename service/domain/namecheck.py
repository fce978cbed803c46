"""The public name check: is this name on a published roster, exactly, as a variant, or by sound?"""

from collections import defaultdict
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from peewee import Case, fn

from service.domain.errors import Invalid
from service.domain.folding import name_keys, pinyin_keys, query_pinyin_key, variant_key
from service.domain.models import Contact, Notice, RosterEntry, RosterPinyin
from service.domain.presentation import contact_dict, credential_last4, window_dict
from service.domain.status import STATUS_ORDER, public_roster_condition, status_of, status_rank
from service.infra.cache import answer_cache, versioned_memo
from service.infra.db import Prepared

MATCH_ORDER = ("exact", "variant", "pinyin")
# Matches of each kind in one answer; the rest of a kind follow page by page (`next`).
MATCHES_PER_PAGE = 20
URL = "/api/v1/names"
WITHDRAWN_RANK = STATUS_ORDER.index("withdrawn")


def check_name(query: str, now: datetime, *, kind: str | None = None, cursor: str | None = None,
               encode=None) -> dict:
    """Matches of `query` on public rosters: each entry once, with its strongest match (the kinds
    are disjoint), open notices first; the first MATCHES_PER_PAGE of each kind, each kind's
    `total`, and a `next` cursor for a kind that has more. With `kind` and `cursor` (one taken
    from `next`): that kind's following page only.

    Answers are cached until the data changes or a matched notice opens or closes; `encode`
    as in AnswerCache.get. Invalid when the query is not a possible name (or the cursor not one
    this function gave)."""
    after = _decode(cursor) if kind else None
    key = query if kind is None else (query, kind, after)
    return answer_cache("names").get(key, lambda: _check_name(query, now, kind, after), now,
                                     encode=encode)


def _check_name(query: str, now: datetime, paged: str | None,
                after: tuple | None) -> tuple[dict, datetime | None]:
    # The query is folded here, once: every condition below takes its keys.
    _, exact, variant = name_keys(query)
    typed_pinyin = query_pinyin_key(query)
    readings = sorted({typed_pinyin} if typed_pinyin else pinyin_keys(query)) or [""]
    keys = {"exact": {"exact": exact, "variant": variant},
            "variant": {"exact": exact, "variant": variant},
            "pinyin": {"variant": variant} | {f"reading{i}": key for i, key in enumerate(readings)}}
    rows, totals, next_links, best_rank, next_change = [], {}, {}, {}, None
    for kind in MATCH_ORDER:
        shape = (kind, len(readings) if kind == "pinyin" else 0)
        page = []
        if paged is None or kind == paged:
            cursor = (dict(zip(("after_rank", "after_notice", "after_position", "after_entry"),
                               after, strict=True)) if kind == paged else {})
            page = _PAGE.rows((*shape, bool(cursor)), now=now, **keys[kind], **cursor)
        if paged is None and len(page) <= MATCHES_PER_PAGE:
            totals[kind] = len(page)
            best_rank[kind] = min((row[-1] for row in page), default=None)
        else:
            totals[kind], best_rank[kind], upcoming = _SUMMARY.rows(shape, now=now, **keys[kind])[0]
            if page and upcoming is not None:
                # Left-out matches can move in when their notice opens or closes.
                next_change = _earliest(next_change, Notice.opens_at.python_value(upcoming))
        next_links[kind] = (_link(query, kind, page[MATCHES_PER_PAGE - 1])
                            if len(page) > MATCHES_PER_PAGE else None)
        rows += [(kind, row) for row in page[:MATCHES_PER_PAGE]]
    shown = notice_briefs({row[5] for _, row in rows})
    matches = [
        {"name": name, "match": kind, "entry_id": entry_id, "organization": organization,
         "credential_last4": credential_last4(credential_no),
         "notice": {**shown[notice_id][1], "status": status_of(shown[notice_id][0], now)}}
        for kind, (entry_id, name, organization, credential_no, _, notice_id, _) in rows
    ]
    answer = {"query": query, "normalized": variant, "verdict": _verdict(best_rank, totals),
              "matches": matches, "totals": totals, "next": next_links}
    # Statuses hold until the next time one of the shown notices opens or closes.
    for notice, _ in shown.values():
        for instant in (notice.opens_at, notice.closes_at):
            if instant and instant > now:
                next_change = _earliest(next_change, instant)
    return answer, next_change


def _matching(kind: str, values: dict):
    """SQL: the public roster entries that match as `kind` (the kinds are disjoint, so that each
    entry is counted and paged once, under its strongest match). The first two go through the
    variant key's index: an exact match is a variant match too."""
    same_variant = RosterEntry.variant_key == values["variant"]
    if kind == "exact":
        condition = same_variant & (RosterEntry.exact_key == values["exact"])
    elif kind == "variant":
        condition = same_variant & (RosterEntry.exact_key != values["exact"])
    else:
        entries = _pinyin_entries(values)
        condition = ((RosterEntry.variant_key != values["variant"])
                     & RosterEntry.id.in_(entries.select_from(entries.c.entry_id)))
    return condition & public_roster_condition()


def _pinyin_entries(values: dict):
    """SQL: the entries with one of the readings, read first through the key's index. As a plain
    subquery PostgreSQL sometimes walked every entry in notice order instead, waiting for 21
    matches (wangzixuan: 100 ms and more; with window aggregates 1.4 s)."""
    readings = [value for key, value in sorted(values.items()) if key.startswith("reading")]
    return (RosterPinyin.select(RosterPinyin.entry).where(RosterPinyin.key.in_(readings))
            .cte("pinyin_entries", materialized=True))


def _with_readings(query, kind: str, values: dict):
    return query.with_cte(_pinyin_entries(values)) if kind == "pinyin" else query


def _build_page(shape: tuple, *, now: datetime, **values):
    """One more than a page of (entry id, name, organization, credential number, position,
    notice id, status rank) tuples, in the answer's order, after the cursor's row if any."""
    kind, _, has_cursor = shape
    rank = status_rank(now)
    condition = _matching(kind, values)
    if has_cursor:
        after_rank, notice_id = values["after_rank"], values["after_notice"]
        position, entry_id = values["after_position"], values["after_entry"]
        condition &= ((rank > after_rank)
                      | ((rank == after_rank) & (
                          (Notice.id < notice_id)
                          | ((Notice.id == notice_id) & (
                              (RosterEntry.position > position)
                              | ((RosterEntry.position == position)
                                 & (RosterEntry.id > entry_id)))))))
    return _with_readings(
        RosterEntry.select(RosterEntry.id, RosterEntry.name, RosterEntry.organization,
                           RosterEntry.credential_no, RosterEntry.position, Notice.id, rank)
        .join(Notice).where(condition)
        .order_by(rank, Notice.id.desc(), RosterEntry.position, RosterEntry.id)
        .limit(MATCHES_PER_PAGE + 1), kind, values)


def _build_summary(shape: tuple, *, now: datetime, **values):
    """(count, best status rank, next opening or closing after `now`) of the matching entries."""
    upcoming = Case(None, [(Notice.opens_at > now, Notice.opens_at),
                           (Notice.closes_at > now, Notice.closes_at)], None)
    return _with_readings(
        RosterEntry.select(fn.COUNT(RosterEntry.id), fn.MIN(status_rank(now)), fn.MIN(upcoming))
        .join(Notice).where(_matching(shape[0], values)), shape[0], values)


# Built by peewee once per shape: building the status CASE cost more than running the query.
_PAGE = Prepared(_build_page)
_SUMMARY = Prepared(_build_summary)


def _verdict(best_rank: dict, totals: dict) -> str:
    """The answer in one word: `listed` (the name itself, exactly or as a variant, on a roster
    that was not withdrawn), `withdrawn_only` (the name itself, but only on withdrawn rosters),
    `similar_only` (only names that sound the same) or `not_found`; from each kind's total and
    best status rank (withdrawn notices rank after every live one)."""
    same_name = [best_rank[kind] for kind in ("exact", "variant") if totals[kind]]
    if any(best < WITHDRAWN_RANK for best in same_name):
        return "listed"
    if same_name:
        return "withdrawn_only"
    return "similar_only" if totals["pinyin"] else "not_found"


class _Timeline(NamedTuple):
    """What a notice's status and window are computed from (status_of, window_of take it)."""

    timezone: str
    opens_at: datetime | None
    closes_at: datetime | None
    published_at: datetime | None
    withdrawn_at: datetime | None


def notice_briefs(ids) -> dict[int, tuple[_Timeline, dict]]:
    """What a match shows of each notice (all but its status, which moves with the clock), with
    what its status is computed from; kept per process until the data changes, so a notice on
    many answers' rosters is read and presented once."""
    return versioned_memo("notice_briefs").get_many(ids, _load_briefs)


def _load_briefs(ids: list[int]) -> dict[int, tuple[_Timeline, dict]]:
    values = {f"id{i}": notice_id for i, notice_id in enumerate(ids)}
    contacts = defaultdict(list)
    for notice_id, *contact in _CONTACTS.rows(len(ids), **values):
        contacts[notice_id].append(contact_dict(_Contact(*contact)))
    briefs = {}
    for notice_id, title, issuer, timezone, *instants, reason in _NOTICES.rows(len(ids), **values):
        timeline = _Timeline(timezone, *(Notice.opens_at.python_value(instant)
                                         for instant in instants))
        briefs[notice_id] = (timeline, {
            "id": notice_id, "title": title, "issuer": issuer, "window": window_dict(timeline),
            "contacts": contacts[notice_id], "withdrawal_reason": reason})
    return briefs


class _Contact(NamedTuple):
    number: str
    label: str
    e164: str


def _build_notices(count: int, **ids):
    return (Notice.select(Notice.id, Notice.title, Notice.issuer, Notice.timezone,
                          Notice.opens_at, Notice.closes_at, Notice.published_at,
                          Notice.withdrawn_at, Notice.withdrawal_reason)
            .where(Notice.id.in_([ids[f"id{i}"] for i in range(count)])))


def _build_contacts(count: int, **ids):
    return (Contact.select(Contact.notice, Contact.number, Contact.label, Contact.e164)
            .where(Contact.notice.in_([ids[f"id{i}"] for i in range(count)]))
            .order_by(Contact.notice, Contact.position))


_NOTICES = Prepared(_build_notices)
_CONTACTS = Prepared(_build_contacts)


def _link(query: str, kind: str, row: tuple) -> str:
    """The next page of `kind`: the URL of the rows after `row`."""
    *_, position, notice_id, rank = row
    cursor = f"{rank}.{notice_id}.{position}.{row[0]}"
    return f"{URL}?{urlencode({'q': query, 'kind': kind, 'cursor': cursor})}"


def _decode(cursor: str | None) -> tuple[int, int, int, int]:
    parts = (cursor or "").split(".")
    if len(parts) != 4 or not all(part.isascii() and part.isdigit() and len(part) <= 18
                                  for part in parts):
        raise Invalid("cursor", "invalid", "not a cursor this service gave (take it from `next`)")
    return tuple(int(part) for part in parts)


def roster_filter(text: str):
    """SQL: the roster entries whose name holds `text`, for the roster's filter box on the notice
    page and in the API alike. Folded like the check (張心 finds 张心怡, full-width letters find
    ASCII, any middle dot finds ·); text typed in pinyin also finds names that read so (zhang
    finds 张心怡). Invalid when `text` is not a possible name."""
    condition = RosterEntry.variant_key.contains(variant_key(text))
    typed_pinyin = query_pinyin_key(text)
    if typed_pinyin:
        # Correlated on the entry, the key's prefix: one index probe per entry of the roster.
        condition |= fn.EXISTS(RosterPinyin.select(RosterPinyin.key).where(
            (RosterPinyin.entry == RosterEntry.id) & RosterPinyin.key.contains(typed_pinyin)))
    return condition


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    return min((t for t in (first, second) if t is not None), default=None)
