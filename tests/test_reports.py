"""Report figures against a small hand-computed fixture, and who may see them."""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import (
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
    Station,
    User,
    Visit,
    VisitorGroup,
    VisitSource,
)
from stationsite.operator.services import record_tally
from stationsite.reports import periods, rollups, tables, visits
from stationsite.reports.figures import build_report
from stationsite.reports.model import Scope
from stationsite.users import create_user
from tests.test_operator import sign_in

CHINA = periods.CHINA


def china(*args) -> datetime:
    return datetime(*args, tzinfo=CHINA).astimezone(UTC)


def check_in(station: Station, at: datetime, group: str = "courier") -> None:
    """A QR check-in as the service stores it: the row and its counters together."""
    visit = Visit(
        station=station,
        visited_at=at,
        visitor_group=VisitorGroup(group),
        source=VisitSource.CHECKIN,
    )
    db.session.add(visit)
    db.session.flush()
    rollups.count_visit(visit, station)


def station(code: str) -> Station:
    return db.session.scalar(select(Station).where(Station.code == code))


@pytest.fixture
def figures_app(app, make_station):
    """Two stations in 上城区 (A1, A2), one in 西湖区 (B1), and a known set of visits."""
    make_station(code="A1", district="上城区")
    make_station(code="A2", district="上城区")
    make_station(code="B1", district="西湖区", kind="toilet_station")
    with app.app_context():
        a1, b1 = station("A1"), station("B1")
        check_in(a1, china(2026, 11, 30, 23, 30), "food_delivery")  # Monday, last hour of Nov
        check_in(a1, china(2026, 12, 1, 0, 10), "courier")  # December
        check_in(a1, china(2026, 11, 1, 0, 0), "sanitation")  # Sunday, first minute of Nov
        check_in(b1, china(2026, 11, 15, 12, 5), "courier")
        admin = create_user("boss", "long-password", "admin")
        record_tally(a1, date(2026, 11, 15), {"courier": 5, "sanitation": 3}, by=admin)
        record_tally(a1, date(2026, 11, 15), {"courier": 4}, by=admin)  # replaces, not adds
        create_user("op", "long-password", "operator", ["A1"])
        db.session.commit()
    return app


def report(period: str, **scope):
    return build_report(Scope(periods.parse(period), **scope), "zh")


def test_month_counts_check_ins_and_tallies_in_china_time(figures_app):
    with figures_app.app_context():
        figures = report("2026-11").visits
        assert figures.total == 2 + 1 + 4  # A1: 23:30 and 00:00 check-ins, tally 4; B1: 1
        assert figures.by_source == {"checkin": 3, "tally": 4, "import": 0}
        assert figures.by_group["courier"] == 5
        assert figures.by_group["food_delivery"] == figures.by_group["sanitation"] == 1
        assert figures.by_group["citizen"] == 0
        assert len(figures.by_day) == 30 and dict(figures.by_day)[date(2026, 11, 30)] == 1
        assert dict(figures.by_day)[date(2026, 11, 15)] == 5
        assert figures.heat[0][23] == 1  # Monday 23:00
        assert figures.heat[6][0] == 1  # Sunday 00:00
        assert figures.heat[6][12] == 1  # B1's check-in; tallies have no hour
        assert sum(map(sum, figures.heat)) == 3
        assert [(s.code, s.visits, s.checkins) for s in figures.by_station] == [
            ("A1", 6, 2),
            ("B1", 1, 1),
        ]
        assert figures.least_used[0].code == "A2" and figures.least_used[0].visits == 0
        assert figures.stations_without_visits == 1
        assert figures.by_district == [("上城区", 6), ("西湖区", 1)]
        assert report("2026-12").visits.total == 1


def test_periods_agree_however_they_are_read(figures_app):
    with figures_app.app_context():
        assert report("2026").visits.total == 8
        assert report("2026-Q4").visits.total == 8
        assert report("2026-11-15..2026-12-01").visits.total == 5 + 1 + 1
        ranged = report("2026-10-31..2026-12-01").visits
        assert [(s.code, s.visits) for s in ranged.by_station] == [("A1", 7), ("B1", 1)]
        assert report("2026-W49").visits.total == 2  # 30 Nov (23:30) - 6 Dec
        week = build_report(Scope(periods.parse("2026-W49")), "zh", now=china(2027, 1, 5, 9, 0))
        assert week.year_before.period.key == "2025-W49"  # once the week is over
        assert rollups.differences() == []


