"""Tests for publicity windows: dates, instants, zones, working days and extension."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from service.domain.models import Notice
from service.domain.status import status_of
from service.domain.windows import (
    MAX_WINDOW,
    Window,
    WindowError,
    describe,
    extended,
    is_whole_days,
    local_end_date,
    local_start_date,
    validate_timezone,
    window_from_dates,
    window_from_instants,
    working_days,
)

# chinesecalendar 1.11 has data for 2004-2026; outside that it raises NotImplementedError.
CALENDAR_LAST_YEAR = 2026
CST = timezone(timedelta(hours=8))


def seed_window() -> Window:
    return window_from_dates(date(2024, 1, 26), date(2024, 2, 5), "Asia/Shanghai")


def test_seed_window_instants_are_local_midnights_in_utc():
    window = seed_window()
    assert window.opens_at == datetime(2024, 1, 25, 16, 0, tzinfo=UTC)
    assert window.closes_at == datetime(2024, 2, 5, 16, 0, tzinfo=UTC)
    assert window.timezone == "Asia/Shanghai"


def test_end_date_is_inclusive():
    window = seed_window()
    assert local_start_date(window) == date(2024, 1, 26)
    assert local_end_date(window) == date(2024, 2, 5)


def test_2024_spring_festival_makeup_sunday_counts():
    # 2024-02-04 was a Sunday worked in lieu of the Spring Festival holiday.
    assert working_days(seed_window()) == (8, "official")
    sunday = window_from_dates(date(2024, 2, 4), date(2024, 2, 4), "Asia/Shanghai")
    assert working_days(sunday) == (1, "official")


def test_describe_seed_window():
    assert describe(seed_window()) == {
        "start": "2024-01-26",
        "end": "2024-02-05",
        "timezone": "Asia/Shanghai",
        "opens_at": "2024-01-26T00:00:00+08:00",
        "closes_at": "2024-02-06T00:00:00+08:00",
        "working_days": 8,
        "working_days_basis": "official",
        "is_whole_days": True,
    }


def test_same_dates_in_other_zones_give_other_instants():
    shanghai = seed_window()
    utc = window_from_dates(date(2024, 1, 26), date(2024, 2, 5), "UTC")
    new_york = window_from_dates(date(2024, 1, 26), date(2024, 2, 5), "America/New_York")
    assert utc.opens_at == datetime(2024, 1, 26, 0, 0, tzinfo=UTC)
    assert new_york.opens_at == datetime(2024, 1, 26, 5, 0, tzinfo=UTC)
    assert new_york.closes_at == datetime(2024, 2, 6, 5, 0, tzinfo=UTC)
    assert len({shanghai.opens_at, utc.opens_at, new_york.opens_at}) == 3


def test_instants_with_plus_eight_and_z_offsets_are_the_same_window():
    with_offset = window_from_instants(
        datetime(2024, 1, 26, tzinfo=CST), datetime(2024, 2, 6, tzinfo=CST), "Asia/Shanghai"
    )
    with_z = window_from_instants(
        datetime.fromisoformat("2024-01-25T16:00:00Z"),
        datetime.fromisoformat("2024-02-05T16:00:00Z"),
        "Asia/Shanghai",
    )
    assert with_offset == with_z == seed_window()
    assert with_offset.opens_at.tzinfo == UTC


def test_window_opening_mid_morning_is_not_whole_days():
    window = window_from_instants(
        datetime(2024, 1, 26, 9, 30, tzinfo=CST),
        datetime(2024, 2, 5, 17, 0, tzinfo=CST),
        "Asia/Shanghai",
    )
    assert not is_whole_days(window)
    assert local_start_date(window) == date(2024, 1, 26)
    assert local_end_date(window) == date(2024, 2, 5)
    assert describe(window)["opens_at"] == "2024-01-26T09:30:00+08:00"
    assert describe(window)["is_whole_days"] is False


def test_window_closing_exactly_at_local_midnight_ends_the_day_before():
    window = window_from_instants(
        datetime(2024, 1, 26, 9, 30, tzinfo=CST),
        datetime(2024, 2, 6, 0, 0, tzinfo=CST),
        "Asia/Shanghai",
    )
    assert local_end_date(window) == date(2024, 2, 5)
    assert working_days(window) == (8, "official")


def test_end_before_start_is_rejected():
    with pytest.raises(WindowError) as caught:
        window_from_dates(date(2024, 2, 5), date(2024, 1, 26), "Asia/Shanghai")
    assert caught.value.field == "end"


def test_one_day_window_is_allowed():
    window = window_from_dates(date(2024, 1, 26), date(2024, 1, 26), "Asia/Shanghai")
    assert window.closes_at - window.opens_at == timedelta(days=1)


def test_366_days_accepted_and_367_rejected():
    window = window_from_dates(date(2024, 1, 1), date(2024, 12, 31), "Asia/Shanghai")
    assert window.closes_at - window.opens_at == MAX_WINDOW
    with pytest.raises(WindowError) as caught:
        window_from_dates(date(2024, 1, 1), date(2025, 1, 1), "Asia/Shanghai")
    assert caught.value.field == "end"


def test_instants_over_366_days_rejected_naming_closes_at():
    opens_at = datetime(2024, 1, 1, tzinfo=CST)
    window_from_instants(opens_at, opens_at + MAX_WINDOW, "Asia/Shanghai")
    with pytest.raises(WindowError) as caught:
        window_from_instants(
            opens_at, opens_at + MAX_WINDOW + timedelta(seconds=1), "Asia/Shanghai"
        )
    assert caught.value.field == "closes_at"


def test_366_whole_days_across_an_autumn_clock_change_are_allowed():
    # 366 local days that contain only the autumn change last 366 days and one hour.
    window = window_from_dates(date(2023, 3, 27), date(2024, 3, 26), "Europe/Berlin")
    assert window.closes_at - window.opens_at == MAX_WINDOW + timedelta(hours=1)


@pytest.mark.parametrize("field", ["opens_at", "closes_at"])
def test_naive_instant_is_rejected_naming_the_field(field):
    instants = {
        "opens_at": datetime(2024, 1, 26, tzinfo=CST),
        "closes_at": datetime(2024, 2, 6, tzinfo=CST),
    }
    instants[field] = instants[field].replace(tzinfo=None)
    with pytest.raises(WindowError) as caught:
        window_from_instants(instants["opens_at"], instants["closes_at"], "Asia/Shanghai")
    assert caught.value.field == field
    assert "offset is required" in caught.value.message


def test_closes_at_not_after_opens_at_is_rejected():
    instant = datetime(2024, 1, 26, tzinfo=CST)
    with pytest.raises(WindowError) as caught:
        window_from_instants(instant, instant, "Asia/Shanghai")
    assert caught.value.field == "closes_at"


@pytest.mark.parametrize("name", ["Mars/Olympus", "asia/shanghai", "", "America", "../etc/passwd"])
def test_unknown_time_zone_is_rejected(name):
    with pytest.raises(WindowError) as caught:
        window_from_dates(date(2024, 1, 26), date(2024, 2, 5), name)
    assert caught.value.field == "timezone"
    with pytest.raises(WindowError):
        validate_timezone(name)


def test_window_beyond_the_calendar_counts_monday_to_friday():
    year = CALENDAR_LAST_YEAR + 5
    # 2031-01-06 is a Monday: two full weeks.
    window = window_from_dates(date(year, 1, 6), date(year, 1, 19), "Asia/Shanghai")
    assert working_days(window) == (10, "weekdays")


def test_window_straddling_the_calendars_last_year_is_mixed():
    # 2026-12-28..31 are official working days; 2027-01-01..08 are counted Monday to Friday.
    window = window_from_dates(
        date(CALENDAR_LAST_YEAR, 12, 28), date(CALENDAR_LAST_YEAR + 1, 1, 8), "Asia/Shanghai"
    )
    assert working_days(window) == (4 + 6, "mixed")


def test_national_day_2024_has_no_working_days():
    window = window_from_dates(date(2024, 10, 1), date(2024, 10, 7), "Asia/Shanghai")
    assert working_days(window) == (0, "official")


def test_2024_october_12_saturday_was_a_makeup_workday():
    window = window_from_dates(date(2024, 10, 12), date(2024, 10, 13), "Asia/Shanghai")
    assert working_days(window) == (1, "official")


def test_dst_start_day_in_berlin_is_23_hours():
    window = window_from_dates(date(2024, 3, 31), date(2024, 3, 31), "Europe/Berlin")
    assert window.opens_at == datetime(2024, 3, 30, 23, 0, tzinfo=UTC)
    assert window.closes_at == datetime(2024, 3, 31, 22, 0, tzinfo=UTC)
    assert describe(window)["opens_at"] == "2024-03-31T00:00:00+01:00"
    assert describe(window)["closes_at"] == "2024-04-01T00:00:00+02:00"
    assert is_whole_days(window)
    assert local_end_date(window) == date(2024, 3, 31)


def test_day_without_a_midnight_starts_when_the_clocks_go_forward():
    # Chile moved its clocks from 00:00 to 01:00 on 2024-09-08.
    window = window_from_dates(date(2024, 9, 8), date(2024, 9, 8), "America/Santiago")
    assert window.opens_at == datetime(2024, 9, 8, 4, 0, tzinfo=UTC)
    assert describe(window)["opens_at"] == "2024-09-08T01:00:00-03:00"
    assert is_whole_days(window)
    assert local_start_date(window) == local_end_date(window) == date(2024, 9, 8)
    day_before = window_from_dates(date(2024, 9, 7), date(2024, 9, 7), "America/Santiago")
    assert local_end_date(day_before) == date(2024, 9, 7)


def test_a_notice_is_open_from_its_opening_to_just_before_its_closing():
    window = seed_window()
    notice = Notice(opens_at=window.opens_at, closes_at=window.closes_at,
                    published_at=window.opens_at - timedelta(days=1))
    assert status_of(notice, window.opens_at - timedelta(microseconds=1)) == "scheduled"
    assert status_of(notice, window.opens_at) == "open"
    assert status_of(notice, datetime(2024, 2, 5, 23, 59, tzinfo=CST)) == "open"
    assert status_of(notice, window.closes_at) == "closed"


def test_extension_to_a_later_end_date():
    window = extended(seed_window(), end=date(2024, 2, 20))
    assert window.opens_at == seed_window().opens_at
    assert local_end_date(window) == date(2024, 2, 20)
    assert window.closes_at == datetime(2024, 2, 20, 16, 0, tzinfo=UTC)


def test_extension_to_a_later_closes_at():
    later = datetime(2024, 2, 6, 18, 0, tzinfo=CST)
    window = extended(seed_window(), closes_at=later)
    assert window.closes_at == later.astimezone(UTC)
    assert not is_whole_days(window)


@pytest.mark.parametrize("end", [date(2024, 2, 5), date(2024, 2, 1)])
def test_extension_to_a_not_later_end_is_rejected(end):
    with pytest.raises(WindowError) as caught:
        extended(seed_window(), end=end)
    assert caught.value.field == "end"
    assert "must be later than the current end" in caught.value.message


def test_extension_to_a_not_later_closes_at_is_rejected():
    with pytest.raises(WindowError) as caught:
        extended(seed_window(), closes_at=datetime(2024, 2, 6, tzinfo=CST))
    assert caught.value.field == "closes_at"
    assert "must be later than the current closes_at" in caught.value.message


def test_extension_needs_exactly_one_of_end_or_closes_at():
    for kwargs in ({}, {"end": date(2024, 3, 1), "closes_at": datetime(2024, 3, 2, tzinfo=CST)}):
        with pytest.raises(WindowError) as caught:
            extended(seed_window(), **kwargs)
        assert caught.value.field == "end"
        assert caught.value.message == "give end or closes_at"


def test_extension_past_the_span_limit_is_rejected():
    with pytest.raises(WindowError) as caught:
        extended(seed_window(), end=date(2025, 1, 26))
    assert caught.value.field == "end"
    assert local_end_date(extended(seed_window(), end=date(2025, 1, 25))) == date(2025, 1, 25)


def test_extension_with_a_naive_closes_at_is_rejected():
    with pytest.raises(WindowError) as caught:
        extended(seed_window(), closes_at=datetime(2024, 3, 1))
    assert caught.value.field == "closes_at"
