from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opening_hours import OpeningHours
from opening_hours import State as OHState

from stationsite import hours
from stationsite.cn_calendar import DayType, classify
from stationsite.hours import SHANGHAI, State, evaluate, holiday_view, station_status, week


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def test_24_7_is_always_open_with_no_next_change():
    status = evaluate("24/7", at("2025-11-24 03:00"))
    assert status.state is State.OPEN
    assert status.next_change is None
    assert status.open is True


def test_daytime_hours_open_then_closes():
    status = evaluate("Mo-Su 07:00-19:00", at("2025-11-24 10:00"))
    assert (status.state, status.next_change) == (State.OPEN, at("2025-11-24 19:00"))


def test_after_closing_the_next_change_is_tomorrow_morning():
    status = evaluate("Mo-Su 07:00-19:00", at("2025-11-24 19:00"))
    assert (status.state, status.next_change) == (State.CLOSED, at("2025-11-25 07:00"))


@pytest.mark.parametrize(
    ("moment", "state", "change"),
    [
        ("2025-11-24 23:00", State.OPEN, "2025-11-25 06:00"),
        ("2025-11-25 03:00", State.OPEN, "2025-11-25 06:00"),
        ("2025-11-25 12:00", State.CLOSED, "2025-11-25 22:00"),
    ],
)
def test_overnight_span(moment, state, change):
    status = evaluate("Mo-Su 22:00-06:00", at(moment))
    assert (status.state, status.next_change) == (state, at(change))


def test_overnight_friday_runs_into_saturday_but_not_sunday_into_monday():
    expression = "Mo-Fr 22:00-06:00"
    assert evaluate(expression, at("2025-11-29 05:00")).state is State.OPEN  # Saturday early
    assert evaluate(expression, at("2025-11-24 05:00")).state is State.CLOSED  # Monday early


def test_times_in_other_zones_are_evaluated_in_shanghai():
    # 23:30 UTC on Monday is 07:30 Tuesday in Shanghai
    moment = datetime(2025, 11, 24, 23, 30, tzinfo=UTC)
    assert evaluate("Mo-Su 07:00-19:00", moment).state is State.OPEN


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        evaluate("24/7", datetime(2025, 1, 1, 12))


@pytest.mark.parametrize("expression", ["garbage", "Mo-Fr 25:00-26:00x", "开放", "Mo-Zz 10:00"])
def test_invalid_hours_are_unknown_never_a_guess(expression):
    status = evaluate(expression, at("2025-11-24 10:00"))
    assert status.state is State.UNKNOWN
    assert status.open is None
    assert status.next_change is None
    assert status.reason == "invalid_hours"


@pytest.mark.parametrize("expression", ["", "   ", None])
def test_missing_hours_are_unknown(expression):
    assert evaluate(expression, at("2025-11-24 10:00")).state is State.UNKNOWN


def test_explicit_unknown_in_the_expression_is_unknown():
    assert evaluate("Mo-Su unknown", at("2025-11-24 10:00")).state is State.UNKNOWN


# --- China's calendar -------------------------------------------------------------------


def test_golden_week_2025_holiday_closes_a_weekday_station():
    status = evaluate("Mo-Fr 08:00-18:00; PH off", at("2025-10-03 10:00"))
    assert status.state is State.CLOSED
    assert status.reason == "holiday"
    # 1-8 October is the break (National Day and Mid-Autumn); 9 October is a working day
    assert status.next_change == at("2025-10-09 08:00")


def test_golden_week_weekend_inside_the_break_counts_as_holiday():
    assert classify(date(2025, 10, 4)).type is DayType.HOLIDAY
    hours_on_holiday = "Mo-Su 07:00-19:00; PH 09:00-17:00"
    assert evaluate(hours_on_holiday, at("2025-10-04 08:00")).next_change == at("2025-10-04 09:00")


