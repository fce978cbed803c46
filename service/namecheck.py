"""The public name check: is this name on a published roster?"""

from datetime import datetime

from . import notices
from .models import Notice, RosterEntry
from .names import clean_name

STATUS_ORDER = {"open": 0, "scheduled": 1, "closed": 2, "withdrawn": 3}
MAX_MATCHES = 50


def check_name(query: str, now: datetime) -> dict:
    """Matches of `query` on published rosters, open notices first."""
    normalized = clean_name(query)
    rows = (RosterEntry.select(RosterEntry, Notice).join(Notice)
            .where((RosterEntry.name_key == normalized) & notices.public_condition())
            .limit(MAX_MATCHES))
    found = [(entry, entry.notice) for entry in rows]
    shown = notices.present([notice for _, notice in found], now)
    matches = [
        {"name": entry.name, "match": "exact", "entry_id": entry.id,
         "notice": {key: item[key] for key in
                    ("id", "title", "issuer", "status", "window", "contacts")}}
        for (entry, _), item in zip(found, shown, strict=True)
    ]
    matches.sort(key=lambda m: (STATUS_ORDER[m["notice"]["status"]], -m["notice"]["id"]))
    return {"query": query, "normalized": normalized, "matches": matches}
