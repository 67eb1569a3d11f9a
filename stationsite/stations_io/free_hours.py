"""Hours as people write them, read into OSM `opening_hours` only when the reading is certain.

"周一至周五 8:00-18:00，周六 9点-12点", "工作日 9:00-17:00", "早7点至晚7点", "Mon-Fri 9am-5pm",
"全天24小时", "每周一闭馆", "早八点至晚六点" (Chinese numerals: `cn_numerals`). Every
character must be understood: a word the reader does not know ("预约", "午休", "夏季",
"节假日除外") makes the whole text unknown, never a partial guess.
A day the text does not name is closed (as on a posted sign); a text that names no open time
at all is unknown. Plain module: no Flask.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .. import hours
from .cn_numerals import clock_digits

ALL_DAYS = frozenset(range(7))
DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_CN_DAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_EN_DAY = {
    "mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6,
    "mo": 0, "tu": 1, "we": 2, "th": 3, "fr": 4, "sa": 5, "su": 6,
}  # fmt: skip
_TOKENS = [
    ("ws", r"\s+"),
    ("allday", r"全天\s*24\s*小时|24\s*小时|全天候|全天|24\s*h(?:ours|rs|r)?\b|24/7"
               r"|open\s+24\s*hours"),
    ("time", r"(?:早上|早晨|早|上午|中午|下午|傍晚|晚上|晚|凌晨)?\s*\d{1,2}"
             r"(?:\s*(?:[:.]\s*\d{2}|[点时]半|[点时](?:\s*\d{1,2}\s*分?)?))?"
             r"(?:\s*(?:a\.?m\.?|p\.?m\.?)(?![a-z]))?"),
    ("workday", r"工作日"),
    ("weekday", r"weekdays?\b|mon(?:day)?\s*(?:-|to|thru|through)\s*fri(?:day)?\b"),
    ("weekend", r"周末|双休日|weekends?\b"),
    ("holiday", r"法定节假日|节假日|法定假日|节日|假日|public\s+holidays?\b|holidays?\b|\bph\b"),
    ("daily", r"每天|每日|天天|全年|全周|daily\b|every\s*day\b|mon(?:day)?\s*-\s*sun(?:day)?\b"),
    ("day", r"(?:每)?(?:周|星期|礼拜)[一二三四五六日天七]"
            r"|(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?(?![a-z])|(?:mo|tu|we|th|fr|sa|su)\b"),
    ("closed", r"休息|闭馆|休馆|关闭|不开放|停止开放|停业|closed\b|off\b"),
    ("open", r"开放|营业|开门|open\b"),
    ("dash", r"-|–|—|~|至|到|\bto\b|\btill\b|\buntil\b"),
    ("list", r"[,;、/&|]|和|及|以及|\band\b"),
    ("colon", r":"),
]  # fmt: skip
# Big5 files from Taiwan, Hong Kong and Macau offices: the traditional characters of the words
# above (週一, 9點, 節假日, 開放) and of the facility names (廁所, 熱水) read as the simplified
TRADITIONAL = str.maketrans(
    "週點時開營業閉館關節無廁熱飲礙嬰醫藥資電動車圖書閱讀傘調爐愛機務廣場導傳間後禮",
    "周点时开营业闭馆关节无厕热饮碍婴医药资电动车图书阅读伞调炉爱机务广场导传间后礼",
)
_SCANNER = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in _TOKENS))


@dataclass
class Rule:
    days: frozenset[int] = ALL_DAYS
    holidays: bool = False  # the rule names public holidays (PH)
    named: bool = False  # False: no day was written, so every day
    spans: list[tuple[int, int]] = field(default_factory=list)  # minutes from midnight
    closed: bool = False
    workdays: bool = False  # 工作日: Monday to Friday, and never a statutory holiday


class Uncertain(Exception):
    """The text cannot be read with certainty."""


class Implausible(Uncertain):
    """Read, but a person probably meant something else ("08:00-05:00" for 8 to 5)."""


def to_osm(text: str) -> str | None:
    """The OSM `opening_hours` for `text`, or None when any part of it is uncertain."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        osm = _format(_rules(_tokens(text)))
    except Implausible:
        return None
    except Uncertain:
        return text if _written_in_osm(text) else None
    return osm if hours.is_valid(osm) else None