def test_spring_festival_2026_closed_until_the_break_ends():
    status = evaluate("Mo-Su 07:00-19:00; PH off", at("2026-02-17 10:00"))
    assert status.state is State.CLOSED
    # the break runs 15-23 February 2026, its Sundays included
    assert status.next_change == at("2026-02-24 07:00")
    assert evaluate("Mo-Su 07:00-19:00; PH off", at("2026-02-15 10:00")).state is State.CLOSED


def test_makeup_working_sunday_follows_working_day_hours():
    # Sunday 28 September 2025 was a working day (调休) before Golden Week
    office = "Mo-Fr 08:00-18:00; Sa,Su off"
    assert evaluate(office, at("2025-09-28 10:00")).state is State.OPEN
    assert evaluate(office, at("2025-09-21 10:00")).state is State.CLOSED  # an ordinary Sunday


def test_makeup_working_saturday_in_2026():
    assert classify(date(2026, 2, 14)).type is DayType.MAKEUP_WORKDAY
    assert evaluate("Mo-Fr 09:00-17:00", at("2026-02-14 12:00")).state is State.OPEN


def test_hours_without_ph_ignore_holidays():
    assert evaluate("Mo-Su 07:00-19:00", at("2025-10-01 10:00")).state is State.OPEN


def test_holiday_hours_rule():
    expression = "Mo-Fr 08:00-18:00; Sa,Su,PH 09:00-12:00"
    assert evaluate(expression, at("2025-10-01 13:00")).state is State.CLOSED
    assert evaluate(expression, at("2025-10-09 13:00")).state is State.OPEN


@pytest.mark.parametrize(
    ("expression", "on_holiday"),
    [
        ("Mo-Fr 08:00-18:00; PH off", "Mo-Fr 08:00-18:00; Mo-Su off"),
        ("Sa,Su,PH 09:00-12:00", "Mo-Su 09:00-12:00"),
        ("PH,Sa 09:00-12:00", "Mo-Su 09:00-12:00"),
        ("Mo-Su 07:00-19:00; PH Sa 10:00-11:00", "Mo-Su 07:00-19:00; Sa 10:00-11:00"),
        ('Mo-Su 07:00-19:00 "PH: call first"', 'Mo-Su 07:00-19:00 "PH: call first"'),
        ("24/7", "24/7"),
    ],
)
def test_holiday_view(expression, on_holiday):
    assert holiday_view(expression) == on_holiday


# --- closures ---------------------------------------------------------------------------


def test_temporary_closure_overrides_hours_and_reopens_at_its_end():
    until = at("2025-11-26 09:00")
    status = station_status(
        "Mo-Su 07:00-19:00", at("2025-11-24 10:00"), closures=[(at("2025-11-24 00:00"), until)]
    )
    assert (status.state, status.reason, status.next_change) == (
        State.CLOSED,
        "temporarily_closed",
        until,
    )


def test_closure_ending_at_night_reopens_at_the_next_opening():
    status = station_status(
        "Mo-Su 07:00-19:00",
        at("2025-11-24 10:00"),
        closures=[(at("2025-11-24 00:00"), at("2025-11-24 22:00"))],
    )
    assert status.next_change == at("2025-11-25 07:00")


def test_closure_without_an_end_has_no_next_change():
    status = station_status(
        "24/7", at("2025-11-24 10:00"), closures=[(at("2025-11-01 00:00"), None)]
    )
    assert (status.state, status.next_change) == (State.CLOSED, None)


def test_past_closure_no_longer_applies():
    status = station_status(
        "24/7", at("2025-11-24 10:00"), closures=[(at("2025-11-01 00:00"), at("2025-11-02 00:00"))]
    )
    assert status.state is State.OPEN


def test_permanently_closed_station():
    status = station_status("24/7", at("2025-11-24 10:00"), status="closed")
    assert (status.state, status.reason) == (State.CLOSED, "closed")


def test_long_closed_span_gives_no_next_change_within_horizon():
    status = evaluate("2099 Jan 01 10:00-12:00", at("2025-11-24 10:00"))
    assert (status.state, status.next_change) == (State.CLOSED, None)


# --- the weekly table -------------------------------------------------------------------