def test_a_rolling_year_reads_the_year_minus_its_other_months(figures_app):
    """Twelve months from December read as the next year minus its December: the same
    stations and totals as adding the twelve months one by one."""
    with figures_app.app_context():
        rolling = report("2025-12-01..2026-11-30").visits
        months = [report(f"2026-{n:02}").visits for n in range(1, 12)]
        assert rolling.total == 7 == sum(month.total for month in months)
        assert [(s.code, s.visits) for s in rolling.by_station] == [("A1", 6), ("B1", 1)]
        # 1 December's check-in is in the year row and taken away with December's row
        assert [(s.code, s.visits) for s in report("2025-12-02..2026-11-30").visits.by_station] == [
            ("A1", 6),
            ("B1", 1),
        ]
        assert [s.code for s in rolling.least_used] == ["A2"]  # B1 and A1 are the most visited


def test_the_least_used_list_leaves_out_the_most_visited(figures_app, monkeypatch):
    """With fewer than twice TOP stations the two lists would share some: the least used
    list holds the others only, and says when none is left."""
    from stationsite.reports import visits

    with figures_app.app_context():
        assert [s.code for s in report("2026-11").visits.least_used] == ["A2"]
        monkeypatch.setattr(visits, "TOP", 1)  # most visited: A1; then A2 (none), then B1
        figures = report("2026-11").visits
        assert [s.code for s in figures.by_station] == ["A1"]
        assert [s.code for s in figures.least_used] == ["A2"]
        monkeypatch.setattr(visits, "TOP", 3)  # all three fit in one list or the other
        figures = report("2026-11").visits
        assert [s.code for s in figures.by_station] == ["A1", "B1"]
        assert [s.code for s in figures.least_used] == ["A2"]
    operator = figures_app.test_client()
    sign_in(operator, "op")  # A1 only: it is its own most visited station
    page = operator.get("/reports/?period=2026-11").get_data(as_text=True)
    assert "无：本报告的每座驿站都在服务人次最多的 1 座之中。" in page
    printed = operator.get("/reports/print?period=2026-11").get_data(as_text=True)
    assert "使用最少的驿站：无，本报告的每座驿站都在服务人次最多的 1 座之中。" in printed


def test_district_kind_group_and_station_narrow_the_figures(figures_app):
    with figures_app.app_context():
        assert report("2026-11", district="西湖区").visits.total == 1
        assert report("2026-11", kind="toilet_station").visits.total == 1
        assert report("2026-11", visitor_group="courier").visits.total == 5
        courier_ranked = report("2026-11", visitor_group="courier").visits.by_station
        assert [(s.code, s.visits) for s in courier_ranked] == [("A1", 4), ("B1", 1)]
        assert report("2026-11", station_code="A1").visits.total == 6
        assert report("2026-11", district="上城区").stations.active == 1


def test_a_running_period_is_compared_over_its_whole_days_so_far(figures_app):
    """On 4 December, "this month" is compared over 1–3 December (today's tallies are not in
    yet) with 1–3 November and 1–3 December a year before, not with the whole of November;
    the page says so. On its first day it is not compared at all."""
    now = china(2026, 12, 4, 10, 0)
    with figures_app.app_context():
        running = build_report(Scope(periods.parse("2026-12")), "zh", now=now)
        english = build_report(Scope(periods.parse("2026-12")), "en", now=now)
        over = build_report(Scope(periods.parse("2026-11")), "zh", now=now)
        first = build_report(Scope(periods.parse("2026-12")), "zh", now=china(2026, 12, 1, 9))
    assert running.visits.total == 1  # the check-in at 00:10 on 1 December
    assert running.base.period == periods.parse("2026-12-01..2026-12-03")
    assert running.base.visits == 1
    assert running.previous.period == periods.parse("2026-11-01..2026-11-03")
    assert running.previous.visits == 1  # 1 November 00:00, not November's 7
    assert running.year_before.period.end == date(2025, 12, 3)
    assert "2026-12-04" in running.notes[0] and "2026-12-03" in running.notes[0]
    assert "first 3 whole days" in english.notes[0]
    with figures_app.test_request_context():
        rows = tables.headline(running).rows
        first_rows = tables.headline(first).rows
    assert [row[4] for row in rows] == [1, 1, 1, 0]  # this period, days compared, before
    assert rows[2][-2] == 0.0  # 1 against 1: no change, not a fall of six sevenths
    assert not over.notes and over.compared is None and over.previous.period.key == "2026-10"
    assert over.base.visits == over.visits.total == 7
    assert first.base.visits is None and first.notes
    with figures_app.app_context():  # the 30th of November: November is not over yet
        last = build_report(Scope(periods.parse("2026-11")), "zh", now=china(2026, 11, 30, 20))
    assert last.base.period == periods.parse("2026-11-01..2026-11-29")
    assert last.previous.period == periods.parse("2026-10-01..2026-10-29")
    assert first_rows[2][-2] is None
    from stationsite.reports.exports import to_json

    compared = to_json(running)["comparison"]
    assert compared["this_period"]["period"]["to"] == "2026-12-03"
    assert compared["previous"]["period"]["to"] == "2026-11-03"


