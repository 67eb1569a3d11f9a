"""What the OSM opening-hours parser accepts but should not, or answers too confidently.

The parser (`opening-hours-py`) accepts `Feb 30` and applies it to today, reads an open end
(`17:00+`) as open until midnight, and takes sunrise at 07:00 when it has no position. The
reference implementation (opening_hours.js) refuses such dates and answers "unknown" for an
open end; this module finds these cases so `hours` can do the same. Plain module.
"""

from __future__ import annotations

import re

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
QUOTED = re.compile(r'"[^"]*"')
_MONTH_DAY = re.compile(rf"\b({'|'.join(MONTHS)})\s*(\d{{1,2}})\b(?!\s*:)")
_YEAR_RANGE = re.compile(r"\b(\d{4})\s*-\s*(\d{4})\b(?!\s*:)")
_WEEK = re.compile(r"\bweek\s*(\d{1,2})(?:\s*-\s*(\d{1,2})(?:\s*/\s*(\d{1,2}))?)?")
_OPEN_END = re.compile(r"\b(\d{2}):(\d{2})(?:\s*-\s*(\d{2}):(\d{2}))?\+")
SUN_EVENTS = re.compile(r"\b(sunrise|sunset|dawn|dusk)\b")


def outside_comments(expression: str) -> str:
    return QUOTED.sub('""', expression)


def fallback_parts(expression: str) -> tuple[str, str] | None:
    """The rules before the first `||` and those after it, or None without a fallback."""
    masked = outside_comments(expression)
    if "||" not in masked:
        return None
    cut = _at_same_place(expression, masked, masked.index("||"))
    return expression[:cut].strip(), expression[cut + 2 :].strip()


def _at_same_place(expression: str, masked: str, index: int) -> int:
    """`index` in the masked text (comments emptied) as an index into `expression`."""
    comments = iter(QUOTED.findall(expression))
    return index + sum(len(next(comments)) - 2 for _ in QUOTED.finditer(masked[:index]))


def impossible(expression: str) -> str | None:
    """Why the expression names a date or range that cannot exist, or None."""
    text = outside_comments(expression)
    for month, day in _MONTH_DAY.findall(text):
        if not 1 <= int(day) <= MONTH_DAYS[MONTHS.index(month)]:
            return f"{month} {day} does not exist"
    for first, last in _YEAR_RANGE.findall(text):
        if int(first) >= int(last):
            return f"the year range {first}-{last} is empty or backwards"
    for first, last, step in _WEEK.findall(text):
        if not 1 <= int(first) <= 53 or (last and not 1 <= int(last) <= 53):
            return "weeks are numbered 1 to 53"
        if step and (int(step) < 1 or int(step) > int(last) - int(first)):
            return f"a step of {step} weeks does not fit in weeks {first}-{last}"
    return None


def has_open_end(expression: str) -> bool:
    return "+" in re.sub(
        r"\(\s*(?:sunrise|sunset|dawn|dusk)\s*[+-]", "", outside_comments(expression)
    )


def open_end_views(expression: str) -> tuple[str, str] | None:
    """Two readings of an expression with open ends: with each open end running to the
    closing time opening_hours.js would guess, and with it ending where it is certain. Where
    the two disagree the answer is unknown. None when an open end is written in a way this
    does not read (then the whole expression is unknown)."""
    guessed = _OPEN_END.sub(lambda m: _span(m, guessed=True), expression)
    certain = _OPEN_END.sub(lambda m: _span(m, guessed=False), expression)
    if has_open_end(guessed):
        return None
    return guessed, certain


def _span(match: re.Match[str], *, guessed: bool) -> str:
    start = int(match[1]) * 60 + int(match[2])
    last = int(match[3]) * 60 + int(match[4]) if match[3] else start
    if not guessed:  # the open end starts closed: only the fixed part is certain
        return f"{_clock(start)}-{_clock(last if match[3] else start + 1)}"
    return f"{_clock(start)}-{_clock(_guessed_close(last))}"


def _guessed_close(opens: int) -> int:
    """opening_hours.js: before 17:00 to midnight; 17:00-21:59 ten hours; from 22:00 eight."""
    if opens < 17 * 60:
        return 24 * 60
    return opens + (10 if opens < 22 * 60 else 8) * 60


def _clock(minute: int) -> str:
    if minute == 24 * 60:
        return "24:00"
    hour, rest = divmod(minute % (24 * 60), 60)
    return f"{hour:02d}:{rest:02d}"
