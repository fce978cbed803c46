"""Notices: lifecycle (draft → published → withdrawn), status from the clock, and presentation."""

import hashlib
import json
from collections import defaultdict
from datetime import date, datetime

from marshmallow import ValidationError
from peewee import Case, fn

from . import audit, windows
from .contacts import ContactError, normalize_number
from .db import database, insert_rows, locked
from .errors import Conflict, NotFound
from .folding import name_keys, pinyin_keys
from .links import existing_ids, set_links
from .models import Article, AuditEvent, Contact, Notice, NoticeArticle, RosterEntry, utcnow
from .names import clean_optional

EDITABLE_FIELDS = ("title", "category", "issuer", "issued_on", "body")


# --- status: derived from the clock, never trusted from a column alone -------------------------

def window_of(notice: Notice) -> windows.Window | None:
    if notice.opens_at is None:
        return None
    return windows.Window(notice.opens_at, notice.closes_at, notice.timezone)


def status_of(notice: Notice, now: datetime) -> str:
    if notice.published_at is None:
        return "draft"
    if notice.withdrawn_at is not None:
        return "withdrawn"
    if now < notice.opens_at:
        return "scheduled"
    if now < notice.closes_at:
        return "open"
    return "closed"


def status_condition(status: str, now: datetime):
    """The SQL twin of status_of, for filtering lists."""
    live = Notice.live()
    return {
        "draft": Notice.published_at.is_null(True),
        "withdrawn": Notice.withdrawn_at.is_null(False),
        "scheduled": live & (Notice.opens_at > now),
        "open": live & (Notice.opens_at <= now) & (Notice.closes_at > now),
        "closed": live & (Notice.closes_at <= now),
    }[status]


STATUS_ORDER = ("open", "scheduled", "closed", "withdrawn", "draft")


def status_rank(now: datetime):
    """SQL: the position of a notice's status in STATUS_ORDER (open notices first)."""
    return Case(None, [(status_condition(status, now), rank)
                       for rank, status in enumerate(STATUS_ORDER)], len(STATUS_ORDER))


def is_public(notice: Notice) -> bool:
    return notice.published_at is not None


def public_roster_condition():
    """Rosters the public may read and match: published, not yet retired by housekeeping."""
    return Notice.public() & Notice.roster_hidden_at.is_null(True)


def open_during_day_condition(day: date, timezone: str):
    """Published, not withdrawn, and open at some moment of `day` (local to `timezone`)."""
    day_window = windows.window_from_dates(day, day, timezone)
    return (Notice.live() & (Notice.opens_at < day_window.closes_at)
            & (Notice.closes_at > day_window.opens_at))


# --- cleaning input: every error names its field -----------------------------------------------

def build_window(data: dict, default_timezone: str) -> windows.Window:
    timezone = data.get("timezone", default_timezone)
    try:
        if "start" in data:
            return windows.window_from_dates(data["start"], data["end"], timezone)
        return windows.window_from_instants(data["opens_at"], data["closes_at"], timezone)
    except windows.WindowError as error:
        raise ValidationError({"window": {error.field: [error.message]}}) from None


def clean_contacts(items: list[dict], region: str) -> list[dict]:
    cleaned, errors = [], {}
    for index, item in enumerate(items):
        try:
            e164 = normalize_number(item["number"], region)
        except ContactError as error:
            errors[index] = {"number": [error.message]}
            continue
        cleaned.append({"number": item["number"].strip(), "label": item["label"].strip(),
                        "e164": e164})
    if errors:
        raise ValidationError({"contacts": errors})
    return cleaned


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
            entry["name"], entry["exact_key"], entry["variant_key"] = name_keys(item["name"])
        except ValueError as error:
            entry_errors["name"] = [str(error)]
        for field, limit in (("organization", 200), ("credential_no", 64)):
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
        raise ValidationError(errors)
    return cleaned


# --- writes: each one transaction, each one audit event ----------------------------------------

