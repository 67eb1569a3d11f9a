"""A week of opening times as people fill it in, to and from OSM `opening_hours` syntax."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from . import hours

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
REFERENCE_MONDAY = date(2025, 11, 17)  # an ordinary week: no holiday, no make-up day
REFERENCE_HOLIDAY = date(2025, 10, 1)  # a Wednesday of Golden Week


@dataclass(frozen=True)
class DaySpec:
    closed: bool = False
    all_day: bool = False
    opens: time | None = None
    closes: time | None = None  # at or before `opens`: closes the next morning

    def osm(self) -> str:
        if self.closed:
            return "off"
        if self.all_day:
            return "00:00-24:00"
        if self.opens is None or self.closes is None:
            raise ValueError("a day that is open needs an opening and a closing time")
        closes = "24:00" if self.closes == time(0) else self.closes.strftime("%H:%M")
        return f"{self.opens.strftime('%H:%M')}-{closes}"


def _day_range(indexes: list[int]) -> str:
    if len(indexes) >= 3:
        return f"{DAYS[indexes[0]]}-{DAYS[indexes[-1]]}"
    return ",".join(DAYS[i] for i in indexes)


def to_osm(week: list[DaySpec], holidays: str = "same", holiday: DaySpec | None = None) -> str:
    """`holidays`: "same" (as the weekday), "off", or "custom" with `holiday`'s times."""
    specs = [day.osm() for day in week]
    if set(specs) == {"00:00-24:00"} and holidays == "same":
        return "24/7"
    rules, run = [], [0]
    for index in range(1, 8):
        if index < 7 and specs[index] == specs[run[0]] and index == run[-1] + 1:
            run.append(index)
            continue
        if specs[run[0]] != "off":
            rules.append(f"{_day_range(run)} {specs[run[0]]}")
        run = [index]
    if holidays == "off":
        rules.append("PH off")
    elif holidays == "custom" and holiday is not None:
        rules.append(f"PH {holiday.osm()}")
    return "; ".join(rules) or "off"


def _spec(expression: str, day: date) -> DaySpec | None:
    segments = [s for s in hours.day_segments(expression, day) if s.state is not hours.State.CLOSED]
    if any(s.state is hours.State.UNKNOWN for s in segments):
        return None
    if not segments:
        return DaySpec(closed=True)
    spans = list(hours.week(expression, day)[day.weekday()].spans)
    if len(segments) == 1 and segments[0].end - segments[0].start == timedelta(days=1):
        return DaySpec(all_day=True)
    if len(spans) != 1:
        return None
    opens, closes, _overnight = spans[0]
    return DaySpec(opens=opens, closes=closes or time(0))


def from_osm(expression: str) -> tuple[list[DaySpec], str, DaySpec | None] | None:
    """The week, holiday mode and holiday times; None when the editor cannot show it."""
    if not hours.is_valid(expression):
        return None
    week = [_spec(expression, REFERENCE_MONDAY + timedelta(days=i)) for i in range(7)]
    if any(day is None for day in week):
        return None
    if "PH" not in expression:
        return week, "same", None
    holiday = _spec(expression, REFERENCE_HOLIDAY)
    if holiday is None:
        return None
    if holiday == week[REFERENCE_HOLIDAY.weekday()]:
        return week, "same", None
    return week, ("off" if holiday.closed else "custom"), holiday
