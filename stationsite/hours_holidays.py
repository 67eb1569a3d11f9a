"""`PH` in an opening-hours expression, read on China's statutory holidays.

The parser is given no country, so it never matches `PH` itself; on a day where a `PH` item
applies (the holiday, or for `PH -1 day` its eve), the expression is rewritten so that item
matches every day. Plain module.
"""

from __future__ import annotations

import re

_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_WEEKDAY = rf"{_DAY}(?:\[[^\]]*\])?(?:\s*-\s*{_DAY}(?:\[[^\]]*\])?)?"
_HOLIDAY = r"(?:PH|SH)(?:\s*[+-]\s*\d+\s*days?)?"
_ITEM = rf"(?:{_HOLIDAY}|{_WEEKDAY})"
_RUN = re.compile(rf"\b{_ITEM}(?:\s*,\s*{_ITEM})*(?:\s+{_WEEKDAY}(?:\s*,\s*{_WEEKDAY})*)?")
_QUOTED = re.compile(r'"[^"]*"')
_PH_ITEM = re.compile(r"\bPH(?:\s*([+-])\s*(\d+)\s*days?)?")
_SH_ITEM = re.compile(r"\bSH\b")


def holiday_offsets(expression: str) -> set[int]:
    """The day offsets of `PH` items: 0 for `PH`, -1 for `PH -1 day` (the day before)."""
    return {_offset(m) for m in _PH_ITEM.finditer(_QUOTED.sub('""', expression))}


def _offset(match: re.Match[str]) -> int:
    return 0 if not match[1] else int(match[2]) * (1 if match[1] == "+" else -1)


def holiday_view(expression: str, offsets: frozenset[int] = frozenset({0})) -> str:
    """The expression read on a day where the `PH` items with these offsets match: such a
    run matches every day; other `PH` items, and school holidays, match none.

    `Sa,Su,PH 09:00-12:00` becomes `Mo-Su 09:00-12:00`; `PH Sa` (holiday *and* Saturday)
    becomes `Sa`. Without a country, the parser itself never matches PH, which is how ordinary
    days are read.
    """
    return _rewritten(
        expression, lambda run: any(_offset(m) in offsets for m in _PH_ITEM.finditer(run))
    )


def has_school_holidays(expression: str) -> bool:
    return bool(_SH_ITEM.search(_QUOTED.sub('""', expression)))


def school_holiday_view(expression: str) -> str:
    """The expression read as if the day were in school holidays. China has no one calendar
    of them, so where this reading and the ordinary one disagree, the answer is unknown."""
    return _rewritten(expression, lambda run: bool(_SH_ITEM.search(run)))


def _rewritten(expression: str, matches) -> str:
    """Each day-selector run for which `matches(run)` is true made to match every day."""
    comments = _QUOTED.findall(expression)
    masked = _QUOTED.sub('""', expression)
    rewritten = _RUN.sub(lambda match: _rewrite_run(match.group(0), matches), masked)
    for comment in comments:
        rewritten = rewritten.replace('""', comment, 1)
    return rewritten


_INTERSECTION = re.compile(r"(?<=[^,\s])\s+(?=[A-Z])")


def _rewrite_run(run: str, matches) -> str:
    if not matches(run):
        return run
    parts = _INTERSECTION.split(run, maxsplit=1)
    return parts[1].strip() if len(parts) == 2 else "Mo-Su"
