"""Settings read from the environment in one place, each parsed once into its type."""

import math
import os
from collections.abc import Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from limits import parse_many

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = ("sqlite", "postgres", "postgresql")


class ConfigError(ValueError):
    """Settings that cannot be used; the message names each one and says what it accepts."""


def _text(value: str) -> str:
    return value


def _database_url(value: str) -> str:
    # The value is not repeated in the message: it may hold a password.
    scheme = value.split("://", 1)[0].split("+", 1)[0] if "://" in value else ""
    if scheme not in DATABASE_SCHEMES:
        raise ValueError("expected sqlite:///path or postgresql://user:password@host:5432/db")
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Shanghai)") from None
    return value


def _region(value: str) -> str:
    if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"{value!r} is not a phone region code (e.g. CN, HK)")
    return value.upper()


def _log_level(value: str) -> str:
    if value.upper() not in LOG_LEVELS:
        raise ValueError(f"{value!r} is not one of {', '.join(LOG_LEVELS)}")
    return value.upper()


def _rate_limit(value: str) -> str:
    try:
        parse_many(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a rate limit (e.g. 60/minute;1000/hour)") from None
    return value


def _whole(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a whole number") from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"from {minimum} to {maximum}" if maximum is not None else f"≥ {minimum}"
            raise ValueError(f"{number} is out of range ({bound})")
        return number

    return parse


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{value!r} is not a positive number of seconds")
    return seconds


# name: (default as the environment would give it, parser). An unset or empty variable means the
# default; a default of None means the feature is off. deploy/env.example documents each.
SETTINGS: dict[str, tuple[str | None, Callable[[str], object]]] = {
    "DATABASE_URL": ("sqlite:///var/registry.db", _database_url),
    "NOTICE_TIMEZONE": ("Asia/Shanghai", _timezone),
    "LOG_LEVEL": ("INFO", _log_level),
    "PHONE_REGION": ("CN", _region),
    "SCHEDULER_POLL_SECONDS": ("1", _seconds),
    "SCHEDULER_METRICS_PORT": (None, _whole(1, 65535)),  # unset: the scheduler serves no metrics
    "SCHEDULER_METRICS_ADDR": ("127.0.0.1", _text),
    # unset: rosters stay public; at most 100 years (a cutoff before year 1 fails every run)
    "ROSTER_PUBLIC_DAYS_AFTER_CLOSE": (None, _whole(0, 36_600)),
    # Per client; service/infra/limits.py says where they count, deploy/env.example how.
    "PUBLIC_RATE_LIMIT": ("60/minute;1000/hour", _rate_limit),
    "SEARCH_RATE_LIMIT": ("20/minute;300/hour", _rate_limit),
    "RATELIMIT_STORAGE_URI": ("", _text),  # empty: a SQLite file beside the database
    "RATELIMIT_KEY_PREFIX": ("", _text),
    "TRUSTED_PROXY_HOPS": ("0", _whole(0)),  # reverse proxies in front that set X-Forwarded-For
    "ROSTER_IMPORT_SECONDS": ("60", _seconds),  # wall-clock limit on reading one roster file
    # Answers kept per process until the data changes (service/infra/cache.py); 0 turns a cache off.
    # 4 MB of JSON bodies each keeps a worker under 120 MB (issue 16): the benchmark's 400 repeated
    # names need ≈ 1.5 MB, its 400 repeated two-character article searches ≈ 10 MB (they hit less).
    "NAME_CHECK_CACHE_MB": ("4", _whole(0)),
    "ARTICLE_SEARCH_CACHE_MB": ("4", _whole(0)),
    # A new staff token's lifetime unless its maker says otherwise (--expires-in-days N|never).
    "TOKEN_LIFETIME_DAYS": ("90", _whole(1, 3660)),
}

MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def parse(values: Mapping[str, object]) -> dict:
    """`values` with every setting given as text turned into its type ("" = its default); other
    keys and values already typed are kept as they are. Raises ConfigError naming each bad one."""
    typed, errors = dict(values), []
    for name, value in values.items():
        if name not in SETTINGS or not isinstance(value, str):
            continue
        default, parse_value = SETTINGS[name]
        text = value.strip() or default
        try:
            typed[name] = None if text is None else parse_value(text)
        except ValueError as error:
            errors.append(f"{name}: {error}")
    if errors:
        raise ConfigError("invalid settings:\n  " + "\n  ".join(errors))
    return typed


def from_env(environ: Mapping[str, str] = os.environ) -> dict:
    """The app's settings: each variable of the environment, or its default, in its type."""
    return parse({name: environ.get(name, "") for name in SETTINGS})


DEFAULTS = from_env({})