def test_an_empty_period_reads_as_zero(figures_app):
    with figures_app.app_context():
        empty = report("2025-01")
        assert empty.visits.total == 0 and len(empty.visits.by_day) == 31
        assert set(empty.visits.by_group.values()) == {0}
        assert empty.feedback.count == 0 and empty.feedback.average is None
        assert empty.feedback.resolve_median_h is None and empty.ranking[0].visits == 0
        assert empty.coverage.searches == 0 and empty.coverage.share_1km is None


def test_comparisons_with_the_previous_period_and_a_year_before(figures_app):
    with figures_app.app_context():  # December seen once it is over
        figures = build_report(Scope(periods.parse("2026-12")), "zh", now=china(2027, 1, 5, 9, 0))
        assert figures.previous.period.key == "2026-11" and figures.previous.visits == 7
        assert figures.year_before.period.key == "2025-12" and figures.year_before.visits == 0


def _feedback(app, **values):
    with app.app_context():
        values.setdefault("station", station("A1"))
        values.setdefault("visitor_group", VisitorGroup.COURIER)
        db.session.add(Feedback(**values))
        db.session.commit()


def _fixed(app, category, made: datetime, hours: float) -> None:
    """A report of `category` at A1, resolved `hours` after `made`."""
    _feedback(
        app,
        category=category,
        created_at=made,
        resolved_at=made + timedelta(hours=hours),
        status=FeedbackStatus.RESOLVED,
    )


def test_feedback_ratings_faults_and_time_to_fix(figures_app):
    made = china(2026, 11, 10, 9, 0)
    for hours, rating in ((10, 5), (30, 3)):
        _feedback(
            figures_app,
            category=FeedbackCategory.FACILITY_FAULT,
            rating=rating,
            comment="微波炉坏了",
            created_at=made,
            resolved_at=made + timedelta(hours=hours),
            status=FeedbackStatus.RESOLVED,
        )
    _feedback(figures_app, category=FeedbackCategory.PRAISE, rating=4, created_at=made)
    _feedback(
        figures_app,
        category=FeedbackCategory.OTHER,
        rating=1,
        created_at=made,
        status=FeedbackStatus.REJECTED,
    )
    _feedback(
        figures_app,
        category=FeedbackCategory.CLEANLINESS,
        comment="地面湿滑",
        created_at=made,
    )
    with figures_app.app_context():
        figures = report("2026-11").feedback
        assert figures.count == 4  # spam never counts
        assert figures.rated == 3 and figures.average == 4.0
        assert figures.by_category["facility_fault"] == 2 and figures.by_category["other"] == 0
        assert figures.resolved == 2 and figures.resolve_median_h == 20.0
        assert figures.needing_answer == 3 and figures.answered_24h == 1
        assert figures.open_count == 1 and figures.open_problems[0].category == "cleanliness"
        assert figures.top_faults[0].code == "A1" and figures.top_faults[0].count == 2
        ranked = {row.code: row for row in report("2026-11").ranking}
        # two broken facilities and the open cleanliness report
        assert ranked["A1"].faults == 3 and ranked["A1"].fix_median_h == 20.0


def test_feedback_over_a_long_period_is_the_sum_of_its_months(figures_app):
    """A year is counted a month at a time, a month day by day: the figures agree, comments
    needing an answer included (they are counted apart from the reports)."""
    for when, category, comment, replied in (
        (china(2026, 1, 31, 23, 30), FeedbackCategory.SUGGESTION, "加个充电口", 2),
        # 1 February in China, still 31 January in UTC; praise needs no answer
        (china(2026, 2, 1, 0, 30), FeedbackCategory.PRAISE, "很好", None),
        (china(2026, 11, 10, 9, 0), FeedbackCategory.FACILITY_FAULT, "", 30),  # late
        (china(2026, 11, 30, 23, 59), FeedbackCategory.OTHER, "", None),  # a bare tap
        (china(2026, 12, 2, 8, 0), FeedbackCategory.OTHER, "门口积水", 1),
    ):
        _feedback(
            figures_app,
            category=category,
            comment=comment,
            created_at=when,
            replied_at=None if replied is None else when + timedelta(hours=replied),
            rating=4,
        )
    with figures_app.app_context():
        year = report("2026").feedback
        months = [report(f"2026-{month:02d}").feedback for month in range(1, 13)]
        assert year.trend_grain == "month" and len(year.trend) == 12
        assert [count for _month, count, _rating in year.trend] == [m.count for m in months]
        assert year.count == 5 and year.by_category["other"] == 2
        assert year.by_category == {
            category: sum(m.by_category[category] for m in months) for category in year.by_category
        }
        assert (year.needing_answer, year.answered_24h) == (3, 2)
        assert year.needing_answer == sum(m.needing_answer for m in months)
        assert year.answered_24h == sum(m.answered_24h for m in months)


