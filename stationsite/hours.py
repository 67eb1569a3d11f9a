"""Opening-hours evaluation in China time: open, closed or unknown now, and when that changes.

OSM `opening_hours` strings are parsed and evaluated by `opening-hours-py`. China's calendar
comes from `cn_calendar`: on a day of an official break the expression is read with `PH`
matching that day; a make-up working day (调休) follows the hours of the nearest ordinary
working day. Anything that cannot be parsed answers "unknown", never a guess.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from opening_hours import OpeningHours, ParserError
from opening_hours import State as OHState

from . import cn_calendar, hours_rules
from .cn_calendar import DayType
from .hours_holidays import (
    has_school_holidays,
    holiday_offsets,
    holiday_view,
    school_holiday_view,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
Coords = tuple[float, float] | None  # a station's (lat, lon): needed for sunrise and sunset
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


@lru_cache(maxsize=4096)
def _parse(expression: str, coords: Coords = None) -> OpeningHours | None:
    """Sun events need the position; the country stays unset so `PH` is China's, read here."""
    try:
        if coords is None:
            return OpeningHours(expression, timezone=SHANGHAI)
        return OpeningHours(expression, timezone=SHANGHAI, coords=coords, auto_country=False)
    except (ParserError, SyntaxError, ValueError):
        return None


def is_valid(expression: str) -> bool:
    """Parses, and names no impossible date or range (`Feb 30`, `2014-2014`)."""
    expression = expression.strip()
    return (
        bool(expression)
        and _parse(expression) is not None
        and hours_rules.impossible(expression) is None
    )


def _rounded(coords: Coords) -> Coords:
    """About a kilometre: sunrise moves by seconds, and the cache stays small."""
    return None if coords is None else (round(coords[0], 2), round(coords[1], 2))


