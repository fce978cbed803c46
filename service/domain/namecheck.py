"""The public name check: is this name on a published roster, exactly, as a variant, or by sound?"""

from datetime import datetime

from peewee import Case, fn

from service.domain.folding import name_keys, pinyin_keys, query_pinyin_key, variant_key
from service.domain.models import Notice, RosterEntry, RosterPinyin
from service.domain.presentation import credential_last4, present
from service.domain.status import STATUS_ORDER, public_roster_condition, status_rank
from service.infra.cache import answer_cache

MATCH_ORDER = ("exact", "variant", "pinyin")
MAX_MATCHES_PER_KIND = 50
MATCHED_NOTICE_FIELDS = ("id", "title", "issuer", "status", "window", "contacts",
                         "withdrawal_reason")
# What a match needs of its notice: what it shows, and what its status is computed from.
NOTICE_COLUMNS = (Notice.id, Notice.title, Notice.issuer, Notice.timezone, Notice.opens_at,
                  Notice.closes_at, Notice.published_at, Notice.withdrawn_at,
                  Notice.withdrawal_reason)
# What a match shows of its entry, so that a reader can compare it with the person before them.
ENTRY_COLUMNS = (RosterEntry.id, RosterEntry.name, RosterEntry.exact_key, RosterEntry.variant_key,
                 RosterEntry.organization, RosterEntry.credential_no)


def check_name(query: str, now: datetime, *, encode=None) -> dict:
    """Matches of `query` on public rosters: each entry once, strongest match, open notices first.

    Answers are cached until the data changes or a matched notice opens or closes; `encode`
    as in AnswerCache.get. Invalid when the query is not a possible name."""
    return answer_cache("names").get(query, lambda: _check_name(query, now), now, encode=encode)


def _check_name(query: str, now: datetime) -> tuple[dict, datetime | None]:
    _, exact, variant = name_keys(query)
    typed_pinyin = query_pinyin_key(query)
    readings = {typed_pinyin} if typed_pinyin else pinyin_keys(query)
    rank = status_rank(now)
    found: dict[int, tuple[str, RosterEntry]] = {}
    # Both of the first two go through the variant key's index: the variant key is a function of
    # the exact key, so an exact match is a variant match too.
    same_variant = RosterEntry.variant_key == variant
    next_change = None
    for kind, condition in (
        ("exact", same_variant & (RosterEntry.exact_key == exact)),
        ("variant", same_variant & (RosterEntry.exact_key != exact)),
        ("pinyin", RosterEntry.id.in_(RosterPinyin.select(RosterPinyin.entry)
                                      .where(RosterPinyin.key.in_(readings or {""})))),
    ):
        condition &= public_roster_condition()
        rows = list(RosterEntry.select(*ENTRY_COLUMNS, *NOTICE_COLUMNS)
                    .join(Notice).where(condition)
                    .order_by(rank, Notice.id.desc(), RosterEntry.position)
                    .limit(MAX_MATCHES_PER_KIND))
        for entry in rows:
            found.setdefault(entry.id, (_strongest(entry, exact, variant, kind), entry))
        if len(rows) == MAX_MATCHES_PER_KIND:
            # Left-out matches can move in when their notice opens or closes.
            next_change = _earliest(next_change, _next_change(condition, now))
    unique_notices = {entry.notice.id: entry.notice for _, entry in found.values()}
    shown = {item["id"]: item for item in present(list(unique_notices.values()), now,
                                                           brief=True)}
    matches = [
        {"name": entry.name, "match": match, "entry_id": entry.id,
         "organization": entry.organization,
         "credential_last4": credential_last4(entry.credential_no),
         "notice": {key: shown[entry.notice.id][key] for key in MATCHED_NOTICE_FIELDS}}
        for match, entry in found.values()
    ]
    matches.sort(key=lambda m: (MATCH_ORDER.index(m["match"]),
                                STATUS_ORDER.index(m["notice"]["status"]),
                                -m["notice"]["id"]))
    answer = {"query": query, "normalized": variant, "verdict": verdict_of(matches),
              "matches": matches}
    # Statuses hold until the next time one of the matched notices opens or closes.
    for notice in unique_notices.values():
        for instant in (notice.opens_at, notice.closes_at):
            if instant and instant > now:
                next_change = _earliest(next_change, instant)
    return answer, next_change


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


def verdict_of(matches: list[dict]) -> str:
    """The answer in one word: `listed` (the name itself, exactly or as a variant, on a roster
    that was not withdrawn), `withdrawn_only` (the name itself, but only on withdrawn rosters),
    `similar_only` (only names that sound the same) or `not_found`."""
    same_name = [m for m in matches if m["match"] != "pinyin"]
    if any(m["notice"]["status"] != "withdrawn" for m in same_name):
        return "listed"
    if same_name:
        return "withdrawn_only"
    return "similar_only" if matches else "not_found"


def _next_change(condition, now: datetime) -> datetime | None:
    """The next opening or closing after `now` among the notices of the entries matching."""
    upcoming = Case(None, [(Notice.opens_at > now, Notice.opens_at),
                           (Notice.closes_at > now, Notice.closes_at)], None)
    value = (RosterEntry.select(fn.MIN(upcoming)).join(Notice).where(condition).scalar())
    return Notice.opens_at.python_value(value) if value is not None else None


def _earliest(first: datetime | None, second: datetime | None) -> datetime | None:
    return min((t for t in (first, second) if t is not None), default=None)


def _strongest(entry: RosterEntry, exact: str, variant: str, found_as: str) -> str:
    if entry.exact_key == exact:
        return "exact"
    if entry.variant_key == variant:
        return "variant"
    return found_as