def test_rollups_rebuild_to_the_same_rows(figures_app):
    with figures_app.app_context():
        before = report("2026").visits
        rollups.rebuild()
        db.session.commit()
        after = report("2026").visits
        assert (after.total, after.by_group, after.heat) == (
            before.total,
            before.by_group,
            before.heat,
        )
        assert rollups.differences() == []


def _area_period_rows():
    from stationsite.models import VisitRollupAreaPeriod as AreaPeriod

    rows = db.session.execute(select(AreaPeriod.__table__).where(AreaPeriod.visits != 0))
    return sorted(tuple(row) for row in rows)


def test_month_and_year_district_rollup_kept_as_visits_arrive_equals_a_rebuild(figures_app):
    with figures_app.app_context():
        kept_as_they_came = _area_period_rows()
        assert ("year", date(2026, 1, 1), "*", "warm_station", "courier", "tally", 4) in (
            kept_as_they_came
        )  # the tally of 5 replaced by 4 is counted once, as 4
        rollups.rebuild()
        assert _area_period_rows() == kept_as_they_came


@pytest.mark.parametrize(
    "period",
    ["2026-11", "2026-11-10..2026-12-01", "2025-12-01..2026-11-30", "2026", "2026-Q4", "2026-W48"],
)
def test_district_figures_equal_the_per_station_figures_over_any_period(figures_app, period):
    """A national report reads the district rollups (whole months and years, leftover days);
    the same stations named one by one read the per-station rollup: the figures agree."""
    with figures_app.app_context():
        ids = tuple(db.session.scalars(select(Station.id)))
        for group in (None, "courier"):
            area = report(period, visitor_group=group).visits
            stations = report(period, visitor_group=group, station_ids=ids).visits
            assert area.by_group == stations.by_group and area.by_source == stations.by_source
            assert area.by_district == stations.by_district
            assert area.total == stations.total


# --- the page and who may see it ----------------------------------------------------------


def test_union_staff_see_every_station(figures_app):
    client = figures_app.test_client()
    sign_in(client, "boss")
    page = client.get("/reports/?period=2026-11").get_data(as_text=True)
    # Codes are matched as table cells: a bare "B1" can occur in the page's CSRF token.
    assert ">A1<" in page and ">B1<" in page and "7" in page


def test_operators_see_only_their_own_stations(figures_app):
    client = figures_app.test_client()
    sign_in(client, "op")
    page = client.get("/reports/?period=2026-11").get_data(as_text=True)
    assert ">A1<" in page and ">B1<" not in page
    refused = client.get("/reports/?period=2026-11&station=B1")
    assert refused.status_code == 403 and "您无权查看此页面" in refused.get_data(as_text=True)
    english = client.get("/reports/?period=2026-11&station=B1&lang=en").get_data(as_text=True)
    assert "You may not see this page" in english and "Forbidden" not in english
    unknown = client.get("/reports/?period=2026-11&station=NOPE")
    assert unknown.status_code == 400 and 'id="station-errors"' in unknown.get_data(as_text=True)
    with figures_app.app_context():
        user = db.session.scalar(select(User).where(User.username == "op"))
        mine = tuple(s.id for s in user.stations)
        assert build_report(Scope(periods.parse("2026-11"), station_ids=mine)).visits.total == 6


def test_the_map_of_use_loads_after_the_page_for_the_same_scope(figures_app):
    """The page carries no map: it names the map's script with its own query string, and the
    script draws that scope's stations into #usage-map, confined as the page is, for this
    site's pages only."""
    import html

    client = figures_app.test_client()
    sign_in(client, "boss")
    page = client.get("/reports/?period=2026-11&district=上城区").get_data(as_text=True)
    assert 'id="usage-map"' in page and "L.map(" not in page
    assert "显示最繁忙的 1 座" in page  # 上城区 had one visited station: A1
    source = re.search(r'<script src="(/reports/map\.js\?[^"]+)"', page).group(1)
    drawn = client.get(html.unescape(source))
    assert drawn.status_code == 200 and drawn.mimetype == "text/javascript"
    assert drawn.headers["Cache-Control"] == "private, no-store"
    script = drawn.get_data(as_text=True)
    assert script.startswith('document.getElementById("usage-map").innerHTML = ')
    assert "L.map(" in script and r"\u00b7 A1 \u00b7" in script  # the label, as JSON
    assert r"\u00b7 B1 \u00b7" not in script
    everywhere = client.get("/reports/map.js?period=2026-11").get_data(as_text=True)
    assert r"\u00b7 A1 \u00b7" in everywhere and r"\u00b7 B1 \u00b7" in everywhere

    operator = figures_app.test_client()
    sign_in(operator, "op")  # A1 only
    mine = operator.get("/reports/map.js?period=2026-11").get_data(as_text=True)
    assert r"\u00b7 A1 \u00b7" in mine and r"\u00b7 B1 \u00b7" not in mine
    assert operator.get("/reports/map.js?period=2026-11&station=B1").status_code == 403
    assert client.get("/reports/map.js?period=2026-13").status_code == 400
    another_site = {"Sec-Fetch-Site": "cross-site"}
    assert client.get("/reports/map.js", headers=another_site).status_code == 403
    anonymous = figures_app.test_client().get("/reports/map.js")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]


