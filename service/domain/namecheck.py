"""The public name check: is this name on a published roster, exactly, as a variant, or by sound?"""

from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlencode

from peewee import JOIN, SQL, Case, Select, Table, fn

from service.domain.errors import Invalid
from service.domain.folding import name_keys, query_pinyin_key, variant_key, variant_pinyin_keys
from service.domain.models import Contact, Notice, RosterEntry, RosterPinyin
from service.domain.presentation import contact_dict, credential_last4, window_dict
from service.domain.status import STATUS_ORDER, public_roster_condition, status_of, status_rank
from service.infra.cache import answer_cache, versioned_memo
from service.infra.db import Prepared, database

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
    # The query is folded here, once: the statement takes its keys.
    _, exact, variant = name_keys(query)
    typed_pinyin = query_pinyin_key(query)
    readings = sorted({typed_pinyin} if typed_pinyin else variant_pinyin_keys(variant)) or [""]
    values = {"exact": exact, "variant": variant} | {
        f"reading{i}": key for i, key in enumerate(readings)}
    if paged:
        values |= dict(zip(("after_rank", "after_notice", "after_position", "after_entry"),
                           after, strict=True))
    pages, summaries = {kind: [] for kind in MATCH_ORDER}, {}
    for row in _MATCHES.rows((len(readings), paged), now=now, **values):
        match = _Match(*row)
        kind = MATCH_ORDER[match.kind]
        summaries[kind] = match
        if match.shown:
            pages[kind].append(match)
    totals = {kind: summaries[kind].total if kind in summaries else 0 for kind in MATCH_ORDER}
    best_rank = {kind: summaries[kind].best_rank if kind in summaries else None
                 for kind in MATCH_ORDER}
    # The answer holds until a matched notice opens or closes (statuses and order change).
    next_change = min((Notice.opens_at.python_value(summary.upcoming)
                       for summary in summaries.values() if summary.upcoming is not None),
                      default=None)
    next_links = {kind: _link(query, kind, page[MATCHES_PER_PAGE - 1])
                  if len(page) > MATCHES_PER_PAGE else None for kind, page in pages.items()}
    shown_rows = [match for page in pages.values() for match in page[:MATCHES_PER_PAGE]]
    shown = notice_briefs({match.notice_id for match in shown_rows})
    matches = [
        {"name": match.name, "match": MATCH_ORDER[match.kind], "entry_id": match.entry_id,
         "organization": match.organization,
         "credential_last4": credential_last4(match.credential_no),
         "notice": {**shown[match.notice_id][1],
                    "status": status_of(shown[match.notice_id][0], now)}}
        for match in shown_rows
    ]
    answer = {"query": query, "normalized": variant, "verdict": _verdict(best_rank, totals),
              "matches": matches, "totals": totals, "next": next_links}
    return answer, next_change


class _Match(NamedTuple):
    """A row of _MATCHES: a matching entry, and its kind's count, best status rank and next
    change of status (each row of a kind carries them)."""

    entry_id: int
    name: str
    organization: str | None
    credential_no: str | None
    position: int
    notice_id: int
    rank: int
    kind: int  # its index in MATCH_ORDER
    total: int
    best_rank: int
    upcoming: datetime | str | None  # as the database returns it
    shown: int  # on the page asked for (else it only carries its kind's summary)


# The columns of _matching's rows: what ranks and pages an entry, no more (what it shows is read
# for the page's rows only).
MATCHING = ("entry_id", "position", "notice_id", "rank", "upcoming", "kind")


def _matching(now: datetime, values: dict):
    """SQL: every public roster entry that matches, with its kind (0 exact, 1 variant, 2 pinyin),
    its notice's status rank and next opening or closing after `now`. The kinds are disjoint, so
    that each entry is counted and paged once, under its strongest match; exact and variant
    matches are one probe of the variant key's index (an exact match is a variant match too)."""
    upcoming = Case(None, [(Notice.opens_at > now, Notice.opens_at),
                           (Notice.closes_at > now, Notice.closes_at)], None)
    columns = (RosterEntry.id, RosterEntry.position, RosterEntry.notice, status_rank(now),
               upcoming)
    same_variant = RosterEntry.variant_key == values["variant"]
    same_name = (RosterEntry.select(*columns, Case(
        None, [(RosterEntry.exact_key == values["exact"], SQL("0"))], SQL("1")))
        .join(Notice).where(same_variant & public_roster_condition()))
    by_sound = (RosterEntry.select(*columns, SQL("2")).join(Notice)
                .where(RosterEntry.id.in_(PINYIN_ENTRIES.select(PINYIN_ENTRIES.entry_id))
                       & public_roster_condition()))
    return (same_name + by_sound).cte("matching", columns=MATCHING)


