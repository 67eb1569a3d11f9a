"""Report periods in China time: a month, a quarter, a year, an ISO week or a range of days.

Plain module: no Flask. A period is a pair of China-time dates (both inclusive); its key is
what the URL and the `report --period` option carry (2026-11, 2026-Q4, 2026, 2026-W48,
2026-11-01..2026-11-15).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
FIRST_YEAR, LAST_YEAR = 2000, 2100
LONGEST = timedelta(days=3 * 366)  # a custom range of at most about three years


class PeriodError(ValueError):
    """The text is not a period this site understands; the message says what is accepted.
    `reason`: "form" (not a period at all), "order" (it ends before it starts), "range"
    (outside FIRST_YEAR..LAST_YEAR) or "span" (longer than LONGEST)."""

    def __init__(self, message: str, reason: str = "form") -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    grain: str  # "week", "month", "quarter", "year" or "range"

    @property
    def key(self) -> str:
        if self.grain == "month":
            return f"{self.start:%Y-%m}"
        if self.grain == "quarter":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.grain == "year":
            return str(self.start.year)
        if self.grain == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """[start, end) as aware UTC datetimes: China midnight to the midnight after `end`."""
        start = datetime.combine(self.start, time(), CHINA)
        end = datetime.combine(self.end + timedelta(days=1), time(), CHINA)
        return start.astimezone(UTC), end.astimezone(UTC)

    def previous(self) -> Period:
        """The period of the same kind just before (a range: as many days just before)."""
        if self.grain in ("month", "quarter", "year"):
            months = {"month": 1, "quarter": 3, "year": 12}[self.grain]
            return _months(_add_months(self.start, -months), months, self.grain)
        length = timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.grain)

    def year_before(self) -> Period:
        """The same dates a year earlier (29 February becomes the 28th); a week, the same ISO
        week of the year before (week 53 becomes 52)."""
        if self.grain == "week":
            year, week, _day = self.start.isocalendar()
            try:
                monday = date.fromisocalendar(year - 1, week, 1)
            except ValueError:
                monday = date.fromisocalendar(year - 1, 52, 1)
            return Period(monday, monday + timedelta(days=6), "week")
        return Period(_year_before(self.start), _year_before(self.end), self.grain)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _months(first: date, months: int, grain: str) -> Period:
    return Period(first, _add_months(first, months) - timedelta(days=1), grain)


def days_so_far(period: Period, today: date) -> int | None:
    """How many of a running period's days have begun by `today` (today included), or None
    when the period is over or has not begun. Its last day is still running: the month is
    not over on the 31st."""
    if period.start <= today <= period.end:
        return (today - period.start).days + 1
    return None


def first_days(period: Period, days: int) -> Period:
    """The first `days` days of `period`: what a running period is compared with."""
    return Period(period.start, min(period.start + timedelta(days=days - 1), period.end), "range")


def today_in_china(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(CHINA).date()


def preset(name: str, today: date) -> Period:
    """The periods a person picks with one tap: this week, last month, this year, ..."""
    month = date(today.year, today.month, 1)
    quarter = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    monday = today - timedelta(days=today.weekday())
    presets = {
        "this-week": Period(monday, monday + timedelta(days=6), "week"),
        "last-week": Period(monday - timedelta(days=7), monday - timedelta(days=1), "week"),
        "this-month": _months(month, 1, "month"),
        "last-month": _months(_add_months(month, -1), 1, "month"),
        "this-quarter": _months(quarter, 3, "quarter"),
        "last-quarter": _months(_add_months(quarter, -3), 3, "quarter"),
        "this-year": _months(date(today.year, 1, 1), 12, "year"),
        "last-year": _months(date(today.year - 1, 1, 1), 12, "year"),
    }
    if name not in presets:
        raise PeriodError(f"unknown preset: {name}")
    return presets[name]


PRESETS = (
    "this-week",
    "last-week",
    "this-month",
    "last-month",
    "this-quarter",
    "last-quarter",
    "this-year",
    "last-year",
)

_PATTERNS = (
    (re.compile(r"(\d{4})-(\d{1,2})"), "month"),
    (re.compile(r"(\d{4})-?[Qq]([1-4])"), "quarter"),
    (re.compile(r"(\d{4})"), "year"),
    (re.compile(r"(\d{4})-?[Ww](\d{1,2})"), "week"),
    (re.compile(r"(\d{4}-\d{1,2}-\d{1,2})\s*(?:\.\.|~|/|至)\s*(\d{4}-\d{1,2}-\d{1,2})"), "range"),
)

ACCEPTED = "2026-11, 2026-Q4, 2026, 2026-W48, 2026-11-01..2026-11-15"


def parse(text: str, today: date | None = None) -> Period:
    """A period from its key or a preset name; PeriodError for anything else."""
    text = (text or "").strip()
    if text in PRESETS:
        return preset(text, today or today_in_china())
    for pattern, grain in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            try:
                period = _build(grain, *match.groups())
            except ValueError:
                break
            _check(period)
            return period
    raise PeriodError(f"not a period: {text[:40]!r}; use one of {ACCEPTED}")


def _build(grain: str, first: str, second: str | None = None) -> Period:
    if grain == "month":
        return _months(date(int(first), int(second), 1), 1, grain)
    if grain == "quarter":
        return _months(date(int(first), (int(second) - 1) * 3 + 1, 1), 3, grain)
    if grain == "year":
        return _months(date(int(first), 1, 1), 12, grain)
    if grain == "week":
        monday = date.fromisocalendar(int(first), int(second), 1)
        return Period(monday, monday + timedelta(days=6), grain)
    start, end = (date.fromisoformat(_padded(part)) for part in (first, second))
    return Period(start, end, grain)


def _padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _check(period: Period) -> None:
    if period.end < period.start:
        raise PeriodError("the period ends before it starts", "order")
    if not (period.start.year >= FIRST_YEAR and period.end.year <= LAST_YEAR):
        raise PeriodError(f"periods must lie between {FIRST_YEAR} and {LAST_YEAR}", "range")
    if period.end - period.start > LONGEST:
        raise PeriodError("a custom period may span at most three years", "span")


def months_in(period: Period) -> list[date]:
    """The first day of every month the period touches."""
    first, out = date(period.start.year, period.start.month, 1), []
    while first <= period.end:
        out.append(first)
        first = _add_months(first, 1)
    return out


def months_within(period: Period) -> list[tuple[date, Period]]:
    """Each month the period touches: its first day, and the part of it inside the period."""
    return [
        (
            first,
            Period(
                max(first, period.start),
                min(_add_months(first, 1) - timedelta(days=1), period.end),
                "range",
            ),
        )
        for first in months_in(period)
    ]


def split(period: Period) -> tuple[list[date], list[date], list[tuple[date, date]]]:
    """The period as whole years, whole months outside those years, and leftover day ranges
    (inclusive): how per-station totals are read from the month and year rollups."""
    years, months, ranges = [], [], []
    cursor = period.start
    while cursor <= period.end:
        year_end = date(cursor.year, 12, 31)
        month_end = _add_months(date(cursor.year, cursor.month, 1), 1) - timedelta(days=1)
        if cursor.month == 1 and cursor.day == 1 and year_end <= period.end:
            years.append(cursor)
            cursor = year_end + timedelta(days=1)
        elif cursor.day == 1 and month_end <= period.end:
            months.append(cursor)
            cursor = month_end + timedelta(days=1)
        else:
            last = min(month_end, period.end)
            if ranges and ranges[-1][1] + timedelta(days=1) == cursor:
                ranges[-1] = (ranges[-1][0], last)
            else:
                ranges.append((cursor, last))
            cursor = last + timedelta(days=1)
    return years, months, ranges


MONTHS_EN = "January February March April May June July August September October November December"


def label(period: Period, lang: str = "zh", dated: bool = True) -> str:
    """How people name the period: 2026年11月 / November 2026, 2026年第4季度 / Q4 2026, ...
    A week names its dates too, unless not `dated` (a page that gives them beside it)."""
    start, end = period.start, period.end
    if period.grain == "week" and not dated:
        year, week = start.isocalendar()[:2]
        return f"Week {week}, {year}" if lang == "en" else f"{year}年第{week}周"
    if lang == "en":
        month = MONTHS_EN.split()[start.month - 1]
        return {
            "month": f"{month} {start.year}",
            "quarter": f"Q{(start.month - 1) // 3 + 1} {start.year}",
            "year": str(start.year),
            "week": f"Week {start.isocalendar()[1]}, {start.isocalendar()[0]} ({start} – {end})",
        }.get(period.grain, f"{start} – {end}")
    return {
        "month": f"{start.year}年{start.month}月",
        "quarter": f"{start.year}年第{(start.month - 1) // 3 + 1}季度",
        "year": f"{start.year}年",
        "week": f"{start.isocalendar()[0]}年第{start.isocalendar()[1]}周（{start} 至 {end}）",
    }.get(period.grain, f"{start} 至 {end}")
