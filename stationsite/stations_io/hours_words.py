"""Opening hours in plain words, as the hours engine will apply them: "周一至周五 08:00–18:00；
周六、周日 休息". The import preview shows these beside the file's text, so what the clerk
confirms is what riders will be told. Plain module: the language is an argument."""

from __future__ import annotations

from datetime import time

from .. import hours
from ..weekly_hours import REFERENCE_HOLIDAY, REFERENCE_MONDAY

WORDS = {
    "zh": {
        "days": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
        "to": "至",
        "and": "、",
        "rules": "；",
        "closed": "休息",
        "all_day": "全天",
        "unknown": "时间不确定",
        "holidays": "节假日",
        "next_day": "（次日）",
    },
    "en": {
        "days": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
        "to": "–",
        "and": ", ",
        "rules": "; ",
        "closed": "closed",
        "all_day": "all day",
        "unknown": "not known",
        "holidays": "public holidays",
        "next_day": " (next day)",
    },
}


def describe(expression: str | None, lang: str = "zh") -> str:
    """The week of `expression` in words; "" when there are no valid hours to describe."""
    words = WORDS["zh" if lang.startswith("zh") else "en"]
    if not expression or not hours.is_valid(expression):
        return ""
    days = hours.week(expression, REFERENCE_MONDAY)
    if all(day.unknown for day in days) and "PH" not in expression:
        return ""  # nothing known on any day: the page says the hours are unknown
    week = [_day_words(day, words) for day in days]
    parts = [f"{_days(run, words)} {text}" for run, text in _runs(week)]
    if "PH" in expression:
        holiday = hours.week(expression, REFERENCE_HOLIDAY)[REFERENCE_HOLIDAY.weekday()]
        parts.append(f"{words['holidays']} {_day_words(holiday, words)}")
    return words["rules"].join(parts)


def _day_words(day: hours.DayHours, words: dict) -> str:
    if day.unknown:
        return words["unknown"]
    if day.all_day:
        return words["all_day"]
    if not day.spans:
        return words["closed"]
    return ", ".join(_span(start, end, overnight, words) for start, end, overnight in day.spans)


def _span(start: time, end: time | None, overnight: bool, words: dict) -> str:
    close = "24:00" if end is None else end.strftime("%H:%M")
    return f"{start:%H:%M}–{close}{words['next_day'] if overnight else ''}"


def _runs(week: list[str]):
    run = [0]
    for index in range(1, 8):
        if index < 7 and week[index] == week[run[0]]:
            run.append(index)
            continue
        yield run, week[run[0]]
        run = [index]


def _days(run: list[int], words: dict) -> str:
    names = words["days"]
    if len(run) == 7:
        return "每天" if words is WORDS["zh"] else "Every day"
    if len(run) >= 3 and run == list(range(run[0], run[-1] + 1)):
        return f"{names[run[0]]}{words['to']}{names[run[-1]]}"
    return words["and"].join(names[i] for i in run)
