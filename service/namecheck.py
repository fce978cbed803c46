"""The public name check: is this name on a published roster, exactly, as a variant, or by sound?"""

from datetime import datetime

from . import notices
from .folding import exact_key, pinyin_keys, query_pinyin_key, variant_key
from .models import Notice, RosterEntry, RosterPinyin

MATCH_ORDER = ("exact", "variant", "pinyin")
MAX_MATCHES_PER_KIND = 50
MATCHED_NOTICE_FIELDS = ("id", "title", "issuer", "status", "window", "contacts")


def check_name(query: str, now: datetime) -> dict:
    """Matches of `query` on public rosters: each entry once, strongest match, open notices first.

    ValueError when the query is not a possible name."""
    exact, variant = exact_key(query), variant_key(query)
    typed_pinyin = query_pinyin_key(query)
    readings = {typed_pinyin} if typed_pinyin else pinyin_keys(query)
    rank = notices.status_rank(now)
    found: dict[int, tuple[str, RosterEntry]] = {}
    for kind, condition in (
        ("exact", RosterEntry.exact_key == exact),
        ("variant", RosterEntry.variant_key == variant),
        ("pinyin", RosterEntry.id.in_(RosterPinyin.select(RosterPinyin.entry)
                                      .where(RosterPinyin.key.in_(readings or {""})))),
    ):
        rows = (RosterEntry.select(RosterEntry, Notice).join(Notice)
                .where(condition & notices.public_roster_condition())
                .order_by(rank, Notice.id.desc(), RosterEntry.position)
                .limit(MAX_MATCHES_PER_KIND))
        for entry in rows:
            found.setdefault(entry.id, (_strongest(entry, exact, variant, kind), entry))
    unique_notices = {entry.notice_id: entry.notice for _, entry in found.values()}
    shown = {item["id"]: item for item in notices.present(list(unique_notices.values()), now,
                                                           brief=True)}
    matches = [
        {"name": entry.name, "match": match, "entry_id": entry.id,
         "notice": {key: shown[entry.notice_id][key] for key in MATCHED_NOTICE_FIELDS}}
        for match, entry in found.values()
    ]
    matches.sort(key=lambda m: (MATCH_ORDER.index(m["match"]),
                                notices.STATUS_ORDER.index(m["notice"]["status"]),
                                -m["notice"]["id"]))
    return {"query": query, "normalized": variant, "matches": matches}


def _strongest(entry: RosterEntry, exact: str, variant: str, found_as: str) -> str:
    if entry.exact_key == exact:
        return "exact"
    if entry.variant_key == variant:
        return "variant"
    return found_as
