"""Hours in words, not OSM syntax; the next holiday's hours ahead of time (issue 9, part 5)."""

from datetime import date

import pytest

from stationsite import create_app
from stationsite.stations.hours_text import break_rows, next_break, summary


@pytest.fixture
def english():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    with app.test_request_context("/?lang=en"):
        yield


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("Mo-Su 07:00-19:00", "Every day 07:00–19:00"),
        ("24/7", "Every day 24 hours"),
        ("Mo-Fr 08:30-17:30; Sa,Su 09:00-17:00", "Mon to Fri 08:30–17:30; Sat and Sun 09:00–17:00"),
        ("Mo-Sa 08:00-20:00; Su off", "Mon to Sat 08:00–20:00; Sun Closed"),
        ("Mo-Su 22:00-06:00", "Every day 22:00–06:00 next day"),
        (
            "Mo,We,Fr 09:00-12:00",
            "Mon 09:00–12:00; Tue Closed; Wed 09:00–12:00; Thu Closed; "
            "Fri 09:00–12:00; Sat and Sun Closed",
        ),
    ],
)
def test_weekly_hours_in_words(expression, words):
    assert summary(expression) == words


@pytest.mark.usefixtures("english")
def test_holiday_rules_are_flagged_and_anything_else_is_not_guessed():
    assert summary("Mo-Fr 08:30-17:30; Sa,Su,PH 09:00-17:00").endswith("(public holidays differ)")
    for expression in (
        "Jan-Mar Mo-Fr 08:00-12:00",
        "nonsense",
        "",
        None,
        'Mo-Fr 08:00-12:00 "ask"',
    ):
        assert summary(expression) is None


def test_the_next_break_with_its_days():
    assert next_break(date(2026, 12, 2)) == [date(2027, 1, 1), date(2027, 1, 2), date(2027, 1, 3)]
    spring = next_break(date(2027, 1, 10))
    assert spring[0] == date(2027, 2, 5) and len(spring) >= 6


@pytest.mark.usefixtures("english")
def test_break_rows_show_holiday_hours_ahead():
    rows = break_rows("Mo-Fr 08:30-17:30; Sa,Su,PH 09:00-17:00", date(2027, 1, 10))
    assert all(text == "09:00–17:00" for _day, text, _note in rows)  # PH hours, not Monday's
    assert rows[1][2] == "Chinese New Year (Spring Festival)"  # in the page's language


def test_break_rows_name_the_holiday_in_chinese_on_a_chinese_page():
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://"})
    with app.test_request_context("/?lang=zh"):
        rows = break_rows("Mo-Su 07:00-19:00", date(2026, 12, 3))
    assert {note for _day, _text, note in rows} == {"元旦"}


def test_the_station_page_reads_hours_and_shows_spring_festival_ahead(
    client, make_station, monkeypatch
):
    from datetime import datetime

    from stationsite.hours import SHANGHAI

    at = datetime(2027, 1, 10, 12, 0, tzinfo=SHANGHAI)
    monkeypatch.setattr("stationsite.stations.views.this_minute", lambda: at)
    station = make_station(opening_hours="Mo-Fr 08:30-17:30; Sa,Su,PH 09:00-17:00")
    page = client.get(f"/stations/{station.code}?lang=en").get_data(as_text=True)
    assert "Usual hours: Mon to Fri 08:30–17:30; Sat and Sun 09:00–17:00" in page
    assert "As written (OpenStreetMap syntax)" in page  # the raw string only folded away
    holiday = page.split('id="holiday-heading"')[1].split("</table>")[0]
    assert "Next public holiday" in holiday and "2/6" in holiday and "09:00–17:00" in holiday
    # the break is named in English, in the heading too, although its first row is a make-up
    # working day (it was "元旦" / "春节" on the English page)
    assert ">Next public holiday: Chinese New Year" in holiday
    assert "春节" not in holiday and "除夕" not in holiday