def test_week_runs_monday_to_sunday_with_today_marked():
    days = week("Mo-Su 07:00-19:00", date(2025, 11, 26))
    assert [d.day for d in days] == [date(2025, 11, 24) + timedelta(days=i) for i in range(7)]
    assert [d.is_today for d in days].index(True) == 2
    assert days[0].spans == ((time(7), time(19), False),)


def test_week_shows_overnight_spans_once():
    days = week("Mo-Su 22:00-06:00", date(2025, 11, 24))
    assert all(d.spans == ((time(22), time(6), True),) for d in days)


def test_week_shows_24_hours_and_closed_days():
    assert all(d.all_day for d in week("24/7", date(2025, 11, 24)))
    sundays = week("Mo-Sa 08:00-18:00", date(2025, 11, 24))[6]
    assert sundays.spans == () and not sundays.all_day and not sundays.unknown


def test_week_during_golden_week_names_the_holidays():
    days = week("Mo-Su 07:00-19:00; PH off", date(2025, 10, 1))
    assert days[0].day == date(2025, 9, 29)
    assert days[2].day_type is DayType.HOLIDAY and days[2].holiday_name == "国庆节"
    assert days[2].spans == ()
    assert days[1].spans == ((time(7), time(19), False),)


def test_week_marks_a_makeup_working_day():
    days = week("Mo-Fr 08:00-18:00", date(2025, 9, 24))
    sunday = days[6]
    assert sunday.day_type is DayType.MAKEUP_WORKDAY
    assert sunday.spans == ((time(8), time(18), False),)


def test_week_for_invalid_hours_is_unknown():
    assert all(d.unknown for d in week("nonsense", date(2025, 11, 24)))
    assert all(d.unknown for d in week("Mo-Su unknown", date(2025, 11, 24)))


def test_is_valid():
    assert hours.is_valid("Mo-Fr 08:00-18:00; PH off")
    assert not hours.is_valid("nonsense")
    assert not hours.is_valid("")


# --- agreement with the parser on ordinary days -----------------------------------------

EXPRESSIONS = [
    "Mo-Su 07:00-19:00",
    "Mo-Fr 08:30-17:30; Sa 09:00-12:00",
    "Mo-Su 22:00-06:00",
    "24/7",
    "Mo-Sa 08:00-18:00; Su off",
    "Mo-Su 06:00-10:00,16:00-21:00",
]


@settings(max_examples=200, deadline=None)
@given(
    expression=st.sampled_from(EXPRESSIONS),
    minutes=st.integers(min_value=0, max_value=60 * 24 * 365 * 2),
)
def test_matches_the_parser_on_ordinary_days(expression, minutes):
    moment = at("2025-01-01 00:00") + timedelta(minutes=minutes)
    day_types = {classify(moment.date() + timedelta(days=d)).type for d in (-1, 0)}
    if day_types & {DayType.HOLIDAY, DayType.MAKEUP_WORKDAY}:
        return
    expected = OpeningHours(expression, timezone=SHANGHAI).state(moment)[0]
    assert (
        evaluate(expression, moment).state
        is {
            OHState.OPEN: State.OPEN,
            OHState.CLOSED: State.CLOSED,
        }[expected]
    )


# --- unknown, never wrong: cases from opening_hours.js's documented semantics (issue 10) ----
# opening_hours.js: an open end (`10:00+`) is "unknown" from the opening time, until midnight
# when it opens before 17:00, for ten hours when it opens 17:00-21:59, for eight from 22:00;
# `14:00-17:00+` is open until 17:00, then unknown. A comment may say the place is not open
# ("by appointment", "on request", "Maybe"): we answer unknown where the parser says open.


