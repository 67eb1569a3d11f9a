"""Issue 10, part 2: free-text hours become a schedule only when the reading is certain."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from stationsite import hours
from stationsite.stations_io.free_hours import to_osm
from stationsite.stations_io.hours_words import describe
from stationsite.weekly_hours import REFERENCE_HOLIDAY, REFERENCE_MONDAY


@pytest.mark.parametrize(
    ("text", "osm"),
    [
        ("周一至周五 8:00-18:00", "Mo-Fr 08:00-18:00"),
        ("工作日 9:00-17:00", "Mo-Fr 09:00-17:00; PH off"),
        ("08.00 - 18.00", "Mo-Su 08:00-18:00"),
        ("早7点至晚7点", "Mo-Su 07:00-19:00"),
        ("7:00～19:00", "Mo-Su 07:00-19:00"),
        ("全天24小时", "24/7"),
        ("24小时开放", "24/7"),
        ("上午8点半至下午5点30分", "Mo-Su 08:30-17:30"),
        ("周一至周五 8:00-12:00，14:00-18:00；周六 9点-12点",
         "Mo-Fr 08:00-12:00,14:00-18:00; Sa 09:00-12:00"),
        ("周末及节假日 10:00-16:00", "Sa,Su,PH 10:00-16:00"),
        ("工作日 9:00-17:00；节假日 10:00-16:00", "Mo-Fr 09:00-17:00; PH 10:00-16:00"),
        ("9:00-17:00，周一闭馆", "Mo-Su 09:00-17:00; Mo off"),
        ("每周一闭馆，9:00-17:00", "Mo-Su 09:00-17:00; Mo off"),
        ("周六、周日 9:00-17:00", "Sa,Su 09:00-17:00"),
        ("星期二到星期四 10:00-20:00", "Tu-Th 10:00-20:00"),
        ("周五至周一 10:00-20:00", "Mo,Fr-Su 10:00-20:00"),
        ("22:00-06:00", "Mo-Su 22:00-06:00"),
        ("Mon-Fri 9am-5pm", "Mo-Fr 09:00-17:00"),
        ("Monday to Friday 8 a.m. to 6 p.m., Saturday 9am-12pm",
         "Mo-Fr 08:00-18:00; Sa 09:00-12:00"),
        ("weekdays 9:00-17:00; weekends closed", "Mo-Fr 09:00-17:00; Sa,Su off"),
        ("Daily 6:30am - 10pm", "Mo-Su 06:30-22:00"),
        ("12am-12pm", "Mo-Su 00:00-12:00"),
        ("Mo-Fr 08:00-18:00; PH off", "Mo-Fr 08:00-18:00; PH off"),  # already OSM: kept
        # Chinese numerals
        ("早八点至晚六点", "Mo-Su 08:00-18:00"),
        ("上午九时—下午五时半", "Mo-Su 09:00-17:30"),
        ("周一至周五 八:三十-十七:三十", "Mo-Fr 08:30-17:30"),
        ("二十四小时", "24/7"),
        ("全天开放", "24/7"),
        ("每天早上七点半到晚上九点", "Mo-Su 07:30-21:00"),
        ("晚上十点至早上六点", "Mo-Su 22:00-06:00"),
        ("早八点零五分至晚六点", "Mo-Su 08:05-18:00"),
        ("上午八点至下午两点", "Mo-Su 08:00-14:00"),
        ("周三闭馆，九点至十七点", "Mo-Su 09:00-17:00; We off"),
        ("周一至周五 八:〇〇-十二:〇〇，十四点-十八点",
         "Mo-Fr 08:00-12:00,14:00-18:00"),
        # traditional characters, as Big5 files write them
        ("週一至週五 8:00-18:00", "Mo-Fr 08:00-18:00"),
        ("每日 9點-17點", "Mo-Su 09:00-17:00"),
        ("週末及節假日 上午九時至下午五時", "Sa,Su,PH 09:00-17:00"),
        ("週一閉館，9:00-17:00", "Mo-Su 09:00-17:00; Mo off"),
        ("24小時", "24/7"),
    ],
)  # fmt: skip
def test_certain_texts_are_converted(text, osm):
    assert to_osm(text) == osm


@pytest.mark.parametrize(
    "text",
    [
        "周一至周五 8:00-18:00（午休）",  # a word the reader does not know
        "节假日除外 8:00-18:00",  # "except holidays": must not be read as "holidays"
        "预约开放",
        "夏季 6:00-22:00，冬季 7:00-21:00",
        "8:00-5:00",  # 8 to 5: probably 17:00, not overnight
        "08:00-05:00",
        "周末休息",  # names no open time at all
        "节假日 10:00-16:00",  # names holidays only: says nothing of ordinary days
        "法定节假日 9点-12点",
        "8:00-18:00 周一至周五",
        "周一至周五 8:00-18:00，周三 9:00-12:00",  # two readings of Wednesday
        "上午13点-18点",
        "13pm-5pm",
        "25:00-26:00",
        "8:70-9:00",
        "周一至周一 8:00-9:00",
        "by appointment",
        "十二小时",  # which twelve hours?
        "一二点-五点",  # not a numeral anyone reads as one
        "八:五-十七:三十",  # 8:05 or 8:50?
        "周一至五 九点-十七点",  # 五 is a day here, not five o'clock
        "九点",
        "8",
        "",
    ],
)
def test_uncertain_texts_stay_unknown(text):
    assert to_osm(text) is None


def test_plain_words_say_what_riders_will_be_told():
    assert describe("Mo-Fr 08:00-18:00") == "周一至周五 08:00–18:00；周六、周日 休息"
    assert describe("Mo-Fr 09:00-17:00; PH off", "en") == (
        "Mon–Fri 09:00–17:00; Sat, Sun closed; public holidays closed"
    )
    assert describe("24/7") == "每天 全天"
    assert describe("Mo-Su 22:00-06:00") == "每天 22:00–06:00（次日）"
    assert describe("周一至周五 8:00-18:00（午休）") == ""


def test_workdays_exclude_statutory_holidays():
    osm = to_osm("工作日 9:00-17:00")
    assert hours.week(osm, REFERENCE_HOLIDAY)[REFERENCE_HOLIDAY.weekday()].spans == ()


# --- property: never a schedule that differs from the text on a day the text names ---------

CN_DAYS = ("一", "二", "三", "四", "五", "六", "日")
EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@st.composite
def spans(draw):
    """One or two spans in the day, at any minute, start before end (24:00 allowed)."""
    count = draw(st.integers(1, 2))
    cuts = sorted(
        draw(st.lists(st.integers(0, 1440), min_size=2 * count, max_size=2 * count, unique=True))
    )
    return [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2)]


@st.composite
def schedules(draw):
    """Rules on disjoint runs of days (a run: first and last day, in week order)."""
    bounds = sorted(draw(st.lists(st.integers(0, 6), min_size=1, max_size=4, unique=True)))
    runs, start = [], 0
    for end in bounds:
        if draw(st.booleans()) or not runs:
            runs.append((start, end))
        start = end + 1
    return [(run, draw(spans())) for run in runs]


CN_DIGITS = "零一二三四五六七八九"


def hanzi(number: int) -> str:
    """0..59 in Chinese numerals, as people write them on a sign."""
    tens, ones = divmod(number, 10)
    if not tens:
        return CN_DIGITS[ones]
    return f"{CN_DIGITS[tens] if tens > 1 else ''}十{CN_DIGITS[ones] if ones else ''}"


def clock(minute: int, style: str) -> str:
    hour, rest = divmod(minute, 60)
    if style == "hanzi":
        return f"{hanzi(hour)}点" + (f"{hanzi(rest)}分" if rest else "")
    if style == "hanzi-colon":
        return f"{hanzi(hour)}:" + (hanzi(rest) if rest >= 10 else f"〇{hanzi(rest)}")
    if style == "colon" or hour == 24:
        return f"{hour}:{rest:02d}"
    if style == "dot":
        return f"{hour:02d}.{rest:02d}"
    if style == "dian":
        word = "下午" if hour > 12 else ""
        shown = hour - 12 if hour > 12 else hour
        return f"{word}{shown}点" + (f"{rest}分" if rest else "")
    suffix = "am" if hour < 12 else "pm"
    shown = hour % 12 or 12
    return f"{shown}:{rest:02d}{suffix}" if rest else f"{shown}{suffix}"


def day_words(run: tuple[int, int], language: str) -> str:
    first, last = run
    if language == "zh":
        return f"周{CN_DAYS[first]}" if first == last else f"周{CN_DAYS[first]}至周{CN_DAYS[last]}"
    return EN_DAYS[first] if first == last else f"{EN_DAYS[first]} to {EN_DAYS[last]}"


def render(schedule, language: str, style: str) -> str:
    rules = []
    for run, day_spans in schedule:
        times = ", ".join(f"{clock(a, style)}-{clock(b, style)}" for a, b in day_spans)
        rules.append(f"{day_words(run, language)} {times}")
    return ("；" if language == "zh" else "; ").join(rules)


def open_minutes(osm: str, day: int) -> list[tuple[int, int]]:
    """Open spans of one day of the reference week, in minutes, as the engine answers them."""
    midnight = hours._midnight(REFERENCE_MONDAY + timedelta(days=day))
    spans = []
    for seg in hours.day_segments(osm, REFERENCE_MONDAY + timedelta(days=day)):
        assert seg.state is not hours.State.UNKNOWN
        if seg.state is hours.State.OPEN:
            spans.append((int((seg.start - midnight).total_seconds() // 60),
                          int((seg.end - midnight).total_seconds() // 60)))  # fmt: skip
    return spans


@settings(max_examples=300, deadline=None)
@given(
    schedules(),
    st.sampled_from(["zh", "en"]),
    st.sampled_from(["colon", "dot", "dian", "ampm", "hanzi", "hanzi-colon"]),
)
def test_the_reader_never_contradicts_the_text_on_a_day_it_names(schedule, language, style):
    text = render(schedule, language, style)
    osm = to_osm(text)
    event(f"read: {osm is not None}")
    if osm is None:
        return  # unknown is always allowed
    for (first, last), day_spans in schedule:
        for day in range(first, last + 1):
            assert open_minutes(osm, day) == day_spans, (text, osm, day)


QUALIFIERS = ["（午休）", "预约", "节假日除外", "夏季", "by appointment", "except holidays", "约"]


@settings(max_examples=150, deadline=None)
@given(schedules(), st.sampled_from(QUALIFIERS), st.booleans())
def test_a_word_the_reader_does_not_know_makes_the_text_unknown(schedule, word, before):
    text = render(schedule, "zh", "colon")
    assert to_osm(f"{word}{text}" if before else f"{text}{word}") is None


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_is_read_or_unknown_never_an_error(text):
    osm = to_osm(text)
    assert osm is None or hours.is_valid(osm)


def test_reference_week_has_no_holiday():
    for offset in range(7):
        assert not hours.cn_calendar.is_holiday(REFERENCE_MONDAY + timedelta(days=offset))