def create_notice(data: dict, actor: str, *, default_timezone: str, region: str) -> Notice:
    """A new draft, with optional window, contacts, roster and article links."""
    window = build_window(data["window"], default_timezone) if "window" in data else None
    contacts = clean_contacts(data.get("contacts", []), region)
    roster = _nested("roster", clean_roster, data.get("roster", []), [], lambda i: i)
    with database.atomic():
        article_ids = existing_ids(Article, data.get("article_ids", []), "article_ids")
        notice = Notice.create(
            **audit.fresh_id(Notice, "notice"),
            **{field: data[field] for field in EDITABLE_FIELDS if field in data},
            timezone=window.timezone if window else default_timezone,
            opens_at=window and window.opens_at,
            closes_at=window and window.closes_at,
        )
        _replace_contacts(notice, contacts)
        _insert_roster(notice, roster)
        set_links(notice=notice, ids=article_ids)
        audit.record("notice.created", "notice", notice.id, actor,
                     changes={"fields": sorted(data), "roster_size": len(roster)})
    return notice


def update_notice(notice_id: int, data: dict, actor: str, *, default_timezone: str,
                  region: str, may_correct: bool = True) -> Notice:
    """Edit a draft, or correct a published notice (then `reason` is required and kept);
    `may_correct` says whether the caller may correct (409 if it was published meanwhile)."""
    window = build_window(data["window"], default_timezone) if "window" in data else None
    contacts = clean_contacts(data["contacts"], region) if "contacts" in data else None
    with database.atomic():
        notice = lock_notice(notice_id)
        is_correction = notice.published_at is not None
        if notice.withdrawn_at is not None:
            raise Conflict("A withdrawn notice cannot be changed.")
        if is_correction and not may_correct:
            raise Conflict("The notice was published meanwhile; correcting it needs the "
                           "publisher role.")
        if is_correction and "reason" not in data:
            raise ValidationError({"reason": ["required to correct a published notice"]})
        if is_correction and "window" in data:
            raise ValidationError({"window": ["a published window changes only through /extend"]})
        if is_correction and contacts == []:
            raise ValidationError({"contacts": ["a published notice keeps at least one contact"]})
        before = present_one(notice, utcnow())
        changed = [field for field in EDITABLE_FIELDS if field in data]
        for field in changed:
            setattr(notice, field, data[field])
        if window is not None:
            notice.opens_at, notice.closes_at = window.opens_at, window.closes_at
            notice.timezone = window.timezone
            changed += ["opens_at", "closes_at", "timezone"]
        if contacts is not None and contacts != before["contacts"]:
            _replace_contacts(notice, contacts)
        if "article_ids" in data:
            article_ids = existing_ids(Article, data["article_ids"], "article_ids")
            if sorted(article_ids) != before["article_ids"]:
                set_links(notice=notice, ids=article_ids)
        after = present_one(notice, utcnow())
        changes = {key: [before[key], after[key]] for key in after
                   if before[key] != after[key] and key not in ("updated_at", "status")}
        if not changes:  # nothing changed: nothing to record
            return notice
        notice.updated_at = utcnow()
        notice.save(only=[getattr(Notice, field) for field in [*changed, "updated_at"]])
        if is_correction:
            changes["reason"] = data["reason"]
        audit.record("notice.corrected" if is_correction else "notice.updated",
                     "notice", notice.id, actor, changes=changes)
    return notice


def publish_notice(notice_id: int, actor: str, *, backdated: bool = False) -> Notice:
    """Publish a draft and fix its roster: the roster's size and digest are recorded, and no
    roster change commits after this (roster writes lock the same row). A window that has
    already closed is published only when `backdated` (a historical notice) says so."""
    with database.atomic():
        notice = lock_notice(notice_id)
        now = utcnow()
        if notice.published_at is not None:
            raise Conflict("The notice is already published.")
        missing = {}
        if notice.opens_at is None:
            missing["window"] = ["required to publish"]
        elif notice.closes_at <= now and not backdated:
            missing["window"] = ["closed already: it would publish straight to closed; send "
                                 '"backdated": true to record a historical notice']
        if not notice.contacts.count():
            missing["contacts"] = ["at least one report number is required to publish"]
        if missing:
            raise ValidationError(missing)
        size, notice.roster_digest = roster_digest(notice.id)
        notice.published_at = notice.updated_at = now
        notice.save(only=[Notice.published_at, Notice.updated_at, Notice.roster_digest])
        audit.record("notice.published", "notice", notice.id, actor,
                     changes={"opens_at": notice.opens_at, "closes_at": notice.closes_at,
                              "roster_size": size, "roster_digest": notice.roster_digest,
                              **({"backdated": True} if notice.closes_at <= now else {})})
    return notice


