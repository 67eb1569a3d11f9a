from datetime import date

import pytest

from stationsite import cn_calendar
from stationsite.cn_calendar import DayType, classify


@pytest.mark.parametrize(
    "day",
    [date(2025, 10, d) for d in range(1, 9)] + [date(2026, 2, d) for d in range(15, 24)],
)
def test_every_day_of_golden_week_2025_and_spring_festival_2026_is_a_holiday(day):
    assert classify(day).type is DayType.HOLIDAY


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
)
def test_makeup_working_days_2025_2026(day):
    assert classify(day).type is DayType.MAKEUP_WORKDAY
    assert cn_calendar.is_makeup_workday(day)


def test_ordinary_days():
    assert classify(date(2025, 11, 24)).type is DayType.WORKDAY
    assert classify(date(2025, 11, 22)).type is DayType.WEEKEND


def test_names_in_both_languages():
    assert cn_calendar.holiday_name(date(2026, 2, 17)) == "春节"
    assert "Spring Festival" in cn_calendar.holiday_name(date(2026, 2, 17), "en")
    # a substituted day off is named after its festival, not its source date
    assert cn_calendar.holiday_name(date(2025, 10, 7)) == "中秋节"
    assert cn_calendar.holiday_name(date(2025, 11, 24)) is None


def test_reference_workday_is_the_nearest_ordinary_working_day():
    assert cn_calendar.reference_workday(date(2025, 9, 28)) == date(2025, 9, 29)
    assert cn_calendar.reference_workday(date(2026, 2, 14)) == date(2026, 2, 13)
