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
}

MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def from_env(environ=os.environ) -> dict:
    """The app's configuration: DEFAULTS overridden by the environment."""
    return {name: environ.get(name, default) for name, default in DEFAULTS.items()}