def delete_draft(notice_id: int, actor: str) -> None:
    """Remove a draft with its contacts, roster and links; a published notice stays forever."""
    with database.atomic():
        notice = lock_notice(notice_id)
        if notice.published_at is not None:
            raise Conflict("A published notice is never deleted; withdraw it instead.")
        notice.delete_instance()  # contacts, roster, pinyin keys and links cascade
        audit.record("notice.deleted", "notice", notice_id, actor,
                     changes={"title": notice.title})


def withdraw_notice(notice_id: int, reason: str, actor: str) -> Notice:
    with database.atomic():
        notice = lock_notice(notice_id)
        if notice.published_at is None:
            raise Conflict("A draft is not withdrawn; it is simply not published.")
        if notice.withdrawn_at is not None:
            raise Conflict("The notice is already withdrawn.")
        notice.withdrawn_at = notice.updated_at = utcnow()
        notice.withdrawal_reason = reason
        notice.save(only=[Notice.withdrawn_at, Notice.updated_at, Notice.withdrawal_reason])
        audit.record("notice.withdrawn", "notice", notice.id, actor, changes={"reason": reason})
    return notice


def extend_notice(notice_id: int, actor: str, *, end: date | None = None,
                  closes_at: datetime | None = None) -> Notice:
    with database.atomic():
        notice = lock_notice(notice_id)
        now = utcnow()
        status = status_of(notice, now)
        if status not in ("scheduled", "open"):
            raise Conflict(
                f"Only a scheduled or open notice can be extended; this one is {status}.")
        try:
            window = windows.extended(window_of(notice), end=end, closes_at=closes_at)
        except windows.WindowError as error:
            raise ValidationError({error.field: [error.message]}) from None
        previous = notice.closes_at
        notice.closes_at, notice.updated_at = window.closes_at, now
        notice.save(only=[Notice.closes_at, Notice.updated_at])
        audit.record("notice.extended", "notice", notice.id, actor,
                     changes={"closes_at": [previous, window.closes_at]})
    return notice


def add_roster_entries(notice_id: int, items: list[dict], actor: str, *,
                       action: str = "roster.added", path=lambda i: i,
                       progress=None) -> list[int]:
    """Append entries to a draft's roster, all or none; `path(i)` names entry i in errors.
    Returns the new entries' ids in roster order."""
    with database.atomic():
        notice = _draft_for_roster_change(notice_id)
        roster = list(notice.roster.select(
            RosterEntry.exact_key, RosterEntry.organization, RosterEntry.credential_no,
            RosterEntry.position).tuples())
        cleaned = clean_roster(items, [row[:3] for row in roster], path)
        entry_ids = _insert_roster(notice, cleaned, max((row[3] for row in roster), default=0),
                                   progress)
        audit.record(action, "notice", notice.id, actor,
                     changes={"count": len(entry_ids),
                              "entry_ids": [entry_ids[0], entry_ids[-1]] if entry_ids else []})
    return entry_ids


def remove_roster_entry(notice_id: int, entry_id: int, actor: str) -> None:
    with database.atomic():
        notice = _draft_for_roster_change(notice_id)
        entry = RosterEntry.get_or_none((RosterEntry.id == entry_id)
                                        & (RosterEntry.notice == notice.id))
        if entry is None:  # never there, or removed meanwhile
            raise NotFound(f"No roster entry {entry_id} in notice {notice_id}.")
        entry.delete_instance()
        (RosterEntry.update(position=RosterEntry.position - 1)
         .where((RosterEntry.notice == notice) & (RosterEntry.position > entry.position))
         .execute())
        audit.record("roster.removed", "notice", notice.id, actor,
                     changes={"entry_id": entry.id})


def lock_notice(notice_id: int) -> Notice:
    """The notice, read and locked inside the current transaction (see db.locked)."""
    notice = locked(Notice.select().where(Notice.id == notice_id))
    if notice is None:  # removed meanwhile
        raise NotFound(f"No notice {notice_id}.")
    return notice


def _draft_for_roster_change(notice_id: int) -> Notice:
    """Roster writes lock the notice as publication does, so none commits after the publish."""
    notice = lock_notice(notice_id)
    if notice.published_at is not None:
        raise Conflict("The roster of a published notice cannot change.")
    return notice


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


