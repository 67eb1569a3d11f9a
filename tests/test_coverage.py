"""Rider searches kept anonymously, and the coverage figures for "where to build next"."""

import logging
import math
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select

from stationsite import geo
from stationsite.extensions import db
from stationsite.locator import index as idx
from stationsite.models import Search
from stationsite.reports import coverage
from stationsite.reports.coverage import WALK15_M, record_search, snap
from stationsite.reports.model import Scope
from stationsite.reports.periods import CHINA, parse

HUBIN = (30.2585, 120.1627)
NOON = datetime(2026, 11, 10, 12, 0, tzinfo=CHINA)  # a Tuesday
M_PER_DEG = 111_195


def east(point, metres):
    lat, lon = point
    return lat, lon + metres / (M_PER_DEG * math.cos(math.radians(lat)))


def north(point, metres):
    return point[0] + metres / M_PER_DEG, point[1]


def searches() -> list[Search]:
    return list(db.session.scalars(select(Search).order_by(Search.id)))


def add(point, count, nearest_m=None, district="上城区", at=NOON):
    cell, lat, lon = snap(*point)
    hour = at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    db.session.add_all(
        Search(
            cell=cell, cell_lat=lat, cell_lon=lon, hour=hour, nearest_m=nearest_m, district=district
        )
        for _ in range(count)
    )
    db.session.commit()


def figures(period="2026-11", **scope):
    return coverage.coverage_figures(Scope(parse(period), **scope))


# --- the grid ---------------------------------------------------------------------------


def test_a_point_snaps_to_its_cell_centre():
    key, lat, lon = snap(*HUBIN)
    assert snap(lat, lon) == (key, lat, lon)
    assert geo.distance_m(HUBIN, (lat, lon)) < 360  # within half a cell's diagonal
    assert (lat, lon) != HUBIN


@pytest.mark.parametrize("latitude", [20.0, 30.26, 45.0])
def test_cells_are_about_500_m_each_way(latitude):
    _key, lat, lon = snap(latitude, 120.1)
    _east, elat, elon = snap(*east((lat, lon), 500))
    _north, nlat, _nlon = snap(*north((lat, lon), 500))
    assert elat == lat and geo.distance_m((lat, lon), (elat, elon)) == pytest.approx(500, abs=5)
    assert geo.distance_m((lat, lon), (nlat, lon)) == pytest.approx(500, abs=5)


def test_points_100_m_apart_share_a_cell_and_600_m_away_do_not():
    key, lat, lon = snap(*HUBIN)
    centre = (lat, lon)
    assert snap(*east(centre, -50))[0] == snap(*east(centre, 50))[0] == key
    assert snap(*north(centre, 600))[0] != key
    assert snap(*east(centre, 600))[0] != key


# --- recording --------------------------------------------------------------------------


def test_an_api_search_is_stored_once_without_the_position(app, client, make_station):
    make_station(lat=30.2600, lon=120.1640, district="上城区")
    raw = (30.258512, 120.162734)
    response = client.get(f"/api/v1/stations/nearby?lat={raw[0]}&lon={raw[1]}&facility=toilet")
    assert response.status_code == 200
    with app.app_context():
        (search,) = searches()
        assert (search.cell, search.cell_lat, search.cell_lon) == snap(*raw)
        assert search.source == "api"
        assert search.facilities == "toilet"
        assert search.nearest_m is None  # the station has no toilet
        assert search.district == "上城区"  # of the nearest station of any kind
        assert search.hour.minute == search.hour.second == 0
        stored = " ".join(str(getattr(search, c.key)) for c in Search.__table__.columns)
        assert "30.2585" not in stored and "120.1627" not in stored


def test_a_located_home_page_search_is_stored_once(app, client, make_station):
    station = make_station(lat=30.2600, lon=120.1640)
    assert client.get("/").status_code == 200  # no origin: not a rider's search
    assert client.get("/api/v1/stations/nearby?lat=91&lon=120").status_code == 422
    assert client.get(f"/?lat={HUBIN[0]}&lon={HUBIN[1]}&kind=warm_station").status_code == 200
    with app.app_context():
        (search,) = searches()
        assert search.source == "web"
        assert search.kind == "warm_station"
        assert search.cell == snap(*HUBIN)[0]
        expected = geo.distance_m(HUBIN, (station.lat, station.lon))
        assert search.nearest_m == pytest.approx(expected, abs=1)