def _pinyin_entries(values: dict):
    """SQL: the entries with one of the readings but another variant key (those are matched by
    name), read first through the indexes alone: a common name's own entries are most of those
    that read like it, and are not looked up one by one to be dropped. As a plain subquery
    PostgreSQL sometimes walked every entry in notice order instead, waiting for 21 matches
    (wangzixuan: 100 ms and more)."""
    readings = [value for key, value in sorted(values.items()) if key.startswith("reading")]
    same_name = RosterEntry.select(RosterEntry.id).where(
        RosterEntry.variant_key == values["variant"])
    return ((RosterPinyin.select(RosterPinyin.entry).where(RosterPinyin.key.in_(readings))
             - same_name).cte(PINYIN_ENTRIES.__name__, materialized=True))


PINYIN_ENTRIES = Table("pinyin_entries", ("entry_id",))


def _build_matches(shape: tuple, *, now: datetime, **values):
    """One statement for a whole answer: each kind's count, best status rank and next change,
    read in the same pass as its page (one more than a page, in the answer's order: open notices
    first, newer notices first, roster order), after the cursor's row when a kind is paged. A
    kind with no rows on the page still sends one row, for its summary."""
    _, paged = shape
    matching = _matching(now, values)
    m = matching.c
    shown = SQL("1")
    if paged:
        after = ((m.rank > values["after_rank"])
                 | ((m.rank == values["after_rank"]) & (
                     (m.notice_id < values["after_notice"])
                     | ((m.notice_id == values["after_notice"]) & (
                         (m.position > values["after_position"])
                         | ((m.position == values["after_position"])
                            & (m.entry_id > values["after_entry"])))))))
        shown = Case(None, [((m.kind == SQL(str(MATCH_ORDER.index(paged)))) & after,
                             SQL("1"))], SQL("0"))
    marked = Select([matching], [*(getattr(m, name) for name in MATCHING),
                                 shown.alias("shown")]).alias("marked")
    k = marked.c
    of_kind = {"partition_by": [k.kind]}
    ranked = Select([marked], [
        *(getattr(k, name) for name in MATCHING if name != "upcoming"),
        fn.COUNT(SQL("*")).over(**of_kind).alias("total"),
        fn.MIN(k.rank).over(**of_kind).alias("best_rank"),
        fn.MIN(k.upcoming).over(**of_kind).alias("upcoming"), k.shown,
        # The page's rows first, in the answer's order.
        fn.ROW_NUMBER().over(partition_by=[k.kind], order_by=[
            k.shown.desc(), k.rank, k.notice_id.desc(), k.position, k.entry_id]).alias("number"),
    ]).alias("ranked")
    r = ranked.c
    shows = {"name": RosterEntry.name, "organization": RosterEntry.organization,
             "credential_no": RosterEntry.credential_no}
    return (Select([ranked], [shows.get(name) or getattr(r, name) for name in _Match._fields])
            .join(RosterEntry, on=(RosterEntry.id == r.entry_id))
            .where(((r.shown == 1) & (r.number <= MATCHES_PER_PAGE + 1)) | (r.number == 1))
            .order_by(r.kind, r.number)
            .with_cte(_pinyin_entries(values), matching).bind(database))


# Built by peewee once per shape: building the status CASE cost more than running the query.
_MATCHES = Prepared(_build_matches)


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
    briefs = {}
    # As many ids as the next power of two (the last one repeated): a statement per count, so
    # few counts. On PostgreSQL each count was prepared and planned apart on every connection
    # (up to 63 statements, each planned 5 times before its generic plan).
    padded = ids + ids[-1:] * ((1 << (len(ids) - 1).bit_length()) - len(ids))
    rows = _NOTICES.rows(len(padded),
                         **{f"id{i}": notice_id for i, notice_id in enumerate(padded)})
    for notice_id, title, issuer, timezone, *instants, reason, number, label, e164 in rows:
        if notice_id not in briefs:
            timeline = _Timeline(timezone, *(Notice.opens_at.python_value(instant)
                                             for instant in instants))
            briefs[notice_id] = (timeline, {
                "id": notice_id, "title": title, "issuer": issuer,
                "window": window_dict(timeline), "contacts": [], "withdrawal_reason": reason})
        if number is not None:
            briefs[notice_id][1]["contacts"].append(contact_dict(_Contact(number, label, e164)))
    return briefs


class _Contact(NamedTuple):
    number: str
    label: str
    e164: str


def _build_notices(count: int, **ids):
    """The notices with their contacts, a row per contact (one row for a notice without)."""
    return (Notice.select(Notice.id, Notice.title, Notice.issuer, Notice.timezone,
                          Notice.opens_at, Notice.closes_at, Notice.published_at,
                          Notice.withdrawn_at, Notice.withdrawal_reason,
                          Contact.number, Contact.label, Contact.e164)
            .join(Contact, JOIN.LEFT_OUTER)
            .where(Notice.id.in_([ids[f"id{i}"] for i in range(count)]))
            .order_by(Notice.id, Contact.position))


_NOTICES = Prepared(_build_notices)


def _link(query: str, kind: str, match: _Match) -> str:
    """The next page of `kind`: the URL of the rows after `match`."""
    cursor = f"{match.rank}.{match.notice_id}.{match.position}.{match.entry_id}"
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