def test_anonymous_visitors_are_sent_to_sign_in(figures_app):
    response = figures_app.test_client().get("/reports/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "period", ["2026-13", "yesterday", "2026-12-01..2026-01-01", "1999", "x" * 60]
)
def test_a_bad_period_is_explained_beside_the_field(figures_app, period):
    client = figures_app.test_client()
    sign_in(client, "boss")
    response = client.get("/reports/", query_string={"period": period})
    assert response.status_code == 400
    assert 'id="period-errors"' in response.get_data(as_text=True)


def test_what_is_wrong_with_a_period_or_district_is_said_beside_it(figures_app):
    """A reversed range, and a mistyped district (which would read as a report of zeros),
    are explained beside their fields; an operator's district must hold one of theirs."""
    client = figures_app.test_client()
    sign_in(client, "boss")
    reversed_range = client.get("/reports/?period=2026-11-30..2026-10-01")
    assert reversed_range.status_code == 400
    assert "结束日期早于开始日期" in reversed_range.get_data(as_text=True)
    for path in ("/reports/", "/reports/export.csv", "/reports/export.xlsx"):
        mistyped = client.get(path, query_string={"period": "2026-11", "district": "上城"})
        assert mistyped.status_code == 400, path
    page = client.get("/reports/?period=2026-11&district=上城").get_data(as_text=True)
    assert 'id="district-errors"' in page and "这个区县没有驿站" in page
    assert client.get("/reports/?period=2026-11&district=上城区").status_code == 200
    operator = figures_app.test_client()
    sign_in(operator, "op")  # A1 only, in 上城区
    elsewhere = operator.get("/reports/?period=2026-11&district=西湖区")
    assert elsewhere.status_code == 400 and "您负责的驿站都不在这个区县" in elsewhere.get_data(
        as_text=True
    )
    assert operator.get("/reports/?period=2026-11&district=上城区").status_code == 200


@pytest.mark.parametrize("sort", ["visits", "rating", "faults", "fix", "nonsense"])
def test_the_ranking_sorts_by_each_column(figures_app, sort):
    client = figures_app.test_client()
    sign_in(client, "boss")
    assert client.get(f"/reports/?period=2026-11&sort={sort}").status_code == 200


def test_a_station_reads_the_same_in_the_ranking_whatever_its_sort(figures_app):
    """By visits, the ranking takes the busiest stations' names and visits from the visit
    figures; by any other column it reads them anew: the same row either way."""
    made = china(2026, 11, 10, 9, 0)
    for rating in (5, 4, 4):
        _feedback(figures_app, category=FeedbackCategory.PRAISE, rating=rating, created_at=made)
    _fixed(figures_app, FeedbackCategory.FACILITY_FAULT, made, 5)
    month = Scope(periods.parse("2026-11"))
    with figures_app.app_context():
        rows = {
            sort: {row.code: row for row in build_report(month, "zh", sort=sort).ranking}
            for sort in ("visits", "rating", "faults", "fix")
        }
        en = {row.code: row for row in build_report(month, "en").ranking}
    by_visits = rows.pop("visits")
    assert by_visits["A1"].visits == 6 and by_visits["B1"].visits == 1
    assert by_visits["A1"].ratings == 3 and by_visits["A1"].fix_median_h == 5.0
    assert all(rows.values())  # A1 is in every one of them
    for other in rows.values():
        for code, row in other.items():
            assert row == by_visits[code]
    assert en["A1"].name == "Test station 1" != by_visits["A1"].name


def test_the_ranking_counts_the_faults_whose_time_to_fix_it_shows(figures_app):
    """A cleanliness report resolved in 96 hours is a fault of the station, in the faults
    column as in its time to fix (a time to fix beside zero faults read as a contradiction)."""
    made = china(2026, 11, 10, 9, 0)
    _fixed(figures_app, FeedbackCategory.CLEANLINESS, made, 96)
    with figures_app.app_context():
        rows = {row.code: row for row in report("2026-11").ranking}
        by_faults = build_report(Scope(periods.parse("2026-11")), "zh", sort="faults").ranking
    assert rows["A1"].faults == 1 and rows["A1"].fix_median_h == 96.0
    assert [row.code for row in by_faults] == ["A1", "B1", "A2"]  # then by visits