def test_a_typed_place_search_is_stored(demo_app, demo_client):
    with demo_app.app_context():
        before = db.session.scalar(select(func.count(Search.id)))
    assert demo_client.get("/?q=吴山广场").status_code == 200
    with demo_app.app_context():
        assert db.session.scalar(select(func.count(Search.id))) == before + 1


def test_nearest_suitable_respects_filters_and_open_on_arrival(ctx, make_station):
    plain = make_station(lat=HUBIN[0], lon=east(HUBIN, 200)[1], district="上城区")
    morning = east(HUBIN, 500)
    make_station(
        facilities=["microwave"],
        lat=morning[0],
        lon=morning[1],
        opening_hours="Mo-Su 07:00-11:00",
        district="西湖区",
    )
    always = east(HUBIN, 800)
    make_station(facilities=["microwave"], lat=always[0], lon=always[1], district="拱墅区")

    def nearest(at, **filters):
        record_search(*HUBIN, idx.Filters(**filters), at)
        return searches()[-1]

    def metres(point):
        return math.ceil(geo.distance_m(HUBIN, point))

    assert nearest(NOON).nearest_m == metres((plain.lat, plain.lon))
    assert nearest(NOON, facilities=["microwave"]).nearest_m == metres(always)
    assert nearest(NOON, facilities=["microwave"]).district == "上城区"  # where the rider was
    assert nearest(NOON.replace(hour=10), facilities=["microwave"]).nearest_m == metres(morning)
    closing = NOON.replace(hour=10, minute=55)  # closes within ten minutes of arriving
    assert nearest(closing, facilities=["microwave"]).nearest_m == metres(always)
    none = nearest(NOON, kind="toilet_station")
    assert (none.nearest_m, none.district, none.kind) == (None, "上城区", "toilet_station")


def test_a_search_with_no_station_at_all_keeps_an_empty_district(ctx):
    record_search(*HUBIN, idx.Filters(open="now"), NOON)
    (search,) = searches()
    assert (search.nearest_m, search.district, search.open_filter) == (None, "", "now")


def test_searches_wait_in_the_buffer_and_are_written_in_batches(app):
    app.config.update(SEARCH_LOG_FLUSH_S=60, SEARCH_LOG_BATCH=3)
    with app.app_context():
        for _ in range(2):
            record_search(*HUBIN, idx.Filters(), NOON)
        assert searches() == []
        coverage.flush_all()  # what happens at exit
        assert len(searches()) == 2
        for _ in range(3):
            record_search(*HUBIN, idx.Filters(), NOON)
        for thread in threading.enumerate():
            if thread.name == "search-log":
                thread.join(5)
        assert len(searches()) == 5


def test_a_failing_write_logs_a_warning_and_does_not_raise(app, caplog):
    broken = coverage.SearchLog(create_engine("sqlite://"), batch=1, flush_s=0)  # no tables
    with app.app_context(), caplog.at_level(logging.WARNING):
        broken.add(coverage.search_row(*HUBIN, idx.Filters(), NOON, "web"))
    assert "could not record 1 searches" in caplog.text


def test_a_failing_search_record_never_reaches_the_request(ctx, monkeypatch, caplog):
    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(coverage, "search_row", broken)
    with caplog.at_level(logging.WARNING):
        record_search(*HUBIN, idx.Filters(), NOON)
    assert "search not recorded" in caplog.text


# --- figures ----------------------------------------------------------------------------


def test_walk_threshold_follows_travel_minutes():
    assert geo.travel_minutes(WALK15_M, "walk") <= 15 < geo.travel_minutes(WALK15_M + 1, "walk")


def test_served_within_1_km_and_15_minutes_walk(ctx):
    for nearest_m in (100, WALK15_M, WALK15_M + 1, 1000, 1001, None):
        add(HUBIN, 1, nearest_m)
    found = figures()
    assert (found.searches, found.served_1km, found.served_walk15) == (6, 4, 2)
    assert found.share_1km == pytest.approx(4 / 6)