def _nested(prefix: str, clean, *args):
    try:
        return clean(*args)
    except ValidationError as error:
        raise ValidationError({prefix: error.messages}) from None


def _replace_contacts(notice: Notice, contacts: list[dict]) -> None:
    Contact.delete().where(Contact.notice == notice).execute()
    for position, contact in enumerate(contacts, start=1):
        Contact.create(notice=notice, position=position, **contact)


PROGRESS_BATCH = 2000
ROSTER_COLUMNS = ("notice_id", "position", "name", "exact_key", "variant_key", "organization",
                  "credential_no")


def _insert_roster(notice: Notice, cleaned: list[dict], last: int = 0,
                   progress=None) -> list[int]:
    """Insert after position `last`, with every name's pinyin keys; returns the new ids in order.
    `progress(n)` hears of each batch of names."""
    rows = [(notice.id, last + offset, e["name"], e["exact_key"], e["variant_key"],
             e.get("organization"), e.get("credential_no"))
            for offset, e in enumerate(cleaned, start=1)]
    for start in range(0, len(rows), PROGRESS_BATCH):
        batch = rows[start:start + PROGRESS_BATCH]
        insert_rows("roster_entry", ROSTER_COLUMNS, batch)
        if progress:
            progress(len(batch))
    entry_ids = [entry_id for (entry_id,) in RosterEntry.select(RosterEntry.id).where(
        (RosterEntry.notice == notice.id) & (RosterEntry.position > last))
        .order_by(RosterEntry.position).tuples()]
    insert_rows("roster_pinyin", ("entry_id", "key"),
                [(entry_id, key) for entry_id, (_, _, name, *_) in zip(entry_ids, rows, strict=True)
                 for key in pinyin_keys(name)])
    return entry_ids


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


# --- presentation ------------------------------------------------------------------------------

def present(notices: list[Notice], now: datetime, *, brief: bool = False) -> list[dict]:
    """API dicts for a page of notices, with their contacts, roster sizes and links in 3 queries;
    `brief` leaves out roster sizes and links (one query: what a name-check match shows)."""
    ids = [n.id for n in notices]
    contacts, links, sizes = defaultdict(list), defaultdict(list), {}
    for contact in Contact.select().where(Contact.notice.in_(ids)).order_by(Contact.position):
        contacts[contact.notice_id].append(contact_dict(contact))
    if not brief:
        sizes = dict(
            RosterEntry.select(RosterEntry.notice, fn.COUNT(RosterEntry.id))
            .where(RosterEntry.notice.in_(ids)).group_by(RosterEntry.notice).tuples()
        )
        for link in (NoticeArticle.select().where(NoticeArticle.notice.in_(ids))
                     .order_by(NoticeArticle.article)):
            links[link.notice_id].append(link.article_id)
    return [
        {
            **{field: getattr(n, field) for field in (
                "id", "title", "category", "issuer", "issued_on", "body", "created_at",
                "updated_at", "published_at", "withdrawn_at", "withdrawal_reason",
                "roster_digest")},
            "window": window_dict(n),
            "contacts": contacts[n.id],
            "roster_size": sizes.get(n.id, 0),
            "status": status_of(n, now),
            "article_ids": links[n.id],
        }
        for n in notices
    ]


def present_one(notice: Notice, now: datetime) -> dict:
    return present([notice], now)[0]


def window_dict(notice: Notice) -> dict | None:
    window = window_of(notice)
    return windows.describe(window) if window else None


def contact_dict(contact: Contact) -> dict:
    return {"number": contact.number, "label": contact.label, "e164": contact.e164}


def credential_last4(value: str | None) -> str | None:
    """What the public may see of a credential number: its last 4 characters, if it is longer."""
    return value[-4:] if value and len(value) > 4 else None


def mask_credential(value: str | None) -> str | None:
    """Public rosters show only the last 4 characters of a credential number."""
    if not value:
        return value
    return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "*" * len(value)


def roster_entry_dict(entry: RosterEntry, *, masked: bool) -> dict:
    return {
        "id": entry.id,
        "position": entry.position,
        "name": entry.name,
        "organization": entry.organization,
        "credential_no": mask_credential(entry.credential_no) if masked else entry.credential_no,
    }


def notices_query(*, staff: bool):
    query = Notice.select()
    return query if staff else query.where(Notice.public())
