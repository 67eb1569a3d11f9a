"""Issue 13 (exports): the admin CSV and GeoJSON exports stream a batch of stations at a time,
with the same content the in-memory exports gave, and the CSV imports back unchanged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from stationsite import stations_io
from stationsite.extensions import db
from stationsite.models import FacilityState, Station, StationFacility
from stationsite.reports.exports import safe_text
from stationsite.stations_io import exports
from stationsite.users import create_user

from .test_operator import sign_in

# --- the exports as they were before they streamed (ORM objects, built in memory) ----------


def _old_stations():
    query = select(Station).order_by(Station.code).options(selectinload(Station.facilities))
    return db.session.scalars(query).all()


def old_csv() -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*exports.FIELDS, "status", "facilities"])
    for station in _old_stations():
        values = {name: getattr(station, name) for name in exports.FIELDS}
        values["kind"] = str(station.kind) if station.kind else None
        row = [
            *(values[name] for name in exports.FIELDS),
            str(station.status),
            ",".join(sorted(item.facility.code for item in station.facilities)),
        ]
        writer.writerow([safe_text(v) if isinstance(v, str) else v for v in row])
    return "\ufeff" + out.getvalue()


def old_geojson() -> str:
    return json.dumps(
        {"type": "FeatureCollection", "features": [_old_feature(s) for s in _old_stations()]},
        ensure_ascii=False,
    )


def _old_feature(station: Station) -> dict:
    tags = {
        "ref": station.code,
        "name": station.name_zh,
        "name:zh": station.name_zh,
        "name:en": station.name_en,
        "opening_hours": station.opening_hours or None,
        "phone": station.phone or None,
        "operator": station.operator_org or None,
        "addr:full": station.address or None,
        "addr:district": station.district or None,
        "addr:subdistrict": station.street or None,
        "kind": str(station.kind),
        "amenity": "toilets" if str(station.kind) == "toilet_station" else "shelter",
        "disused": "yes" if str(station.status) == "closed" else None,
    }
    for item in station.facilities:
        if item.state == FacilityState.WORKING and item.facility.code in exports.OSM_FACILITY_TAGS:
            key, value = exports.OSM_FACILITY_TAGS[item.facility.code]
            tags[key] = value
    tags["facilities"] = ",".join(
        sorted(i.facility.code for i in station.facilities if i.state != FacilityState.REMOVED)
    )
    return {
        "type": "Feature",
        "id": station.code,
        "geometry": {"type": "Point", "coordinates": [station.lon, station.lat]},
        "properties": {k: v for k, v in tags.items() if v not in (None, "")},
    }


# --- tests ---------------------------------------------------------------------------------


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 7)  # the 30 demo stations cross batch boundaries


def test_streamed_csv_equals_the_old_export(demo_ctx, small_batches):
    chunks = list(stations_io.csv_chunks())
    assert len(chunks) == 1 + 5  # the header, then one chunk per batch of 7
    assert chunks[0].startswith("\ufeffcode,name_zh,")
    assert "".join(chunks) == old_csv()


def test_streamed_geojson_equals_the_old_export_and_is_valid(demo_ctx, small_batches):
    text = "".join(stations_io.geojson_chunks())
    assert json.loads(text) == json.loads(old_geojson())  # the OSM tags' order may differ
    features = json.loads(text)["features"]
    assert len(features) == 30 and features[0]["properties"]["facilities"]


def test_no_station_is_still_a_valid_file(ctx):
    assert json.loads("".join(stations_io.geojson_chunks())) == {
        "type": "FeatureCollection",
        "features": [],
    }
    assert "".join(stations_io.csv_chunks()).splitlines() == [
        "\ufeffcode,name_zh,name_en,kind,address,district,street,lat,lon,opening_hours,"
        "phone,operator_org,status,facilities"
    ]


def test_a_removed_facility_is_not_exported(demo_ctx):
    item = db.session.scalars(select(StationFacility).order_by(StationFacility.id)).first()
    code, station = item.facility.code, item.station.code
    item.state = FacilityState.REMOVED
    db.session.commit()
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(stations_io.export_csv()[1:]))}
    assert code not in rows[station]["facilities"].split(",")
    [feature] = [f for f in stations_io.export_geojson()["features"] if f["id"] == station]
    assert code not in feature["properties"]["facilities"].split(",")


def test_the_admin_exports_stream_with_a_bom_and_valid_geojson(demo_app, small_batches):
    with demo_app.app_context():
        create_user("exporter", "long-password", "admin")
        db.session.commit()
        expected_csv, expected_json = old_csv(), old_geojson()
    client = demo_app.test_client()
    sign_in(client, "exporter")
    table = client.get("/admin/export.csv")
    assert table.status_code == 200 and table.is_streamed
    assert table.mimetype == "text/csv" and "stations.csv" in table.headers["Content-Disposition"]
    assert table.data.startswith(b"\xef\xbb\xbf") and table.data.decode() == expected_csv
    geo = client.get("/admin/export.geojson")
    assert geo.status_code == 200 and geo.is_streamed and geo.mimetype == "application/geo+json"
    assert json.loads(geo.data) == json.loads(expected_json)
    assert len(json.loads(geo.data)["features"]) == 30


def test_the_admin_exports_need_an_admin(demo_client):
    assert demo_client.get("/admin/export.csv").status_code in (302, 401)


def test_the_exported_csv_imports_back_unchanged(demo_ctx, small_batches):
    exported = stations_io.export_csv()
    rows = stations_io.parse(exported.encode("utf-8"), "stations.csv")
    assert [r.errors for r in rows if r.errors] == []
    outcome = stations_io.apply(rows)
    assert (len(outcome.unchanged), outcome.created, outcome.updated) == (30, [], [])


def test_the_cli_writes_the_stream(demo_app, demo_ctx, tmp_path):
    target = tmp_path / "all.geojson"
    result = demo_app.test_cli_runner().invoke(
        args=["export-stations", "--format", "geojson", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(target.read_text(encoding="utf-8"))["features"]) == 30