def test_the_tally_form_shows_todays_check_ins_and_what_was_entered(app, make_station):
    make_station(code="OP-9")
    with app.app_context():
        here = station("OP-9")
        check_in(here, datetime.now(UTC))
        user = create_user("op9", "long-password", "operator", ["OP-9"])
        record_tally(here, periods.today_in_china(), {"sanitation": 7}, by=user)
        db.session.commit()
    client = app.test_client()
    sign_in(client, "op9")
    page = client.get("/operator/stations/OP-9").get_data(as_text=True)
    assert "今天已有 1 人次扫码签到" in page or "1 QR check-ins today" in page
    assert 'name="sanitation" type="number" value="7"' in page or 'value="7"' in page


# --- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
        ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2026-W48", date(2026, 11, 23), date(2026, 11, 29)),
        ("2026-02-27..2026-3-2", date(2026, 2, 27), date(2026, 3, 2)),
    ],
)
def test_period_keys(text, start, end):
    period = periods.parse(text)
    assert (period.start, period.end) == (start, end)
    assert periods.parse(period.key) == period


def test_previous_and_year_before():
    march = periods.parse("2024-03")
    assert march.previous().key == "2024-02" and march.year_before().key == "2023-03"
    assert periods.parse("2026-Q1").previous().key == "2025-Q4"
    leap = periods.parse("2024-02-29..2024-03-01")
    assert (leap.year_before().start, leap.previous().end) == (date(2023, 2, 28), date(2024, 2, 28))


def test_presets_follow_china_dates():
    today = date(2026, 12, 2)
    assert periods.preset("last-month", today).key == "2026-11"
    assert periods.preset("this-quarter", today).key == "2026-Q4"
    assert periods.preset("this-week", today).start == date(2026, 11, 30)
    late = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)  # 00:30 on 1 December in China
    assert periods.today_in_china(late) == date(2026, 12, 1)


def test_split_covers_the_period_exactly():
    years, months, ranges = periods.split(periods.parse("2025-12-15..2027-02-10"))
    assert years == [date(2026, 1, 1)]
    assert months == [date(2027, 1, 1)]
    assert ranges == [
        (date(2025, 12, 15), date(2025, 12, 31)),
        (date(2027, 2, 1), date(2027, 2, 10)),
    ]


def test_whole_parts_take_a_year_less_its_other_months_when_that_is_fewer_rows():
    rolling = visits.whole_parts(periods.parse("2025-12-01..2026-11-30"))
    assert rolling == [
        ("month", date(2025, 12, 1), 1),
        ("year", date(2026, 1, 1), 1),
        ("month", date(2026, 12, 1), -1),
    ]
    half = visits.whole_parts(periods.parse("2026-01-01..2026-06-30"))
    assert half == [("month", date(2026, n, 1), 1) for n in range(1, 7)]
    # the partly covered month is taken away whole; its days come back from the day rollup
    ragged = visits.whole_parts(periods.parse("2026-01-01..2026-11-20"))
    assert ragged[0] == ("year", date(2026, 1, 1), 1)
    assert sorted(ragged[1:]) == [
        ("month", date(2026, 11, 1), -1),
        ("month", date(2026, 12, 1), -1),
    ]
    assert periods.split(periods.parse("2026-01-01..2026-11-20"))[2] == [
        (date(2026, 11, 1), date(2026, 11, 20))
    ]


# --- bad input: a clear answer, never a 500 -------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/reports/", "/reports/export.csv", "/reports/export.xlsx", "/reports/map.js"]
)
@pytest.mark.parametrize(
    "query", ["district=%00", "station=HZ%00", "period=2026-11%00", "period=2026-W53", "group=x"]
)
def test_control_characters_and_odd_values_are_refused_clearly(figures_app, path, query):
    client = figures_app.test_client()
    sign_in(client, "boss")
    assert client.get(f"{path}?{query}").status_code in (200, 400)


def test_a_station_name_with_control_characters_still_exports(figures_app):
    with figures_app.app_context():
        station("A1").name_zh = "=坏\x00名\x07字"
        db.session.commit()
    client = figures_app.test_client()
    sign_in(client, "boss")
    assert client.get("/reports/export.xlsx?period=2026-11").status_code == 200


