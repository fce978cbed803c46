"""Settings: read from the environment once, typed, and refused with a clear message when bad."""

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

from service import create_app
from service.config import DEFAULTS, ConfigError, from_env


def test_defaults_are_typed_values():
    assert DEFAULTS == {
        "DATABASE_URL": "sqlite:///var/registry.db",
        "NOTICE_TIMEZONE": "Asia/Shanghai",
        "LOG_LEVEL": "INFO",
        "PHONE_REGION": "CN",
        "SCHEDULER_POLL_SECONDS": 1.0,
        "SCHEDULER_METRICS_PORT": None,
        "SCHEDULER_METRICS_ADDR": "127.0.0.1",
        "ROSTER_PUBLIC_DAYS_AFTER_CLOSE": None,
        "PUBLIC_RATE_LIMIT": "60/minute;1000/hour",
        "SEARCH_RATE_LIMIT": "20/minute;300/hour",
        "RATELIMIT_STORAGE_URI": "",
        "RATELIMIT_KEY_PREFIX": "",
        "TRUSTED_PROXY_HOPS": 0,
        "ROSTER_IMPORT_SECONDS": 60.0,
        "NAME_CHECK_CACHE_MB": 4,
        "ARTICLE_SEARCH_CACHE_MB": 4,
        "TOKEN_LIFETIME_DAYS": 90,
    }


def test_environment_text_becomes_typed_values():
    settings = from_env({
        "DATABASE_URL": "postgresql://registry@db:5432/registry",
        "NOTICE_TIMEZONE": "Asia/Hong_Kong", "PHONE_REGION": "hk", "LOG_LEVEL": "warning",
        "SCHEDULER_POLL_SECONDS": "0.5", "SCHEDULER_METRICS_PORT": "9100",
        "ROSTER_PUBLIC_DAYS_AFTER_CLOSE": "30", "PUBLIC_RATE_LIMIT": "5 per second",
        "TRUSTED_PROXY_HOPS": "2", "NAME_CHECK_CACHE_MB": "0", "ARTICLE_SEARCH_CACHE_MB": " 8 ",
        "ROSTER_IMPORT_SECONDS": "2.5",
    })

    assert settings["DATABASE_URL"] == "postgresql://registry@db:5432/registry"
    assert settings["NOTICE_TIMEZONE"] == "Asia/Hong_Kong"
    assert settings["PHONE_REGION"] == "HK"
    assert settings["LOG_LEVEL"] == "WARNING"
    assert settings["SCHEDULER_POLL_SECONDS"] == 0.5
    assert settings["SCHEDULER_METRICS_PORT"] == 9100
    assert settings["ROSTER_PUBLIC_DAYS_AFTER_CLOSE"] == 30
    assert settings["PUBLIC_RATE_LIMIT"] == "5 per second"
    assert settings["TRUSTED_PROXY_HOPS"] == 2
    assert settings["NAME_CHECK_CACHE_MB"] == 0
    assert settings["ARTICLE_SEARCH_CACHE_MB"] == 8
    assert settings["ROSTER_IMPORT_SECONDS"] == 2.5


def test_empty_variables_mean_the_default():
    # As deploy/env.example says, and as `docker run --env-file` passes `NAME=`.
    assert from_env(dict.fromkeys(DEFAULTS, "")) == DEFAULTS
    assert from_env({"TRUSTED_PROXY_HOPS": "  "})["TRUSTED_PROXY_HOPS"] == 0


@pytest.mark.parametrize(("name", "value", "says"), [
    ("NOTICE_TIMEZONE", "Mars/Olympus_Mons", "not an IANA time zone"),
    ("NOTICE_TIMEZONE", "../../etc/passwd", "not an IANA time zone"),
    ("NOTICE_TIMEZONE", "+08:00", "not an IANA time zone"),
    ("PHONE_REGION", "XX", "not a phone region code"),
    ("PHONE_REGION", "中国", "not a phone region code"),
    ("LOG_LEVEL", "LOUD", "not one of DEBUG, INFO"),
    ("SCHEDULER_POLL_SECONDS", "0", "not a positive number"),
    ("SCHEDULER_POLL_SECONDS", "nan", "not a positive number"),
    ("SCHEDULER_POLL_SECONDS", "inf", "not a positive number"),
    ("SCHEDULER_POLL_SECONDS", "soon", "not a number of seconds"),
    ("ROSTER_IMPORT_SECONDS", "0", "not a positive number"),
    ("ROSTER_IMPORT_SECONDS", "1e999", "not a positive number"),
    ("SCHEDULER_METRICS_PORT", "0", "out of range (from 1 to 65535)"),
    ("SCHEDULER_METRICS_PORT", "70000", "out of range (from 1 to 65535)"),
    ("ROSTER_PUBLIC_DAYS_AFTER_CLOSE", "-1", "out of range (from 0 to 36600)"),
    # now − 1,000,000 days is before year 1: the scheduler's housekeeping failed on every run
    ("ROSTER_PUBLIC_DAYS_AFTER_CLOSE", "1000000", "out of range (from 0 to 36600)"),
    ("ROSTER_PUBLIC_DAYS_AFTER_CLOSE", "7.5", "not a whole number"),
    ("TRUSTED_PROXY_HOPS", "one", "not a whole number"),
    ("NAME_CHECK_CACHE_MB", "32MB", "not a whole number"),
    ("ARTICLE_SEARCH_CACHE_MB", "-5", "out of range (≥ 0)"),
    ("PUBLIC_RATE_LIMIT", "60/fortnight", "not a rate limit"),
    ("PUBLIC_RATE_LIMIT", "lots", "not a rate limit"),
    ("SEARCH_RATE_LIMIT", "20 a minute", "not a rate limit"),
    ("DATABASE_URL", "var/registry.db", "expected sqlite:///path or postgresql://"),
])
def test_a_bad_value_is_refused_with_its_name_and_what_is_expected(name, value, says):
    with pytest.raises(ConfigError) as refused:
        from_env({name: value})

    assert f"{name}: " in str(refused.value)
    assert says in str(refused.value)


def test_every_bad_setting_is_named_at_once_and_no_password_is_repeated():
    with pytest.raises(ConfigError) as refused:
        from_env({"DATABASE_URL": "mysql://registry:s3cret@db/registry",
                  "PHONE_REGION": "XX", "TRUSTED_PROXY_HOPS": "-1"})

    message = str(refused.value)
    assert [line.split(":")[0].strip() for line in message.splitlines()[1:]] == [
        "DATABASE_URL", "PHONE_REGION", "TRUSTED_PROXY_HOPS"]
    assert "s3cret" not in message


def test_the_app_refuses_to_start_on_a_bad_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("NOTICE_TIMEZONE", "Asia/Peking")

    with pytest.raises(ConfigError, match="NOTICE_TIMEZONE: 'Asia/Peking'"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}"})


def test_test_config_may_give_settings_as_text(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'registry.db'}",
                      "TRUSTED_PROXY_HOPS": "1", "NAME_CHECK_CACHE_MB": 4, "TESTING": True})

    assert app.config["TRUSTED_PROXY_HOPS"] == 1
    assert isinstance(app.wsgi_app, ProxyFix)
    assert app.config["NAME_CHECK_CACHE_MB"] == 4
    assert app.config["TESTING"] is True