def _written_in_osm(text: str) -> bool:
    """Valid OSM syntax written the way OSM writes it: every time with two-digit hours."""
    loose = re.search(r"(?<!\d)\d:\d|\d\s*[ap]\.?m|[\u4e00-\u9fff]", text, re.IGNORECASE)
    return hours.is_valid(text) and not loose


def _tokens(text: str) -> list[tuple[str, str]]:
    normal = unicodedata.normalize("NFKC", text).translate(TRADITIONAL)
    normal = clock_digits(normal.lower().replace("：", ":"))
    tokens, position = [], 0
    while position < len(normal):
        match = _SCANNER.match(normal, position)
        if not match or match.end() == position:
            raise Uncertain(normal[position:])
        if match.lastgroup != "ws":
            tokens.append((match.lastgroup, match.group()))
        position = match.end()
    return tokens


def _rules(tokens: list[tuple[str, str]]) -> list[Rule]:
    rules, position = [], 0
    while position < len(tokens):
        rule, position = _rule(tokens, position)
        rules.append(rule)
        while position < len(tokens) and tokens[position][0] == "list":
            position += 1
    return rules


def _rule(tokens, position: int) -> tuple[Rule, int]:
    rule = Rule()
    position = _days(tokens, position, rule)
    if position < len(tokens) and tokens[position][0] == "colon":
        position += 1
    position = _body(tokens, position, rule)
    if position < len(tokens) and tokens[position][0] == "open":
        position += 1
    if not (rule.spans or rule.closed):
        raise Uncertain("a rule without times")
    return rule, position


def _days(tokens, position: int, rule: Rule) -> int:
    days: set[int] = set()
    while position < len(tokens):
        kind, value = tokens[position]
        if kind == "day" and _peek(tokens, position + 1) == "dash":
            if _peek(tokens, position + 2) != "day":
                raise Uncertain(value)
            days |= _day_range(_day(value), _day(tokens[position + 2][1]))
            position += 3
        elif kind in ("day", "workday", "weekday", "weekend", "daily", "holiday"):
            days |= _group(kind, value, rule)
            position += 1
        elif kind == "list" and days and _peek(tokens, position + 1) in _DAY_KINDS:
            position += 1
            continue
        else:
            break
        rule.named = True
    if rule.named:
        rule.days = frozenset(days)
    return position


_DAY_KINDS = ("day", "workday", "weekday", "weekend", "daily", "holiday")


def _group(kind: str, value: str, rule: Rule) -> set[int]:
    if kind == "holiday":
        rule.holidays = True
        return set()
    if kind == "workday":
        rule.workdays = True
    return {
        "day": lambda: {_day(value)},
        "workday": lambda: set(range(5)),
        "weekday": lambda: set(range(5)),
        "weekend": lambda: {5, 6},
        "daily": lambda: set(ALL_DAYS),
    }[kind]()


def _peek(tokens, position: int) -> str | None:
    return tokens[position][0] if position < len(tokens) else None


def _day(word: str) -> int:
    word = word.rstrip(".")
    if word[-1] in _CN_DAY:
        return _CN_DAY[word[-1]]
    return _EN_DAY[word[:3] if len(word) >= 3 else word]


def _day_range(first: int, last: int) -> set[int]:
    if first == last:
        raise Uncertain("a range from a day to itself")
    return {(first + i) % 7 for i in range((last - first) % 7 + 1)}


def _body(tokens, position: int, rule: Rule) -> int:
    kind = _peek(tokens, position)
    if kind == "allday":
        rule.spans.append((0, 24 * 60))
        return position + 1
    if kind == "closed":
        rule.closed = True
        return position + 1
    while _peek(tokens, position) == "time":
        if _peek(tokens, position + 1) != "dash" or _peek(tokens, position + 2) != "time":
            raise Uncertain("a time that is not a span")
        rule.spans.append(_span(tokens[position][1], tokens[position + 2][1]))
        position += 3
        if _peek(tokens, position) == "list" and _peek(tokens, position + 1) == "time":
            position += 1
    return position


