"""A notice's status, derived from the clock and never trusted from a column alone, with its
SQL twin for filtering; and which notices and rosters the public may see."""

from datetime import date, datetime

from peewee import Case

from service.domain import windows
from service.domain.models import Notice
from service.domain.organizations import visible_notices


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


def mentioning(text: str):
    """SQL: notices whose title or body holds `text` (spaces around it ignored): the `q` of the
    notice list and of the search."""
    text = text.strip()
    return Notice.title.contains(text) | Notice.body.contains(text)


def notices_query():
    """The notices the caller sees (organizations.visible_notices)."""
    return Notice.select().where(visible_notices())

