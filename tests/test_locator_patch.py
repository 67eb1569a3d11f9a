"""The shared snapshot and its overlay of changes answer exactly as a fresh build would.

Each edit goes through the ORM as the operator and admin pages make it; afterwards every
question (nearest with each filter, open now and on arrival, the map's viewport) is asked of
the live index (a snapshot mapped from files, changes patched in) and of an index built
afresh from the database, and the answers must be the same.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.locator import index as idx
from stationsite.locator import snapshot
from stationsite.locator import viewport as view
from stationsite.locator.service import LiveIndex, live_index
from stationsite.models import Facility, FacilityState, Station, StationFacility, StationStatus
from stationsite.synthetic import generate_stations

NOON = datetime(2025, 11, 24, 4, 0, tzinfo=UTC)  # Monday noon in China
TIMES = [NOON, NOON + timedelta(hours=10), NOON + timedelta(hours=17, minutes=50)]
FILTERS = [
    idx.Filters(),
    idx.Filters(kind="toilet_station"),
    idx.Filters(facilities=["drinking_water"], open="now"),
    idx.Filters(facilities=["microwave"], open="arrival"),
    idx.Filters(open="now"),
    idx.Filters(open="closed"),
    idx.Filters(h24=True),
    idx.Filters(facilities=["drinking_water"], h24=True),
]


@pytest.fixture
def shared(app, tmp_path):
    app.config.update(
        LOCATOR_SNAPSHOT=True,
        LOCATOR_SNAPSHOT_DIR=str(tmp_path / "snapshots"),
        LOCATOR_REFRESH_S=0,
    )
    with app.app_context():
        generate_stations(400, seed=3)
        db.session.commit()
        yield app
        db.session.remove()


def _answer(hit: idx.Hit) -> tuple:
    return (hit.id, round(hit.distance_m, 3), hit.now, hit.arrival, hit.need_now, hit.need_arrival)


def _points() -> list[tuple[float, float]]:
    rows = db.session.execute(select(Station.lat, Station.lon).order_by(Station.id)).all()
    return [(lat + 0.001, lon - 0.001) for lat, lon in rows[::40]]


def assert_same_as_fresh_build() -> None:
    live = live_index().get()
    fresh, _version = snapshot.read(db.session.connection())
    for lat, lon in _points():
        for at in TIMES:
            for filters in FILTERS:
                got = idx.nearby(live, lat, lon, at, limit=8, radius_m=20_000, filters=filters)
                want = idx.nearby(fresh, lat, lon, at, limit=8, radius_m=20_000, filters=filters)
                assert [_answer(h) for h in got] == [_answer(h) for h in want], (filters, at)
    box = (73.0, 18.0, 135.0, 54.0)
    for filters in FILTERS[:6]:
        got = view.select(live, box, filters, NOON)
        want = view.select(fresh, box, filters, NOON)
        assert sorted(got.ids.tolist()) == sorted(want.ids.tolist()), filters


def _station(n: int = 0) -> Station:
    return db.session.scalars(select(Station).order_by(Station.id).offset(n)).first()


def _facility(code: str) -> Facility:
    return db.session.scalar(select(Facility).where(Facility.code == code))


def test_the_base_index_is_a_shared_snapshot_of_mapped_arrays(shared):
    live = live_index()
    index = live.get()
    assert isinstance(index.lat, np.memmap) and isinstance(index.ids, np.memmap)
    assert index.overlay is None  # nothing changed since it was taken
    assert len(index) == 400
    assert_same_as_fresh_build()


def test_another_worker_maps_the_same_snapshot_instead_of_building(shared, monkeypatch):
    live_index().get()
    built = []
    monkeypatch.setattr(snapshot, "read", lambda *a: built.append(1) or pytest.fail("built"))
    other = LiveIndex(shared.config, live_index().folder, live_index().url)
    assert len(other.get()) == 400
    assert built == []


def test_edits_are_patched_in_not_rebuilt(shared):
    live = live_index()
    base = live.get()
    station = _station(3)
    station.lat, station.lon = station.lat + 0.01, station.lon + 0.01
    db.session.commit()
    patched = live.get()
    assert patched.ids is base.ids  # the same mapped base...
    assert len(patched.overlay) == 1 and int(patched.dead.sum()) == 1  # ...one station shadowed
    assert_same_as_fresh_build()
    assert live.get() is patched  # nothing new: nothing patched again


def test_closures_reopening_and_retirement(shared):
    live_index().get()
    _station(1).status = StationStatus.TEMPORARILY_CLOSED
    _station(1).closed_until = NOON + timedelta(hours=3)
    _station(2).status = StationStatus.TEMPORARILY_CLOSED  # until further notice
    _station(5).status = StationStatus.CLOSED  # retired
    db.session.commit()
    assert_same_as_fresh_build()
    retired = _station(5).id
    shown = view.select(live_index().get(), (73, 18, 135, 54), idx.Filters(), NOON)
    assert retired not in shown.ids
    _station(1).status = StationStatus.OPEN
    _station(1).closed_until = None
    _station(5).status = StationStatus.OPEN  # back in service
    db.session.commit()
    assert_same_as_fresh_build()


def test_facility_and_hours_changes(shared):
    live_index().get()
    station = _station(7)
    station.opening_hours = "Mo-Fr 08:00-12:00"
    for item in station.facilities[:1]:
        item.state = FacilityState.OUT_OF_ORDER
    for item in station.facilities[1:2]:
        item.hours = "Mo-Su 11:00-13:00"
    db.session.commit()
    assert_same_as_fresh_build()
    other = _station(9)
    other.facilities.append(
        StationFacility(facility=_facility("microwave"), state=FacilityState.WORKING, hours="")
    )
    water = next((f for f in other.facilities if f.facility.code == "drinking_water"), None)
    if water is not None:
        water.state = FacilityState.REMOVED
    db.session.commit()
    assert_same_as_fresh_build()
    station.opening_hours = "24/7"  # and again: the overlay keeps only the latest
    db.session.commit()
    assert_same_as_fresh_build()
    assert len(live_index().get().overlay) == 2


def test_a_new_station_is_found(shared):
    live_index().get()
    template = _station(0)
    db.session.add(
        Station(
            code="NEW-1",
            kind=template.kind,
            name_zh="新驿站",
            lat=template.lat + 0.0001,
            lon=template.lon,
            opening_hours="24/7",
        )
    )
    db.session.commit()
    assert_same_as_fresh_build()
    hits = idx.nearby(live_index().get(), template.lat + 0.0001, template.lon, NOON, limit=1)
    assert hits[0].id == db.session.scalar(select(Station.id).where(Station.code == "NEW-1"))


def test_a_late_commit_with_an_earlier_time_is_still_caught(shared):
    live = live_index()
    live.get()
    newest = db.session.scalar(select(Station).order_by(Station.updated_at.desc()))
    newest.name_zh = "改名"
    db.session.commit()
    live.get()
    late = _station(11)
    late.opening_hours = "Mo-Su 09:00-10:00"
    db.session.flush()
    late.updated_at = live.high - timedelta(seconds=2)  # stamped before the newest change
    db.session.commit()
    assert_same_as_fresh_build()


def test_too_many_changes_open_a_fresh_base(shared):
    live = live_index()
    first = live.get()
    live.most_changed = 5
    for n in range(10):
        _station(n).opening_hours = "Mo-Su 10:00-11:00"
    db.session.commit()
    again = live.get()
    assert again.overlay is None and again.ids is not first.ids
    assert_same_as_fresh_build()


def test_api_answers_follow_an_edit_through_the_record_cache(shared):
    client = shared.test_client()
    station = _station(4)
    ask = f"/api/v1/stations/nearby?lat={station.lat}&lon={station.lon}&limit=1"
    assert client.get(ask).get_json()["features"][0]["properties"]["code"] == station.code
    station.name_zh = "新名字"
    db.session.commit()
    assert client.get(ask).get_json()["features"][0]["properties"]["name"] == "新名字"


def _grid(index, bbox, zoom, most=50):
    found = view.grid_view(index, bbox, zoom, most)
    assert found is not None
    clusters, total = found
    assert 0 < len(clusters) <= most and sum(c.count for c in clusters) == total
    return sorted((round(c.lat, 9), round(c.lon, 9), c.count) for c in clusters), total


def test_map_clusters_come_from_the_grids_and_follow_patches(shared):
    everywhere = (73.0, 18.0, 135.0, 54.0)
    live = live_index().get()
    assert _grid(live, everywhere, 4)[1] == 400
    station, gone = _station(2), _station(3)
    station.lat, station.lon = station.lat + 0.5, station.lon - 0.5
    gone.status = StationStatus.CLOSED
    db.session.commit()
    live = live_index().get()
    fresh, _version = snapshot.read(db.session.connection())
    for zoom in (2, 4, 6, 8):
        for bbox in (everywhere, (100.0, 20.0, 125.0, 45.0)):
            got, want = _grid(live, bbox, zoom, most=100), _grid(fresh, bbox, zoom, most=100)
            assert got[1] == want[1]
            assert [c[2] for c in got[0]] == [c[2] for c in want[0]]
            for a, b in zip(got[0], want[0], strict=True):
                assert a[:2] == pytest.approx(b[:2])
    assert _grid(live, everywhere, 4)[1] == 399


def test_a_view_with_few_stations_shows_them_not_clusters(shared):
    station = _station(0)
    box = (station.lon - 0.001, station.lat - 0.001, station.lon + 0.001, station.lat + 0.001)
    assert view.grid_view(live_index().get(), box, 16, 500) is None
    assert station.id in view.select(live_index().get(), box, idx.Filters(), NOON).ids


@pytest.mark.postgres
def test_postgresql_gives_the_same_index_and_patches(tmp_path):
    from stationsite import create_app
    from stationsite.database import migrate_to_head
    from stationsite.demo import seed_demo
    from stationsite.locator.service import _records

    from .conftest import postgres_database

    with postgres_database() as url:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "t",
                "MAP_TILES": "none",
                "DATABASE_URL": url,
                "LOCATOR_SNAPSHOT": True,
                "LOCATOR_SNAPSHOT_DIR": str(tmp_path / "snap"),
                "LOCATOR_REFRESH_S": 0,
            }
        )
        try:
            with app.app_context():
                migrate_to_head()
                seed_demo()
                db.session.commit()
                ids = list(db.session.scalars(select(Station.id)))
                from_rows = idx.build([r for r in _records(ids).values() if r], _codes_now())
                live = live_index().get()
                for at in TIMES:
                    for filters in FILTERS:
                        got = idx.nearby(live, 30.26, 120.16, at, limit=8, filters=filters)
                        want = idx.nearby(from_rows, 30.26, 120.16, at, limit=8, filters=filters)
                        assert [_answer(h) for h in got] == [_answer(h) for h in want]
                _station(1).opening_hours = "Mo-Su 10:00-11:00"
                db.session.commit()
                assert_same_as_fresh_build()
                db.session.remove()
        finally:
            with app.app_context():
                db.engine.dispose()


def _codes_now() -> list[str]:
    return sorted(db.session.scalars(select(Facility.code)))


def test_without_a_writable_snapshot_folder_the_index_is_built_in_process(shared, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    shared.config["LOCATOR_SNAPSHOT_DIR"] = str(blocked / "snapshots")
    shared.extensions.pop("station_index", None)
    assert len(live_index().get()) == 400


def test_a_grown_overlay_is_folded_into_a_fresh_snapshot_built_beside(shared):
    import time

    live = live_index()
    first = live.get()
    first_path = live.path
    live.compact_at = 3
    for n in range(3):
        _station(20 + n).opening_hours = "Mo-Su 08:00-09:00"
        db.session.commit()
        live.get()
    assert live.builder is not None  # a process of its own builds the new snapshot
    assert live.builder.wait(timeout=120) == 0
    deadline = time.monotonic() + 30
    while live.path == first_path and time.monotonic() < deadline:
        live.get()  # each look checks for a newer snapshot
        time.sleep(0.1)
    switched = live.get()
    assert live.path != first_path and switched.ids is not first.ids
    assert switched.overlay is None  # the changes are in the new base
    assert_same_as_fresh_build()
    other = LiveIndex(shared.config, live.folder, live.url)  # a worker starting now
    assert other.get().overlay is None


def test_map_view_features_are_kept_and_follow_an_edit(shared):
    """A map view's Features are kept for the minute (api.geojson.kept_feature) while the
    station's record is the same: the same view asked again gives the same answer; an edit
    (a new record) shows at once."""
    client = shared.test_client()
    station = _station(5)
    box = (station.lon - 0.001, station.lat - 0.001, station.lon + 0.001, station.lat + 0.001)
    ask = "/api/v1/stations?bbox={},{},{},{}&zoom=17".format(*box)

    def names():
        return {f["id"]: f["properties"]["name"] for f in client.get(ask).get_json()["features"]}

    first = client.get(ask).get_data()
    assert client.get(ask).get_data() == first and station.code in names()
    station.name_zh = "新名字"
    db.session.commit()
    assert names()[station.code] == "新名字"
