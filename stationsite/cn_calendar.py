"""China's statutory holidays and make-up working days (调休), from the `holidays` package.

The State Council publishes each year's schedule in November; `holidays` carries it (2025 and
2026 included) as days off plus the weekend days that become working days. A year whose
schedule is not yet published gets only its statutory days and no make-up days.

"Holiday" here means every day of an official break: the statutory and substituted days off
and the weekend days that join them (the 2025 National Day break is 1–8 October, its Saturday
and Sunday included), as the notices themselves count them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays

_LANG = {"zh": "zh_CN", "en": "en_US"}


class DayType(enum.StrEnum):
    WORKDAY = "workday"
    WEEKEND = "weekend"
    HOLIDAY = "holiday"
    MAKEUP_WORKDAY = "makeup_workday"  # 调休上班


@dataclass(frozen=True)
class Day:
    date: date
    type: DayType
    holiday_name: str | None = None  # in Chinese; see holiday_name() for English


@lru_cache(maxsize=64)
def _year(year: int, lang: str = "zh_CN") -> holidays.HolidayBase:
    return holidays.China(years=year, language=lang)


def _days_off(day: date) -> holidays.HolidayBase:
    return _year(day.year)


def is_makeup_workday(day: date) -> bool:
    return day in _year(day.year).weekend_workdays


def _is_listed_holiday(day: date) -> bool:
    return day in _days_off(day)


def _joins_break(day: date) -> bool:
    """A weekend day (not worked) that a chain of weekend days links to a listed day off."""
    for step in (-1, 1):
        cursor = day + timedelta(days=step)
        while True:
            if _is_listed_holiday(cursor):
                return True
            if cursor.weekday() < 5 or is_makeup_workday(cursor):
                break
            cursor += timedelta(days=step)
    return False


@lru_cache(maxsize=4096)
def classify(day: date) -> Day:
    if is_makeup_workday(day):
        return Day(day, DayType.MAKEUP_WORKDAY)
    if _is_listed_holiday(day):
        return Day(day, DayType.HOLIDAY, _festival_name(day, "zh_CN"))
    if day.weekday() >= 5:
        if _joins_break(day):
            return Day(day, DayType.HOLIDAY, _festival_name(day, "zh_CN"))
        return Day(day, DayType.WEEKEND)
    return Day(day, DayType.WORKDAY)


def is_holiday(day: date) -> bool:
    return classify(day).type is DayType.HOLIDAY


def holiday_name(day: date, locale: str = "zh") -> str | None:
    """Name of the break `day` belongs to, in `locale` ("zh" or "en"), or None."""
    if classify(day).type is not DayType.HOLIDAY:
        return None
    return _festival_name(day, _LANG["en" if locale.startswith("en") else "zh"])


def _festival_name(day: date, lang: str) -> str | None:
    """The festival of the nearest statutory day: substituted days are labelled by a date."""
    for distance in range(7):
        for candidate in {day - timedelta(days=distance), day + timedelta(days=distance)}:
            if _is_listed_holiday(candidate) and candidate not in _substituted(candidate.year):
                return _year(candidate.year, lang).get(candidate)
    return None


@lru_cache(maxsize=64)
def _substituted(year: int) -> frozenset[date]:
    labelled = _year(year, "zh_CN")
    return frozenset(d for d, name in labelled.items() if "调休" in name)


def reference_workday(day: date) -> date:
    """The ordinary working day whose hours a make-up working day follows: the nearest one."""
    for distance in range(1, 15):
        for candidate in (day - timedelta(days=distance), day + timedelta(days=distance)):
            if classify(candidate).type is DayType.WORKDAY:
                return candidate
    return day  # unreachable in practice: no two weeks pass without a working day
