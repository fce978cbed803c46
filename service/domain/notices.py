"""A notice's lifecycle (draft → published → withdrawn): every write to a notice, its roster
included, decided on the notice's row locked in its transaction."""

from datetime import date, datetime

from service.domain import audit, organizations, windows
from service.domain.contacts import clean_contacts
from service.domain.errors import Conflict, Forbidden, Invalid, NotFound
from service.domain.links import existing_ids, set_links
from service.domain.models import Article, Contact, Notice, NoticeArticle, RosterEntry
from service.domain.presentation import present_one
from service.domain.roster import clean_roster, insert_entries, roster_digest
from service.domain.status import status_of, window_of
from service.infra.clock import utcnow
from service.infra.db import Prepared, database, locking

EDITABLE_FIELDS = ("title", "category", "issuer", "issued_on", "body")
# After its window closes a notice is a record: it is corrected or withdrawn only exceptionally.
CLOSED_ROLE = "admin"
CLOSED_CORRECTION = ("The notice has closed: its record is corrected only by an admin, with a "
                     "reason; the correction is shown publicly with the earlier values.")
CLOSED_WITHDRAWAL = "The notice has closed: only an admin withdraws a closed notice."


def build_window(data: dict, default_timezone: str) -> windows.Window:
    timezone = data.get("timezone", default_timezone)
    try:
        if "start" in data:
            return windows.window_from_dates(data["start"], data["end"], timezone)
        return windows.window_from_instants(data["opens_at"], data["closes_at"], timezone)
    except windows.WindowError as error:
        raise error.under("window") from None


def create_notice(data: dict, actor: str, *, default_timezone: str, region: str) -> Notice:
    """A new draft of the caller's organisation (or `organization_id` of the data, when the
    caller acts for it), with optional window, contacts, roster and article links."""
    window = build_window(data["window"], default_timezone) if "window" in data else None
    contacts = clean_contacts(data.get("contacts", []), region)
    try:
        roster = clean_roster(data.get("roster", []), [], lambda i: i)
    except Invalid as error:
        raise error.under("roster") from None
    with database.atomic():
        organization_id = organizations.organization_for_new(data.get("organization_id"))
        article_ids = existing_ids(Article, data.get("article_ids", []), "article_ids",
                                   organizations.visible(Article))
        notice = Notice.create(
            **audit.fresh_id(Notice, "notice"),
            organization=organization_id,
            **{field: data[field] for field in EDITABLE_FIELDS if field in data},
            timezone=window.timezone if window else default_timezone,
            opens_at=window and window.opens_at,
            closes_at=window and window.closes_at,
        )
        _replace_contacts(notice, contacts)
        insert_entries(notice, roster)
        set_links(notice=notice, ids=article_ids)
        audit.record("notice.created", "notice", notice.id, actor, organization_id=organization_id,
                     changes={"fields": sorted(data), "roster_size": len(roster)})
    return notice


def update_notice(notice_id: int, data: dict, actor: str, *, default_timezone: str,
                  region: str, may_correct: bool = True, may_correct_closed: bool = True
                  ) -> Notice:
    """Edit a draft, or correct a published notice (then `reason` is required and kept, with
    the earlier values: its public history, corrections.history); `may_correct` says whether
    the caller may correct (409 if it was published meanwhile), `may_correct_closed` whether it
    may correct a closed notice (an admin's exception; 403 if it closed meanwhile)."""
    window = build_window(data["window"], default_timezone) if "window" in data else None
    contacts = clean_contacts(data["contacts"], region) if "contacts" in data else None
    with database.atomic():
        notice = lock_notice(notice_id)
        now = utcnow()  # the instant of the change: the rules and updated_at both read it
        is_correction = notice.published_at is not None
        if notice.withdrawn_at is not None:
            raise Conflict("A withdrawn notice cannot be changed.")
        if is_correction and not may_correct:
            raise Conflict("The notice was published meanwhile; correcting it needs the "
                           "publisher role.")
        if is_correction and not may_correct_closed and status_of(notice, now) == "closed":
            raise Forbidden(CLOSED_CORRECTION)
        if is_correction and "reason" not in data:
            raise Invalid("reason", "required", "required to correct a published notice")
        if is_correction and "window" in data:
            raise Invalid("window", "fixed", "a published window changes only through /extend")
        if is_correction and contacts == []:
            raise Invalid("contacts", "required",
                          "a published notice keeps at least one contact")
        before = present_one(notice, now)
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
            article_ids = existing_ids(Article, data["article_ids"], "article_ids",
                                       organizations.visible(Article))
            if is_correction:
                _refuse_drafts(article_ids)
            if sorted(article_ids) != before["article_ids"]:
                set_links(notice=notice, ids=article_ids)
        after = present_one(notice, now)
        changes = {key: [before[key], after[key]] for key in after
                   if before[key] != after[key] and key not in ("updated_at", "status")}
        if not changes:  # nothing changed: nothing to record
            return notice
        notice.updated_at = now
        notice.save(only=[getattr(Notice, field) for field in [*changed, "updated_at"]])
        if is_correction:
            changes["reason"] = data["reason"]
        audit.record("notice.corrected" if is_correction else "notice.updated",
                     "notice", notice.id, actor, changes=changes,
                     organization_id=notice.organization_id)
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
            raise Invalid.of(missing, "not_ready")
        # Links change under this lock only (articles lock the notice to link it).
        _refuse_drafts([link.article_id for link in
                        NoticeArticle.select().where(NoticeArticle.notice == notice.id)])
        size, notice.roster_digest = roster_digest(notice.id)
        notice.published_at = notice.updated_at = now
        notice.save(only=[Notice.published_at, Notice.updated_at, Notice.roster_digest])
        audit.record("notice.published", "notice", notice.id, actor,
                     organization_id=notice.organization_id,
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
                     organization_id=notice.organization_id,
                     changes={"title": notice.title})


