"""Settings read from the environment, in one place, each with a safe default."""

import os

DEFAULTS = {
    "DATABASE_URL": "sqlite:///var/registry.db",
    "NOTICE_TIMEZONE": "Asia/Shanghai",
    "LOG_LEVEL": "INFO",
    "PHONE_REGION": "CN",
    "SCHEDULER_POLL_SECONDS": "1",
    "SCHEDULER_METRICS_PORT": "",  # unset: the scheduler serves no metrics port
    "SCHEDULER_METRICS_ADDR": "127.0.0.1",
    "ROSTER_PUBLIC_DAYS_AFTER_CLOSE": "",  # unset: rosters stay public
    # Per client; service/limits.py says where they count, deploy/env.example how.
    "PUBLIC_RATE_LIMIT": "60/minute;1000/hour",
    "SEARCH_RATE_LIMIT": "20/minute;300/hour",
    "RATELIMIT_STORAGE_URI": "",  # unset: a SQLite file beside the database (var/ with PostgreSQL)
    "RATELIMIT_KEY_PREFIX": "",
    "TRUSTED_PROXY_HOPS": "0",  # reverse proxies in front that set X-Forwarded-For
    "ROSTER_IMPORT_SECONDS": "60",  # wall-clock limit on reading one uploaded roster file
    # Answers kept per process until the data changes (service/cache.py); 0 turns a cache off.
    "NAME_CHECK_CACHE_MB": "32",
    "ARTICLE_SEARCH_CACHE_MB": "32",
}

MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def from_env(environ=os.environ) -> dict:
    """The app's configuration: DEFAULTS overridden by the environment."""
    return {name: environ.get(name, default) for name, default in DEFAULTS.items()}