@pytest.mark.parametrize(
    ("expression", "moment", "state"),
    [
        ("17:00+", "2025-11-24 16:59", State.CLOSED),
        ("17:00+", "2025-11-24 17:00", State.OPEN),  # it does open at 17:00
        ("17:00+", "2025-11-24 18:00", State.UNKNOWN),
        ("17:00+", "2025-11-25 02:59", State.UNKNOWN),  # ten hours after 17:00
        ("17:00+", "2025-11-25 03:00", State.CLOSED),
        ("10:00+", "2025-11-24 23:59", State.UNKNOWN),  # before 17:00: to midnight
        ("10:00+", "2025-11-25 00:30", State.CLOSED),
        ("22:00+", "2025-11-25 05:59", State.UNKNOWN),  # from 22:00: eight hours
        ("22:00+", "2025-11-25 06:00", State.CLOSED),
        ("14:00-17:00+", "2025-11-24 16:00", State.OPEN),
        ("14:00-17:00+", "2025-11-24 18:00", State.UNKNOWN),
        ("Mo-Fr 08:00-12:00,13:00+", "2025-11-24 09:00", State.OPEN),
        ("Mo-Fr 08:00-12:00,13:00+", "2025-11-24 15:00", State.UNKNOWN),
        ("Mo-Fr 08:00-12:00,13:00+", "2025-11-29 15:00", State.CLOSED),  # Saturday
        ('Mo 08:00-12:00 "on request"', "2025-11-24 09:00", State.UNKNOWN),
        ('Mo 08:00-12:00 "on request"', "2025-11-24 13:00", State.CLOSED),
        ('Mo 10:00-12:00 open "Maybe"', "2025-11-24 11:00", State.UNKNOWN),
        ('"by appointment"', "2025-11-24 11:00", State.UNKNOWN),
        ('Mo-Fr 08:00-18:00 || "by appointment"', "2025-11-24 09:00", State.OPEN),
        ('Mo-Fr 08:00-18:00 || "by appointment"', "2025-11-29 09:00", State.UNKNOWN),
        ("Mo-Fr 08:00-18:00 || closed", "2025-11-29 09:00", State.CLOSED),
        ('Mo-Fr 08:00-18:00; PH off "holiday"', "2025-10-01 09:00", State.CLOSED),
        ("Mo unknown", "2025-11-24 09:00", State.UNKNOWN),
    ],
)
def test_open_ends_comments_and_fallbacks_are_unknown_not_wrong(expression, moment, state):
    assert evaluate(expression, at(moment)).state is state


def test_sunrise_and_sunset_use_the_stations_position_or_are_unknown():
    harbin, urumqi = (45.75, 126.63), (43.83, 87.62)  # both keep Beijing time
    dawn = at("2025-06-21 05:00")
    assert evaluate("sunrise-sunset", dawn).state is State.UNKNOWN
    assert evaluate("sunrise-sunset", dawn, coords=harbin).state is State.OPEN
    assert evaluate("sunrise-sunset", dawn, coords=urumqi).state is State.CLOSED
    sunrise = evaluate("sunrise-sunset", dawn, coords=urumqi).next_change
    assert at("2025-06-21 06:00") < sunrise < at("2025-06-21 07:00")
    assert station_status("sunrise-sunset", dawn, coords=harbin).state is State.OPEN
    assert week("sunrise-sunset", date(2025, 6, 21))[0].unknown
    assert not week("sunrise-sunset", date(2025, 6, 21), coords=harbin)[0].unknown


@pytest.mark.parametrize(
    ("moment", "state"),
    [
        ("2025-09-30 10:00", State.CLOSED),  # the eve of National Day
        ("2025-10-08 10:00", State.OPEN),  # a holiday, but not the eve of one
        ("2025-10-09 10:00", State.OPEN),
        ("2025-11-24 10:00", State.OPEN),
    ],
)
def test_ph_minus_one_day_is_the_eve_of_a_holiday_not_the_holiday(moment, state):
    assert evaluate("Mo-Su 08:00-18:00; PH -1 day off", at(moment)).state is state


def test_ph_plus_one_day_is_the_day_after():
    expression = "Mo-Su 08:00-18:00; PH +1 day 10:00-12:00"
    assert evaluate(expression, at("2025-10-09 09:00")).state is State.CLOSED
    assert evaluate(expression, at("2025-10-09 11:00")).state is State.OPEN


