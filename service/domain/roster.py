"""Rosters: cleaning entries (the namesake rule), inserting them in bulk with their pinyin keys,
and the digest that fixes a published roster."""

import hashlib
import json
from collections import defaultdict

from service.domain.errors import Invalid
from service.domain.folding import clean_and_exact, variant_keys, variant_pinyin_keys
from service.domain.models import AuditEvent, Notice, RosterEntry
from service.domain.names import OPTIONAL_MAX, clean_optional
from service.infra.db import insert_rows, reserve_ids


def clean_roster(items: list[dict], taken: list[tuple], path) -> list[dict]:
    """Clean names and optional fields; `taken` holds the roster's (exact_key, organization,
    credential_no); `path(i)` names entry i in errors (index or file row).

    Names that differ only in width or spaces are the same name. The same name may be listed
    again only when every entry of it carries an organisation or a credential number and no
    two agree on both (two people called 王伟, told apart); otherwise it is a duplicate."""
    cleaned, errors = [], {}
    seen: dict[str, list[tuple]] = defaultdict(list)  # exact_key -> [(org, number, path)]
    for key, organization, credential_no in taken:
        seen[key].append((organization, credential_no, None))
    for index, item in enumerate(items):
        entry_errors, entry = {}, {}
        try:
            entry["name"], entry["exact_key"] = clean_and_exact(item["name"])
        except ValueError as error:
            entry_errors["name"] = [str(error)]
        for field, limit in OPTIONAL_MAX.items():
            try:
                entry[field] = clean_optional(item.get(field), limit)
            except ValueError as error:
                entry_errors[field] = [str(error)]
        if "name" in entry and not entry_errors:
            identity = (entry["organization"], entry["credential_no"])
            namesakes = seen[entry["exact_key"]]
            clash = next((other for other in namesakes
                          if identity == (None, None) or other[:2] in ((None, None), identity)),
                         None)
            if clash is not None:
                entry_errors["name"] = ["already on the roster" if clash[2] is None
                                        else f"duplicate of {clash[2]}"]
            else:
                namesakes.append((*identity, path(index)))
        if entry_errors:
            errors[path(index)] = entry_errors
        else:
            cleaned.append(entry)
    if errors:
        raise Invalid.of({f"{entry}.{field}": messages for entry, fields in errors.items()
                          for field, messages in fields.items()})
    for entry, variant in zip(cleaned, variant_keys([e["exact_key"] for e in cleaned]),
                              strict=True):
        entry["variant_key"] = variant
    return cleaned


PROGRESS_BATCH = 2000


ROSTER_COLUMNS = ("id", "notice_id", "position", "name", "exact_key", "variant_key", "organization",
                  "credential_no")


def insert_entries(notice: Notice, cleaned: list[dict], last: int = 0,
                   progress=None) -> list[int]:
    """Insert after position `last`, with every name's pinyin keys; returns the new ids in order.
    `progress(n)` hears of each batch of names."""
    entry_ids = reserve_ids("roster_entry", len(cleaned))
    rows = [(entry_id, notice.id, last + offset, e["name"], e["exact_key"], e["variant_key"],
             e.get("organization"), e.get("credential_no"))
            for offset, (entry_id, e) in enumerate(zip(entry_ids, cleaned, strict=True), start=1)]
    for start in range(0, len(rows), PROGRESS_BATCH):
        batch = rows[start:start + PROGRESS_BATCH]
        insert_rows("roster_entry", ROSTER_COLUMNS, batch)
        if progress:
            progress(len(batch))
    insert_rows("roster_pinyin", ("entry_id", "key"),
                [(entry_id, key) for entry_id, *_, variant, _, _ in rows
                 for key in variant_pinyin_keys(variant)])
    return entry_ids


def roster_digest(notice_id: int) -> tuple[int, str]:
    """(size, SHA-256) of a roster: over one JSON line [position, name, organization,
    credential_no] per entry in roster order, UTF-8. Recorded when the notice is published."""
    digest, size = hashlib.sha256(), 0
    rows = (RosterEntry.select(RosterEntry.position, RosterEntry.name, RosterEntry.organization,
                               RosterEntry.credential_no)
            .where(RosterEntry.notice == notice_id).order_by(RosterEntry.position).tuples())
    for row in rows.iterator():
        line = json.dumps(list(row), ensure_ascii=False, separators=(",", ":")) + "\n"
        digest.update(line.encode())
        size += 1
    return size, digest.hexdigest()


def verify_roster(notice: Notice) -> dict:
    """The stored roster checked against the digest recorded when the notice was published: in
    the notice's column and in its notice.published event (an append-only record that a change
    behind the API would also have to forge)."""
    size, digest = roster_digest(notice.id)
    event = (AuditEvent.select(AuditEvent.changes)
             .where((AuditEvent.entity == "notice") & (AuditEvent.entity_id == notice.id)
                    & (AuditEvent.action == "notice.published"))
             .order_by(AuditEvent.id.desc()).first())
    recorded = json.loads(event.changes).get("roster_digest") if event and event.changes else None
    return {"notice_id": notice.id, "roster_digest": notice.roster_digest,
            "computed_digest": digest, "roster_size": size,
            # before migration 4 the event holds no digest; the column is all there is
            "matches": notice.roster_digest == digest and recorded in (None, digest)}


def verify_rosters() -> list[tuple[int, bool]]:
    """(notice id, matches) for every published notice."""
    published = Notice.select().where(Notice.public()).order_by(Notice.id)
    return [(notice.id, verify_roster(notice)["matches"]) for notice in published]