def withdraw_notice(notice_id: int, reason: str, actor: str, *,
                    may_withdraw_closed: bool = True) -> Notice:
    """Withdraw a published notice, the reason shown to the public; a closed one only when
    `may_withdraw_closed` (an admin's exception, as for its corrections)."""
    with database.atomic():
        notice = lock_notice(notice_id)
        if notice.published_at is None:
            raise Conflict("A draft is not withdrawn; it is simply not published.")
        if notice.withdrawn_at is not None:
            raise Conflict("The notice is already withdrawn.")
        now = utcnow()
        if not may_withdraw_closed and status_of(notice, now) == "closed":
            raise Forbidden(CLOSED_WITHDRAWAL)
        notice.withdrawn_at = notice.updated_at = now
        notice.withdrawal_reason = reason
        notice.save(only=[Notice.withdrawn_at, Notice.updated_at, Notice.withdrawal_reason])
        audit.record("notice.withdrawn", "notice", notice.id, actor, changes={"reason": reason},
                     organization_id=notice.organization_id)
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
        window = windows.extended(window_of(notice), end=end, closes_at=closes_at)
        previous = notice.closes_at
        notice.closes_at, notice.updated_at = window.closes_at, now
        notice.save(only=[Notice.closes_at, Notice.updated_at])
        audit.record("notice.extended", "notice", notice.id, actor,
                     organization_id=notice.organization_id,
                     changes={"closes_at": [previous, window.closes_at]})
    return notice


def add_roster_entries(notice_id: int, items: list[dict], actor: str, *,
                       action: str = "roster.added", path=lambda i: i,
                       progress=None) -> list[int]:
    """Append entries to a draft's roster, all or none; `path(i)` names entry i in errors.
    Returns the new entries' ids in roster order."""
    with database.atomic():
        notice = _draft_for_roster_change(notice_id)
        roster = _ROSTER_KEYS.rows(None, notice_id=notice.id)
        cleaned = clean_roster(items, [row[:3] for row in roster], path)
        entry_ids = insert_entries(notice, cleaned, max((row[3] for row in roster), default=0),
                                   progress)
        audit.record(action, "notice", notice.id, actor, organization_id=notice.organization_id,
                     changes={"count": len(entry_ids),
                              "entry_ids": [entry_ids[0], entry_ids[-1]] if entry_ids else []})
    return entry_ids


_ROSTER_KEYS = Prepared(lambda _shape, notice_id: RosterEntry.select(
    RosterEntry.exact_key, RosterEntry.organization, RosterEntry.credential_no,
    RosterEntry.position).where(RosterEntry.notice == notice_id))


def remove_roster_entry(notice_id: int, entry_id: int, actor: str) -> None:
    with database.atomic():
        notice = _draft_for_roster_change(notice_id)
        entry = RosterEntry.get_or_none((RosterEntry.id == entry_id)
                                        & (RosterEntry.notice == notice.id))
        if entry is None:  # never there, or removed meanwhile
            raise NotFound("roster_entry", f"No roster entry {entry_id} in notice {notice_id}.")
        entry.delete_instance()
        (RosterEntry.update(position=RosterEntry.position - 1)
         .where((RosterEntry.notice == notice) & (RosterEntry.position > entry.position))
         .execute())
        audit.record("roster.removed", "notice", notice.id, actor,
                     organization_id=notice.organization_id,
                     changes={"entry_id": entry.id})


def visible_notice(notice_id: int, *, public_only: bool = False) -> Notice:
    """The notice as its reader may see it: the public (and `public_only`) what is published,
    staff also the drafts of their organisations (admins every draft)."""
    seen = Notice.public() if public_only else organizations.visible_notices()
    notice = Notice.select().where((Notice.id == notice_id) & seen).first()
    if notice is None:
        raise NotFound("notice", f"No notice {notice_id}.")
    return notice


def lock_notice(notice_id: int) -> Notice:
    """The notice, read and locked inside the current transaction (see db.locking), when the
    caller acts for its organisation (organizations.check_own: 404 for another's draft, 403
    for its published notice). Every write to a notice starts here."""
    notice = _LOCK_NOTICE.first(Notice, None, notice_id=notice_id)
    if notice is None:  # removed meanwhile
        raise NotFound("notice", f"No notice {notice_id}.")
    organizations.check_own(notice.organization_id, is_draft=notice.published_at is None,
                            what="notice", detail=f"notice {notice_id}")
    return notice


# Built by peewee once: building it cost more than running it (every write starts here).
_LOCK_NOTICE = Prepared(lambda _shape, notice_id: locking(
    Notice.select().where(Notice.id == notice_id)))


def _draft_for_roster_change(notice_id: int) -> Notice:
    """Roster writes lock the notice as publication does, so none commits after the publish."""
    notice = lock_notice(notice_id)
    if notice.published_at is not None:
        raise Conflict("The roster of a published notice cannot change.")
    return notice


def _refuse_drafts(article_ids: list[int]) -> None:
    """A published notice links published articles only (the public sees its whole list)."""
    drafts = sorted(article.id for article in Article.select(Article.id).where(
        Article.id.in_(article_ids) & Article.draft())) if article_ids else []
    if drafts:
        raise Conflict("A published notice links published articles only; not published yet: "
                       f"article {', '.join(map(str, drafts))}. Publish them first, or leave "
                       "them out.")


def _replace_contacts(notice: Notice, contacts: list[dict]) -> None:
    Contact.delete().where(Contact.notice == notice).execute()
    for position, contact in enumerate(contacts, start=1):
        Contact.create(notice=notice, position=position, **contact)