@pytest.mark.parametrize(
    "expression",
    [
        "Feb 30 10:00-12:00",
        "Apr 31 off",
        "Mo-Su 08:00-18:00; Jun 31 off",
        "2014-2014 10:00-12:00",
        "2015-2014 10:00-12:00",
        "week 01-10/20 Mo 10:00-12:00",
        "week 54 Mo 10:00-12:00",
    ],
)
def test_impossible_values_are_refused_and_unknown(expression):
    assert not hours.is_valid(expression)
    status = evaluate(expression, at("2025-11-24 11:00"))
    assert (status.state, status.reason) == (State.UNKNOWN, "invalid_hours")


@pytest.mark.parametrize(
    "expression",
    ["Feb 29 off", "Dec 31 10:00-12:00", "2014-2015 Mo 10:00-12:00", "week 01-53/2 Mo 10:00-12:00",
     'Mo 10:00-12:00 "not on Apr 31"'],
)  # fmt: skip
def test_possible_values_stay_valid(expression):
    assert hours.is_valid(expression)


def test_impossible_hours_are_refused_where_they_are_entered():
    from stationsite.stations_io.free_hours import to_osm

    assert to_osm("Feb 30 10:00-12:00") is None


@pytest.mark.parametrize(
    ("expression", "moment", "state"),
    [
        ("Mo-Fr 08:00-16:00; SH off", "2025-11-24 10:00", State.UNKNOWN),  # in school holidays?
        ("Mo-Fr 08:00-16:00; SH off", "2025-11-24 18:00", State.CLOSED),  # closed either way
        ("Mo-Fr 08:00-16:00; SH off", "2025-11-29 10:00", State.CLOSED),
        ("Mo-Fr 08:00-16:00; SH 10:00-12:00", "2025-11-24 11:00", State.OPEN),
        ("Mo-Fr 08:00-16:00; SH 10:00-12:00", "2025-11-24 09:00", State.UNKNOWN),
    ],
)
def test_school_holidays_are_unknown_where_they_would_change_the_answer(expression, moment, state):
    """China has no one calendar of school holidays: open or closed only where both agree."""
    assert evaluate(expression, at(moment)).state is state


@pytest.mark.parametrize(
    ("expression", "moment", "expected"),
    [
        # opening_hours.js: the rules after || apply wherever those before leave it closed,
        # on the days they name too; the parser applies them only on other days
        ('06:00-22:00 || "on request"', "2026-03-04 23:00", State.UNKNOWN),
        ('06:00-22:00 || "on request"', "2026-03-04 05:00", State.UNKNOWN),
        ('06:00-22:00 || "on request"', "2026-03-04 10:00", State.OPEN),
        ('Mo-Fr 08:00-18:00 || "by appointment"', "2025-11-24 19:00", State.UNKNOWN),
        ("Mo-Fr 08:00-18:00 || closed", "2025-11-24 19:00", State.CLOSED),
        ("Mo-Fr 08:00-18:00 || Sa 10:00-12:00", "2026-03-07 11:00", State.OPEN),
        ("Mo-Fr 08:00-18:00 || Sa 10:00-12:00", "2026-03-04 19:00", State.CLOSED),
        ('Mo,Tu,Th 09:00-12:00; Fr 14:00-17:30 || "Termine"; We off', "2013-10-01 13:00",
         State.UNKNOWN),
        ('Mo,Tu,Th 09:00-12:00; Fr 14:00-17:30 || "Termine"; We off', "2013-10-02 10:00",
         State.CLOSED),
    ],
)  # fmt: skip
def test_a_fallback_covers_the_closed_times_of_the_days_its_rules_name(
    expression, moment, expected
):
    at = datetime.strptime(moment, "%Y-%m-%d %H:%M").replace(tzinfo=SHANGHAI)
    assert evaluate(expression, at).state is expected


def test_a_fallback_is_found_outside_comments_only():
    from stationsite.hours_rules import fallback_parts

    assert fallback_parts('Mo 08:00-09:00 "a || b"') is None
    assert fallback_parts('Mo 08:00-09:00 "a || b" || "call"') == (
        'Mo 08:00-09:00 "a || b"',
        '"call"',
    )