def test_any_query_string_gets_an_answer_not_an_error(figures_app):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    client = figures_app.test_client()
    sign_in(client, "boss")
    names = st.sampled_from(["period", "district", "kind", "station", "group", "sort", "lang"])

    @settings(
        max_examples=int(os.environ.get("REPORT_FUZZ_EXAMPLES", "60")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(st.dictionaries(names, st.text(max_size=70), max_size=4))
    def fetch(query):
        for path in ("/reports/", "/reports/export.csv"):
            assert client.get(path, query_string=query).status_code in (200, 400, 403, 404)

    fetch()


def test_differences_finds_a_rollup_that_drifted(figures_app):
    from sqlalchemy import update

    from stationsite.models import VisitRollup, VisitRollupAreaPeriod

    with figures_app.app_context():
        db.session.execute(
            update(VisitRollup)
            .where(VisitRollup.day == date(2026, 11, 15))
            .values(visits=VisitRollup.visits + 1)
        )
        found = rollups.differences()
        assert any("only in the raw visits" in line for line in found)
        assert any("only in the rollup" in line for line in found)
        rollups.rebuild()
        assert rollups.differences() == []
        db.session.execute(
            update(VisitRollupAreaPeriod)
            .where(VisitRollupAreaPeriod.grain == "year")
            .values(visits=VisitRollupAreaPeriod.visits + 1)
        )
        found = rollups.differences()
        assert any("only in the year district rollup" in line for line in found)
        rollups.rebuild()
        assert rollups.differences() == []


def test_the_district_choices_are_every_stations_districts_once_in_order(figures_app, make_station):
    from stationsite.reports.views import _districts

    for code, district in (("C1", "滨江区"), ("C2", ""), ("C3", "滨江区"), ("C4", "余杭区")):
        make_station(code=code, district=district)
    with figures_app.app_context():
        every = Scope(periods.parse("2026-11"))
        assert _districts(every) == sorted({"上城区", "西湖区", "滨江区", "余杭区"})
        assert _districts(every, most=2) == sorted({"上城区", "西湖区", "滨江区", "余杭区"})[:2]
        mine = Scope(periods.parse("2026-11"), station_ids=(station("C1").id, station("C2").id))
        assert _districts(mine) == ["滨江区"]


def test_the_kept_district_choices_follow_a_new_station_and_a_moved_one(figures_app, make_station):
    """The suggestions are kept between pages, and read anew once a station is added or
    edited; while nothing changed, they are not read again."""
    from sqlalchemy import event

    from stationsite.reports.views import _districts

    every = Scope(periods.parse("2026-11"))
    with figures_app.app_context():
        before = _districts(every)
        statements = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert _districts(every) == before
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        assert not any("RECURSIVE" in statement for statement in statements)
    make_station(code="N1", district="临平区")
    with figures_app.app_context():
        assert _districts(every) == sorted({*before, "临平区"})
        moved = station("N1")
        moved.district = "钱塘区"
        db.session.commit()
        assert _districts(every) == sorted({*before, "钱塘区"})


def test_the_page_draws_charts_without_scripts_and_escapes_every_cell(figures_app):
    """Table cells are joined in Python (tables.body_rows): still escaped; the SVG charts
    carry no inline script for the Content-Security-Policy to refuse; a district's own report
    shows its one-row district table without a one-bar chart."""
    with figures_app.app_context():
        station("A2").name_zh = "<b>湖滨</b> & 驿站"
        record_tally(station("A2"), date(2026, 11, 3), {"courier": 1}, by=None)
        db.session.commit()
    client = figures_app.test_client()
    sign_in(client, "boss")
    page = client.get("/reports/?period=2026-11").get_data(as_text=True)
    assert "&lt;b&gt;湖滨&lt;/b&gt; &amp; 驿站" in page and "<b>湖滨" not in page
    assert page.count("<svg") == 7
    assert all("<script" not in svg.split("</svg>")[0] for svg in page.split("<svg")[1:])
    district = client.get("/reports/?period=2026-11&district=上城区").get_data(as_text=True)
    assert district.count("<svg") == 6
    assert 'role="img" aria-label="按区县分的服务人次"' not in district
    assert ">上城区<" in district  # the district's table, shown as it is


def test_the_open_index_holds_exactly_the_open_items_that_need_action(figures_app):
    """ix_feedback_open's predicate (models.FEEDBACK_OPEN_NEEDING_ACTION) and the report's
    open problems (feedback._open_conditions) pick the same items, every category and state."""
    from itertools import product

    from sqlalchemy import text

    from stationsite.models import FEEDBACK_OPEN_NEEDING_ACTION
    from stationsite.reports.feedback import _open_conditions

    for category, status, comment in product(FeedbackCategory, FeedbackStatus, ("", "太热了")):
        _feedback(
            figures_app,
            category=category,
            status=status,
            comment=comment,
            created_at=china(2026, 11, 20, 9, 0),
        )
    with figures_app.app_context():
        query = text(f"SELECT id FROM feedback WHERE {FEEDBACK_OPEN_NEEDING_ACTION}")
        indexed = set(db.session.scalars(query))
        scope = Scope(periods.parse("2026-11"))
        reported = set(db.session.scalars(select(Feedback.id).where(*_open_conditions(scope))))
    assert indexed == reported and 0 < len(reported) < len(FeedbackCategory) * 2 * 2


def test_a_new_visit_redraws_the_visit_charts_only(figures_app):
    """Each chart is kept under its own figures: a check-in redraws the four visit charts;
    the feedback and coverage charts are given back as drawn."""
    from stationsite.reports import charts
    from stationsite.reports.memo import drawings

    with figures_app.test_request_context():
        drawings.clear()
        first = charts.all_charts(report("2026-11"))
        assert (drawings.misses, drawings.hits) == (7, 0)
        assert charts.all_charts(report("2026-11")) == first and drawings.hits == 7
        check_in(station("B1"), china(2026, 11, 16, 9, 0))
        db.session.commit()
        again = charts.all_charts(report("2026-11"))
        assert (drawings.misses, drawings.hits) == (11, 10)
        kept = ("feedback_trend", "by_category", "coverage")
        assert [name for name in first if first[name] is not again[name]] == [
            name for name in first if name not in kept
        ]


@pytest.mark.parametrize("kind", ["Bar", "HorizontalBar"])
def test_the_lighter_charts_draw_pygals_picture_without_its_tooltip_figures(kind):
    """charts.Bar/HorizontalBar read pygal's settings by a quicker path and skip the tooltip
    <desc> elements and the settings script: the SVG is pygal's own, element for element,
    less those."""
    import pygal

    from stationsite.reports import charts

    def drawn(chart_class) -> str:
        chart = chart_class(
            style=charts.STYLE, js=[], secondary_range=(0, 5), show_legend=True, print_values=True
        )
        chart.x_labels = ["快递员", "外卖骑手", "环卫工人"]
        chart.add("服务人次", [12, 0, 3])
        chart.add("评分", [4.5, None, 3.0], secondary=True)
        uuid = r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}"
        return re.sub(uuid, "id", chart.render(is_unicode=True))

    pygals = drawn(getattr(pygal, kind))
    lighter = drawn(getattr(charts, kind))
    assert "<desc" in pygals and "<desc" not in lighter
    assert "<script" in pygals and "<script" not in lighter
    pygals = re.sub(r"<script[^>]*>.*?</script>", "", pygals, flags=re.S)
    assert lighter == re.sub(r"<desc[^>]*>[^<]*</desc>", "", pygals)
    assert f'class="graph {kind.lower()}-graph' in lighter


def test_the_report_header_names_its_dates_once_with_the_languages_own_brackets(figures_app):
    """A month shows its first and last day; a custom range's name already holds them, so only
    the time zone follows. Full-width brackets in Chinese, plain ones in English."""
    client = figures_app.test_client()
    sign_in(client, "boss")

    def header(query: str, text: bool = True) -> str:
        page = client.get(f"/reports/?{query}").get_data(as_text=True)
        shown = re.sub(r"\s+", " ", page.split('class="report-scope"')[1].split("</p>")[0])
        return re.sub(r"<[^>]+>", "", shown) if text else shown

    assert "（2026-11-01 至 2026-11-30，北京时间）" in header("period=2026-11")
    # each date kept on one line: a phone broke "2026-11-" from "30"
    assert '<span class="date">2026-11-30</span>' in header("period=2026-11", text=False)
    custom = header("period=2026-11-03..2026-11-09")
    assert "（北京时间）" in custom and custom.count("2026-11-03") == 1
    ratings = client.get("/reports/?period=2026-11").get_data(as_text=True)
    assert re.search(r"/ 5 （\d+ 条评分）", ratings)
    english = header("period=2026-11&lang=en")  # the language is remembered from here on
    assert "(2026-11-01 to 2026-11-30, China time)" in english and "（" not in english
    week = header("period=2026-W48")
    assert "Week 48, 2026" in week and "(2026-11-23 to 2026-11-29, China time)" in week
    assert week.count("2026-11-23") == 1


def test_a_station_code_in_any_case_and_the_sort_reach_the_downloads(figures_app):
    """hz-t-001 finds HZ-T-001 as the station page does; the spreadsheet lists the model
    stations in the order the page was sorted by."""
    import io

    from openpyxl import load_workbook

    client = figures_app.test_client()
    sign_in(client, "boss")
    page = client.get("/reports/?period=2026-11&station=a1")
    assert page.status_code == 200 and "测试驿站1" in page.get_data(as_text=True)
    assert client.get("/reports/?period=2026-11&station=zz9").status_code == 400
    made = china(2026, 11, 10, 9, 0)
    with figures_app.app_context():
        for code, rating in (("B1", 5), ("A1", 2)):
            for _ in range(3):
                db.session.add(
                    Feedback(
                        station=station(code),
                        visitor_group=VisitorGroup.COURIER,
                        category=FeedbackCategory.PRAISE,
                        rating=rating,
                        created_at=made,
                    )
                )
        db.session.commit()
    book = load_workbook(
        io.BytesIO(client.get("/reports/export.xlsx?period=2026-11&sort=rating").data)
    )
    sheet = book.worksheets[1 + tables.KEYS.index("ranking")]
    # rated stations first, by rating; then the one without 3 ratings, as by visits
    assert [row[1].value for row in sheet.iter_rows(min_row=2)] == ["B1", "A1", "A2"]