def test_a_cell_shows_only_from_five_unserved_searches(ctx):
    add(HUBIN, 4)
    add(HUBIN, 3, nearest_m=300)
    add(east(HUBIN, 3000), 2, nearest_m=1500)
    found = figures()
    assert found.unserved_cells == [] and found.candidates == []
    assert found.hidden_cells == 2
    add(HUBIN, 1, nearest_m=1200)
    found = figures()
    (cell,) = found.unserved_cells
    _key, lat, lon = snap(*HUBIN)
    assert (cell.lat, cell.lon, cell.searches, cell.total, cell.district) == (
        lat,
        lon,
        5,
        8,
        "上城区",
    )
    assert found.hidden_cells == 1


def test_candidates_are_picked_greedily(ctx):
    alone = east(HUBIN, 5000)
    add(alone, 9, district="西湖区")
    add(HUBIN, 6)
    add(east(HUBIN, 500), 5)
    found = figures()
    assert [c.searches for c in found.unserved_cells] == [9, 6, 5]
    picks = [(c.lat, c.lon, c.district, c.would_serve) for c in found.candidates]
    assert picks == [(*snap(*HUBIN)[1:], "上城区", 11), (*snap(*alone)[1:], "西湖区", 9)]


def test_candidates_stop_at_ten():
    cells = [coverage.Cell(30 + i * 0.1, 120, 5, 5, "") for i in range(12)]
    picks = coverage.candidates(cells)
    assert len(picks) == 10 and {c.would_serve for c in picks} == {5}


def test_district_filters(ctx):
    add(HUBIN, 5, district="上城区")
    add(east(HUBIN, 5000), 6, district="西湖区")
    assert figures(district="西湖区").searches == 6
    assert [c.district for c in figures(district="西湖区").unserved_cells] == ["西湖区"]
    assert coverage.coverage_figures(Scope(parse("2026-11")), ["上城区"]).searches == 5
    assert coverage.coverage_figures(Scope(parse("2026-11")), []).searches == 0


def test_period_boundaries_are_in_china_time(ctx, make_station):
    make_station(lat=HUBIN[0], lon=HUBIN[1])
    record_search(*HUBIN, idx.Filters(), datetime(2026, 11, 30, 23, 30, tzinfo=CHINA))
    record_search(*HUBIN, idx.Filters(), datetime(2026, 12, 1, 0, 10, tzinfo=CHINA))
    record_search(*HUBIN, idx.Filters(), datetime(2026, 11, 1, 0, 0, tzinfo=CHINA))
    assert figures("2026-11").searches == 2
    assert figures("2026-12").searches == 1
    assert figures("2026-10").searches == 0


def test_no_searches_reads_as_zero(ctx):
    found = figures()
    assert (found.searches, found.served_1km, found.hidden_cells) == (0, 0, 0)
    assert found.share_1km is None and found.unserved_cells == [] and found.candidates == []


# --- demo -------------------------------------------------------------------------------


def test_demo_searches_show_where_to_build_and_are_seeded_once(demo_ctx):
    assert coverage.seed_demo_searches(random.Random(1)) == 0
    rows = db.session.execute(select(Search.cell, Search.cell_lat, Search.cell_lon)).all()
    assert len(rows) == coverage.DEMO_SEARCHES
    assert all(snap(lat, lon)[0] == cell for cell, lat, lon in rows[:200])
    today = datetime.now(CHINA).date()
    last = parse(f"{today - timedelta(days=120)}..{today}")
    found = coverage.coverage_figures(Scope(last))
    assert found.searches == coverage.DEMO_SEARCHES
    assert 0 < found.served_1km < found.searches
    top = found.candidates[: len(coverage.UNSERVED_AREAS)]
    for area in coverage.UNSERVED_AREAS:
        assert any(geo.distance_m(area, (c.lat, c.lon)) < 1500 for c in top)


def test_demo_searches_need_stations(ctx):
    assert coverage.seed_demo_searches(random.Random(1)) == 0
    assert searches() == []
