"""Publicity windows (公示期): when a notice is open, in which zone, and how many working days."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import chinese_calendar

from service.domain.errors import Invalid

MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True)
class Window:
    opens_at: datetime  # aware, UTC
    closes_at: datetime  # aware, UTC, exclusive
    timezone: str  # IANA name, e.g. "Asia/Shanghai"


class WindowError(Invalid):
    """A window the rules refuse, naming the offending field."""

    def __init__(self, field: str, message: str):
        super().__init__(field, "window", message)
        self.args = (f"{field}: {message}",)


def to_utc(dt: datetime) -> datetime:
    return dt.astimezone(UTC)


def validate_timezone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    # OSError: a directory of the zone database such as "America" is not a zone.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise WindowError("timezone", f"unknown time zone {name!r}; use an IANA name") from None


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    # Where DST starts at 00:00 local midnight does not exist; zoneinfo reads it with the offset
    # before the gap, which gives the instant the day actually begins (01:00 new time).
    return to_utc(datetime(day.year, day.month, day.day, tzinfo=zone))


def _require_aware(dt: datetime, field: str) -> None:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise WindowError(field, "an offset is required, e.g. 2024-01-26T00:00:00+08:00")


def _check_span(opens_at: datetime, closes_at: datetime, zone: ZoneInfo, field: str) -> None:
    # Measured on the local wall clock so that 366 whole days stay allowed across a DST change.
    def wall(dt: datetime) -> datetime:
        return dt.astimezone(zone).replace(tzinfo=None)

    if wall(closes_at) - wall(opens_at) > MAX_WINDOW:
        raise WindowError(field, f"a window may last at most {MAX_WINDOW.days} days")


def window_from_dates(start: date, end: date, timezone: str) -> Window:
    zone = validate_timezone(timezone)
    if end < start:
        raise WindowError("end", "must not be before start")
    opens_at, closes_at = _midnight(start, zone), _midnight(end + timedelta(days=1), zone)
    _check_span(opens_at, closes_at, zone, "end")
    return Window(opens_at, closes_at, timezone)


def window_from_instants(opens_at: datetime, closes_at: datetime, timezone: str) -> Window:
    _require_aware(opens_at, "opens_at")
    _require_aware(closes_at, "closes_at")
    zone = validate_timezone(timezone)
    if not opens_at < closes_at:
        raise WindowError("closes_at", "must be later than opens_at")
    _check_span(opens_at, closes_at, zone, "closes_at")
    return Window(to_utc(opens_at), to_utc(closes_at), timezone)


def local_start_date(window: Window) -> date:
    return window.opens_at.astimezone(ZoneInfo(window.timezone)).date()


def local_end_date(window: Window) -> date:
    last_instant = window.closes_at - timedelta(microseconds=1)
    return last_instant.astimezone(ZoneInfo(window.timezone)).date()


def is_whole_days(window: Window) -> bool:
    zone = ZoneInfo(window.timezone)
    first_midnight = _midnight(local_start_date(window), zone)
    last_midnight = _midnight(local_end_date(window) + timedelta(days=1), zone)
    return window.opens_at == first_midnight and window.closes_at == last_midnight


@lru_cache(maxsize=65_536)  # a pure function of the window, asked for on every read
def working_days(window: Window) -> tuple[int, str]:
    count, official, weekdays = 0, 0, 0
    day, end = local_start_date(window), local_end_date(window)
    while day <= end:
        workday = _official_workday(day)
        if workday is None:  # the calendar only knows the years it was released with
            workday = day.weekday() < 5
            weekdays += 1
        else:
            official += 1
        count += workday
        day += timedelta(days=1)
    basis = "official" if not weekdays else "weekdays" if not official else "mixed"
    return count, basis


@lru_cache(maxsize=16_384)  # chinese_calendar scans its whole table of holidays on every call
def _official_workday(day: date) -> bool | None:
    """Whether `day` is a working day in China's official calendar; None for a year it lacks."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def describe(window: Window) -> dict:
    zone = ZoneInfo(window.timezone)
    count, basis = working_days(window)
    return {
        "start": local_start_date(window).isoformat(),
        "end": local_end_date(window).isoformat(),
        "timezone": window.timezone,
        "opens_at": window.opens_at.astimezone(zone).isoformat(),
        "closes_at": window.closes_at.astimezone(zone).isoformat(),
        "working_days": count,
        "working_days_basis": basis,
        "is_whole_days": is_whole_days(window),
    }


def extended(
    window: Window, *, end: date | None = None, closes_at: datetime | None = None
) -> Window:
    if (end is None) == (closes_at is None):
        raise WindowError("end", "give end or closes_at")
    zone = ZoneInfo(window.timezone)
    if end is not None:
        field, current = "end", local_end_date(window).isoformat()
        new_closes_at = _midnight(end + timedelta(days=1), zone)
    else:
        _require_aware(closes_at, "closes_at")
        field, current = "closes_at", window.closes_at.astimezone(zone).isoformat()
        new_closes_at = to_utc(closes_at)
    if new_closes_at <= window.closes_at:
        raise WindowError(field, f"must be later than the current {field} ({current})")
    _check_span(window.opens_at, new_closes_at, zone, field)
    return Window(window.opens_at, new_closes_at, window.timezone)