_TIME = re.compile(
    r"(?P<word>早上|早晨|早|上午|中午|下午|傍晚|晚上|晚|凌晨)?\s*(?P<h>\d{1,2})"
    r"(?:\s*(?:[:.]\s*(?P<m>\d{2})|(?P<half>[点时]半)|[点时](?:\s*(?P<m2>\d{1,2})\s*分?)?))?"
    r"\s*(?P<ampm>a\.?m\.?|p\.?m\.?)?"
)


def _span(start_text: str, end_text: str) -> tuple[int, int]:
    start, end = _minutes(start_text, ending=False), _minutes(end_text, ending=True)
    if end <= start and not (start >= 17 * 60 and end <= 12 * 60):
        raise Implausible("an end before the start that is not plainly overnight")
    return start, end


def _minutes(text: str, *, ending: bool) -> int:
    parts = _TIME.fullmatch(text.strip())
    hour = int(parts["h"])
    minute = 30 if parts["half"] else int(parts["m"] or parts["m2"] or 0)
    hour = _clock_hour(hour, parts["word"], (parts["ampm"] or "").replace(".", ""))
    if minute > 59 or hour > 24 or (hour == 24 and (minute or not ending)):
        raise Uncertain(text)
    return hour * 60 + minute


def _clock_hour(hour: int, word: str | None, ampm: str) -> int:
    if ampm:
        if not 1 <= hour <= 12 or word:
            raise Uncertain("am/pm with an hour out of 1-12")
        return hour % 12 + (12 if ampm == "pm" else 0)
    if word in ("下午", "傍晚", "晚上", "晚") and hour < 12:
        return hour + 12
    if word == "中午" and hour < 6:
        return hour + 12
    if word in ("凌晨",) and hour == 12:
        return 0
    if word in ("早上", "早晨", "早", "上午", "凌晨") and hour > 12:
        raise Uncertain("a morning hour after noon")
    return hour


def _format(rules: list[Rule]) -> str:
    _check_overlaps(rules)
    if not any(rule.spans for rule in rules):
        raise Uncertain("no open time")
    if all(rule.named and not rule.days for rule in rules):
        raise Uncertain("only holidays named: ordinary days are not said")
    ordered = [r for r in rules if not r.named] + [r for r in rules if r.named]
    parts = [_osm_rule(rule) for rule in ordered]
    if any(rule.workdays for rule in rules) and not any(rule.holidays for rule in rules):
        parts.append("PH off")  # 工作日 are not the statutory holidays
    text = "; ".join(part for part in parts if part)
    return "24/7" if text == "Mo-Su 00:00-24:00" else text


def _check_overlaps(rules: list[Rule]) -> None:
    seen: set[int] = set()
    holiday_rules = 0
    for rule in rules:
        if not rule.named:
            continue
        if seen & rule.days:
            raise Uncertain("two rules for the same day")
        seen |= rule.days
        holiday_rules += rule.holidays
    if holiday_rules > 1 or sum(not r.named for r in rules) > 1:
        raise Uncertain("two rules for the same days")


def _osm_rule(rule: Rule) -> str:
    selector = ",".join(filter(None, [_osm_days(rule.days), _ph(rule)]))
    times = "off" if rule.closed else ",".join(_osm_span(s) for s in rule.spans)
    return f"{selector} {times}".strip()


def _ph(rule: Rule) -> str:
    return "PH" if rule.holidays else ""


def _osm_days(days: frozenset[int]) -> str:
    if not days:
        return ""
    if days == ALL_DAYS:
        return "Mo-Su"
    runs, run = [], []
    for day in sorted(days):
        if run and day != run[-1] + 1:
            runs.append(run)
            run = []
        run.append(day)
    if run:
        runs.append(run)
    return ",".join(_run(run) for run in runs)


def _run(run: list[int]) -> str:
    if len(run) >= 3:
        return f"{DAY_CODES[run[0]]}-{DAY_CODES[run[-1]]}"
    return ",".join(DAY_CODES[day] for day in run)


def _osm_span(span: tuple[int, int]) -> str:
    return "-".join(f"{minute // 60:02d}:{minute % 60:02d}" for minute in span)
