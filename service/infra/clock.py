"""The one clock: every "now" in the registry is read here, in UTC (tests move it with
time-machine, which patches what this calls)."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
