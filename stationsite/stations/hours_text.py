"""Opening hours in words people read (周一至周五 08:30–17:30；每天 24 小时), and the next
holiday period's hours ahead of time. Built only on hours' public functions.

A summary is given only for what it can say truthfully: weekday and time rules. Anything
else in an hours string (months, dates, week numbers, comments) leaves the summary out, and
the page shows the string as written instead.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask_babel import gettext as _

from .. import cn_calendar, hours, labels
from ..cn_calendar import DayType
from .presenters import day_note, day_text

ORDINARY_MONDAY = date(2025, 11, 24)  # a week with no holiday and no make-up working day
_SIMPLE = re.compile(
    r"^(?:24/7|(?:Mo|Tu|We|Th|Fr|Sa|Su|PH|off|closed|[\d:,\-+ ;]|\s)+)$", re.IGNORECASE
)
LOOK_AHEAD_DAYS = 120
AROUND_DAYS = 10  # make-up working days this close to a break belong to it


def summary(expression: str | None) -> str | None:
    """The ordinary week in words, or None when the string says more than a week of times."""
    expression = (expression or "").strip()
    if not hours.is_valid(expression) or not _SIMPLE.match(expression):
        return None
    days = hours.week(expression, ORDINARY_MONDAY)
    if any(day.unknown for day in days):
        return None
    groups: list[tuple[list[int], str]] = []
    for number, day in enumerate(days):
        text = day_text(day)
        if groups and groups[-1][1] == text and groups[-1][0][-1] == number - 1:
            groups[-1][0].append(number)
        else:
            groups.append(([number], text))
    text = _("; ").join(f"{_days(numbers)} {words}" for numbers, words in groups)
    if "PH" in expression.upper():
        text = _("%(hours)s (public holidays differ)", hours=text)
    return text


def _days(numbers: list[int]) -> str:
    if len(numbers) == 7:
        return _("Every day")
    first, last = labels.WEEKDAY[numbers[0]], labels.WEEKDAY[numbers[-1]]
    if len(numbers) == 1:
        return str(first)
    if len(numbers) == 2:
        return _("%(first)s and %(last)s", first=first, last=last)
    return _("%(first)s to %(last)s", first=first, last=last)


def next_break(today: date) -> list[date]:
    """The next public-holiday break after `today`, with its make-up working days around it."""
    start = next(
        (
            today + timedelta(days=offset)
            for offset in range(1, LOOK_AHEAD_DAYS)
            if cn_calendar.classify(today + timedelta(days=offset)).type is DayType.HOLIDAY
        ),
        None,
    )
    if start is None:
        return []
    end = start
    while cn_calendar.classify(end + timedelta(days=1)).type is DayType.HOLIDAY:
        end += timedelta(days=1)
    around = [
        start + timedelta(days=offset)
        for offset in range(-AROUND_DAYS, (end - start).days + AROUND_DAYS + 1)
    ]
    return [
        day
        for day in around
        if start <= day <= end
        or (day > today and cn_calendar.classify(day).type is DayType.MAKEUP_WORKDAY)
    ]


def break_rows(expression: str | None, today: date) -> list[tuple]:
    """(day, hours text, note) for each day of the next break, as the weekly table shows."""
    rows = []
    for day in next_break(today):
        info = next(d for d in hours.week(expression, day) if d.day == day)
        rows.append((info, day_text(info), day_note(info)))
    return rows