def _local(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    return at.astimezone(SHANGHAI)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


_STATES = {OHState.OPEN: State.OPEN, OHState.CLOSED: State.CLOSED}


@lru_cache(maxsize=65536)
def day_segments(expression: str, day: date, coords: Coords = None) -> tuple[Segment, ...]:
    """The states through one local calendar day, China's calendar applied."""
    source = day
    if cn_calendar.classify(day).type is DayType.MAKEUP_WORKDAY:
        source = cn_calendar.reference_workday(day)
    text = _day_view(expression, day).strip()
    start, end = _midnight(day), _midnight(day + timedelta(days=1))
    views = _views(text, coords)
    if views is None:
        return (Segment(start, end, State.UNKNOWN),)
    readings = [_library_segments(v, source) for v in views]
    parts = hours_rules.fallback_parts(text)
    if parts is not None:  # `A || B` read as opening_hours.js does, beside the parser's reading
        fallback = [_reading(part, source, coords) for part in parts]
        if None in fallback:
            return (Segment(start, end, State.UNKNOWN),)
        readings.append(_combined(*fallback, pick=_fallback_state))
    shift = _midnight(day) - _midnight(source)
    merged = [_shifted(seg, shift) for seg in functools.reduce(_agreement, readings)]
    return tuple(merged) or (Segment(start, end, State.CLOSED),)


def _day_view(expression: str, day: date) -> str:
    """`PH` items match on the holidays they are offset from (`PH -1 day`: the eve)."""
    offsets = frozenset(
        k for k in holiday_offsets(expression) if cn_calendar.is_holiday(day - timedelta(days=k))
    )
    return holiday_view(expression, offsets) if offsets else expression


def _views(text: str, coords: Coords) -> list[OpeningHours] | None:
    """The parsed readings of one day's text: more than one when it has an open end or
    school holidays (where they disagree, nobody knows); None when it cannot be answered."""
    if not text or not is_valid(text):
        return None
    if hours_rules.SUN_EVENTS.search(hours_rules.outside_comments(text)) and coords is None:
        return None  # sunrise at an unknown place is a guess
    texts = [text, school_holiday_view(text)] if has_school_holidays(text) else [text]
    if hours_rules.has_open_end(text):
        pairs = [hours_rules.open_end_views(t) for t in texts]
        if None in pairs:
            return None
        texts = [view for pair in pairs for view in pair]
    parsed = [_parse(t, _rounded(coords)) for t in texts]
    return None if any(p is None for p in parsed) else parsed


def _library_segments(parsed: OpeningHours, day: date) -> list[Segment]:
    """The parser's intervals; open with a comment ("on request", "by appointment", "Maybe",
    a comment-only fallback after `||`) is unknown: the comment may say it is not open."""
    segments = []
    for seg_start, seg_end, state, comment in parsed.intervals(
        _midnight(day), _midnight(day + timedelta(days=1))
    ):
        ours = _STATES.get(state, State.UNKNOWN)
        if ours is State.OPEN and comment:
            ours = State.UNKNOWN
        segments.append(Segment(seg_start, seg_end, ours))
    return segments


def _shifted(seg: Segment, shift: timedelta) -> Segment:
    return Segment(seg.start + shift, seg.end + shift, seg.state)


def _reading(text: str, day: date, coords: Coords) -> list[Segment] | None:
    views = _views(text, coords)
    if views is None:
        return None
    return functools.reduce(_agreement, [_library_segments(v, day) for v in views])


def _fallback_state(main: State, fallback: State) -> State:
    """opening_hours.js: the rules after `||` apply wherever the rules before them leave the
    place closed, on the days those rules name too (the parser only on other days)."""
    return fallback if main is State.CLOSED else main


def _agreement(first: list[Segment], second: list[Segment]) -> list[Segment]:
    """One state where both readings agree, unknown where they do not."""
    return _combined(first, second, pick=lambda a, b: a if a is b else State.UNKNOWN)


def _combined(first: list[Segment], second: list[Segment], pick) -> list[Segment]:
    cuts = sorted({s.start for s in first + second} | {s.end for s in first + second})
    merged: list[Segment] = []
    for start, end in zip(cuts, cuts[1:], strict=False):
        state = pick(_state_at(first, start), _state_at(second, start))
        if merged and merged[-1].state is state and merged[-1].end == start:
            merged[-1] = Segment(merged[-1].start, end, state)
        else:
            merged.append(Segment(start, end, state))
    return merged


def _state_at(segments: list[Segment], moment: datetime) -> State:
    return next((s.state for s in segments if s.start <= moment < s.end), State.UNKNOWN)


def segments(
    expression: str, start: datetime, days: int, coords: Coords = None
) -> Iterator[Segment]:
    """Consecutive segments from `start` on, merging same states across midnight."""
    start = _local(start)
    pending: Segment | None = None
    for offset in range(days):
        for seg in day_segments(expression, start.date() + timedelta(days=offset), coords):
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


def evaluate(expression: str | None, at: datetime, coords: Coords = None) -> Status:
    """Open, closed or unknown at `at`, and when that next changes (None beyond two weeks).
    `coords` (lat, lon) place sunrise and sunset; without them those hours are unknown."""
    expression = (expression or "").strip()
    if at.second == 0 and at.microsecond == 0 and at.tzinfo is not None:
        return evaluate_minute(expression, int(at.timestamp()) // 60, _rounded(coords))
    return _evaluate(expression, at, _rounded(coords))


@lru_cache(maxsize=1 << 16)
def evaluate_minute(expression: str, minute: int, coords: Coords = None) -> Status:
    """Stations share a few hours strings, so one evaluation per string and minute serves all."""
    return _evaluate(expression, datetime.fromtimestamp(minute * 60, SHANGHAI), coords)


def _evaluate(expression: str, at: datetime, coords: Coords = None) -> Status:
    if not expression or not is_valid(expression):
        return Status(State.UNKNOWN, None, "invalid_hours" if expression else None)
    at = _local(at)
    stream = segments(expression, at, HORIZON_DAYS, coords)
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
    coords: Coords = None,
) -> Status:
    """Evaluate a station: permanent closure and temporary closures override its hours."""
    if status == "closed":
        return Status(State.CLOSED, None, "closed")
    for closed_from, closed_until in closures:
        if closed_from <= at and (closed_until is None or at < closed_until):
            reopen = closed_until and evaluate(expression, closed_until, coords)
            if reopen and reopen.state is State.OPEN:
                return Status(State.CLOSED, closed_until, "temporarily_closed")
            return Status(
                State.CLOSED, reopen.next_change if reopen else None, "temporarily_closed"
            )
    return evaluate(expression, at, coords)


@dataclass(frozen=True)
class DayHours:
    day: date
    spans: tuple[tuple[time, time | None, bool], ...]  # start, end (None = midnight), overnight
    day_type: DayType
    holiday_name: str | None = None
    unknown: bool = False
    is_today: bool = False
    all_day: bool = False


def week(expression: str | None, today: date, coords: Coords = None) -> list[DayHours]:
    """Monday to Sunday of `today`'s week, as open spans per day for a weekly table."""
    monday = today - timedelta(days=today.weekday())
    days = [monday + timedelta(days=i) for i in range(7)]
    return [_day_hours(expression or "", day, today, _rounded(coords)) for day in days]


def _day_hours(expression: str, day: date, today: date, coords: Coords) -> DayHours:
    info = cn_calendar.classify(day)
    blank = DayHours(day, (), info.type, info.holiday_name, is_today=day == today)
    if not is_valid(expression):
        return replace(blank, unknown=True)
    own = day_segments(expression, day, coords)
    if any(seg.state is State.UNKNOWN for seg in own):
        return replace(blank, unknown=True)
    if len(own) == 1 and own[0].state is State.OPEN:
        return replace(blank, all_day=True)
    return replace(blank, spans=tuple(_open_spans(expression, day, coords)))


def _open_spans(
    expression: str, day: date, coords: Coords
) -> Iterable[tuple[time, time | None, bool]]:
    """Open spans that start on `day`; a span running past midnight is shown as overnight."""
    next_midnight = _midnight(day + timedelta(days=1))
    for seg in segments(expression, _midnight(day), 2, coords):
        if seg.start >= next_midnight:
            break
        if seg.state is not State.OPEN or _continues_from_yesterday(expression, day, seg, coords):
            continue
        overnight = seg.end > next_midnight
        end = None if seg.end == next_midnight else seg.end.time()
        yield seg.start.time(), end, overnight


def _continues_from_yesterday(expression: str, day: date, seg: Segment, coords: Coords) -> bool:
    if seg.start != _midnight(day):
        return False
    yesterday = day_segments(expression, day - timedelta(days=1), coords)
    return yesterday[-1].state is State.OPEN
