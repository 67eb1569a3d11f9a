"""Opening-hours evaluation in China time: open, closed or unknown now, and when that changes.

OSM `opening_hours` strings are parsed and evaluated by `opening-hours-py`. China's calendar
comes from `cn_calendar`: on a day of an official break the expression is read with `PH`
matching that day; a make-up working day (调休) follows the hours of the nearest ordinary
working day. Anything that cannot be parsed answers "unknown", never a guess.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError
from opening_hours import State as OHState

from . import cn_calendar
from .cn_calendar import DayType

SHANGHAI = ZoneInfo("Asia/Shanghai")
HORIZON_DAYS = 14  # how far ahead "next change" is searched
EARLIEST = datetime.min.replace(tzinfo=UTC)


class State(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Status:
    state: State
    next_change: datetime | None = None
    reason: str | None = None  # "temporarily_closed", "closed", "holiday", "invalid_hours"

    @property
    def open(self) -> bool | None:
        return None if self.state is State.UNKNOWN else self.state is State.OPEN


@dataclass(frozen=True)
class Segment:
    start: datetime
    end: datetime
    state: State


_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_WEEKDAY = rf"{_DAY}(?:\[[^\]]*\])?(?:\s*-\s*{_DAY}(?:\[[^\]]*\])?)?"
_HOLIDAY = r"(?:PH|SH)(?:\s*[+-]\s*\d+\s*days?)?"
_ITEM = rf"(?:{_HOLIDAY}|{_WEEKDAY})"
_RUN = re.compile(rf"\b{_ITEM}(?:\s*,\s*{_ITEM})*(?:\s+{_WEEKDAY}(?:\s*,\s*{_WEEKDAY})*)?")
_QUOTED = re.compile(r'"[^"]*"')


def holiday_view(expression: str) -> str:
    """The expression read on a holiday: `PH` matches every day, school holidays none.

    `Sa,Su,PH 09:00-12:00` becomes `Mo-Su 09:00-12:00`; `PH Sa` (holiday *and* Saturday)
    becomes `Sa`. Without a country, the parser itself never matches PH, which is how ordinary
    days are read.
    """
    comments = _QUOTED.findall(expression)
    masked = _QUOTED.sub('""', expression)
    rewritten = _RUN.sub(_rewrite_run, masked)
    for comment in comments:
        rewritten = rewritten.replace('""', comment, 1)
    return rewritten


_INTERSECTION = re.compile(r"(?<=[^,\s])\s+(?=[A-Z])")


def _rewrite_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if not re.search(r"\bPH\b", run):
        return run
    parts = _INTERSECTION.split(run, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else "Mo-Su"


@lru_cache(maxsize=4096)
def _parse(expression: str) -> OpeningHours | None:
    try:
        return OpeningHours(expression, timezone=SHANGHAI)
    except (ParserError, SyntaxError, ValueError):
        return None


def is_valid(expression: str) -> bool:
    return bool(expression.strip()) and _parse(expression.strip()) is not None


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return at.astimezone(SHANGHAI)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


_STATES = {OHState.OPEN: State.OPEN, OHState.CLOSED: State.CLOSED}


@lru_cache(maxsize=65536)
def day_segments(expression: str, day: date) -> tuple[Segment, ...]:
    """The states through one local calendar day, China's calendar applied."""
    info = cn_calendar.classify(day)
    source = day
    if info.type is DayType.MAKEUP_WORKDAY:
        source = cn_calendar.reference_workday(day)
    text = holiday_view(expression) if info.type is DayType.HOLIDAY else expression
    parsed = _parse(text.strip()) if text.strip() else None
    start, end = _midnight(day), _midnight(day + timedelta(days=1))
    if parsed is None:
        return (Segment(start, end, State.UNKNOWN),)
    shift = _midnight(day) - _midnight(source)
    segments = []
    for seg_start, seg_end, state, _comment in parsed.intervals(
        _midnight(source), _midnight(source + timedelta(days=1))
    ):
        segments.append(
            Segment(seg_start + shift, seg_end + shift, _STATES.get(state, State.UNKNOWN))
        )
    return tuple(segments) or (Segment(start, end, State.CLOSED),)


def segments(expression: str, start: datetime, days: int) -> Iterator[Segment]:
    """Consecutive segments from `start` on, merging same states across midnight."""
    start = _local(start)
    pending: Segment | None = None
    for offset in range(days):
        for seg in day_segments(expression, start.date() + timedelta(days=offset)):
            if seg.end <= start:
                continue
            if pending and pending.state is seg.state and pending.end == seg.start:
                pending = Segment(pending.start, seg.end, seg.state)
                continue
            if pending:
                yield pending
            pending = seg
    if pending:
        yield pending


def this_minute() -> datetime:
    """Now, to the minute: states are minute-precise, and whole minutes hit the cache."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


def evaluate(expression: str | None, at: datetime) -> Status:
    """Open, closed or unknown at `at`, and when that next changes (None beyond two weeks)."""
    expression = (expression or "").strip()
    if at.second == 0 and at.microsecond == 0 and at.tzinfo is not None:
        return evaluate_minute(expression, int(at.timestamp()) // 60)
    return _evaluate(expression, at)


@lru_cache(maxsize=1 << 16)
def evaluate_minute(expression: str, minute: int) -> Status:
    """Stations share a few hours strings, so one evaluation per string and minute serves all."""
    return _evaluate(expression, datetime.fromtimestamp(minute * 60, SHANGHAI))


def _evaluate(expression: str, at: datetime) -> Status:
    if not expression or _parse(expression) is None:
        return Status(State.UNKNOWN, None, "invalid_hours" if expression else None)
    at = _local(at)
    stream = segments(expression, at, HORIZON_DAYS)
    current = next(stream)
    following = next(stream, None)
    holiday = cn_calendar.is_holiday(at.date())
    reason = "holiday" if holiday and current.state is State.CLOSED else None
    return Status(current.state, following.start if following else None, reason)


def station_status(
    expression: str | None,
    at: datetime,
    *,
    status: str = "open",
    closures: Sequence[tuple[datetime, datetime | None]] = (),
) -> Status:
    """Evaluate a station: permanent closure and temporary closures override its hours."""
    if status == "closed":
        return Status(State.CLOSED, None, "closed")
    for closed_from, closed_until in closures:
        if closed_from <= at and (closed_until is None or at < closed_until):
            reopen = closed_until and evaluate(expression, closed_until)
            if reopen and reopen.state is State.OPEN:
                return Status(State.CLOSED, closed_until, "temporarily_closed")
            return Status(
                State.CLOSED, reopen.next_change if reopen else None, "temporarily_closed"
            )
    return evaluate(expression, at)


@dataclass(frozen=True)
class DayHours:
    day: date
    spans: tuple[tuple[time, time | None, bool], ...]  # start, end (None = midnight), overnight
    day_type: DayType
    holiday_name: str | None = None
    unknown: bool = False
    is_today: bool = False
    all_day: bool = False


def week(expression: str | None, today: date) -> list[DayHours]:
    """Monday to Sunday of `today`'s week, as open spans per day for a weekly table."""
    monday = today - timedelta(days=today.weekday())
    return [_day_hours(expression or "", monday + timedelta(days=i), today) for i in range(7)]


def _day_hours(expression: str, day: date, today: date) -> DayHours:
    info = cn_calendar.classify(day)
    blank = DayHours(day, (), info.type, info.holiday_name, is_today=day == today)
    if not is_valid(expression):
        return replace(blank, unknown=True)
    own = day_segments(expression, day)
    if any(seg.state is State.UNKNOWN for seg in own):
        return replace(blank, unknown=True)
    if len(own) == 1 and own[0].state is State.OPEN:
        return replace(blank, all_day=True)
    return replace(blank, spans=tuple(_open_spans(expression, day)))


def _open_spans(expression: str, day: date) -> Iterable[tuple[time, time | None, bool]]:
    """Open spans that start on `day`; a span running past midnight is shown as overnight."""
    next_midnight = _midnight(day + timedelta(days=1))
    for seg in segments(expression, _midnight(day), 2):
        if seg.start >= next_midnight:
            break
        if seg.state is not State.OPEN or _continues_from_yesterday(expression, day, seg):
            continue
        overnight = seg.end > next_midnight
        end = None if seg.end == next_midnight else seg.end.time()
        yield seg.start.time(), end, overnight


def _continues_from_yesterday(expression: str, day: date, seg: Segment) -> bool:
    if seg.start != _midnight(day):
        return False
    yesterday = day_segments(expression, day - timedelta(days=1))
    return yesterday[-1].state is State.OPEN
