"""`import-places FILE`: a real gazetteer from OSM extracts or CSV, bad rows named (issue 9.4)."""

import json

from sqlalchemy import select

from stationsite.extensions import db
from stationsite.locator.places_io import osm_kind, read_csv, read_geojson, read_osm_xml
from stationsite.models import Place

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
  <node id="1" lat="30.2590" lon="120.1650">
    <tag k="name" v="龙翔桥"/>
    <tag k="railway" v="station"/><tag k="station" v="subway"/>
    <tag k="name:en" v="Longxiangqiao"/>
  </node>
  <node id="2" lat="30.2700" lon="120.1600"/>
  <node id="3" lat="30.2800" lon="120.1600"/>
  <node id="4" lat="30.2900" lon="120.1600"/>
  <node id="5" lat="30.3000" lon="120.1600"/>
  <node id="6" lat="30.2500" lon="120.1500"><tag k="bench" v="yes"/></node>
  <node id="7" lat="x" lon="120.1"/>
  <way id="10"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="primary"/><tag k="name" v="中山北路"/>
  </way>
  <way id="11"><nd ref="3"/><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="primary"/><tag k="name" v="中山北路"/>
  </way>
</osm>
""".encode()


def test_osm_xml_gives_named_pois_and_one_place_per_road():
    rows, errors = read_osm_xml(OSM)
    by_name = {row.name_zh: row for row in rows}
    assert set(by_name) == {"龙翔桥", "中山北路"}  # the bench has no name
    assert by_name["龙翔桥"].kind == "metro" and by_name["龙翔桥"].name_en == "Longxiangqiao"
    road = by_name["中山北路"]
    assert road.kind == "road" and (road.lat, road.lon) == (30.285, 120.16)  # halfway along
    assert road.line == "LINESTRING (120.16 30.27, 120.16 30.28, 120.16 30.29, 120.16 30.3)"
    assert [e.row for e in errors] == ["node/7"]


def test_geojson_points_lines_and_areas():
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [120.12, 30.25]},
                "properties": {"name": "灵隐寺", "tourism": "attraction"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]],
                },
                "properties": {"name": "西湖", "natural": "water", "water": "lake"},
            },
            {"type": "Feature", "geometry": None, "properties": {"name": "nowhere"}},
        ],
    }
    rows, errors = read_geojson(data)
    assert {(r.name_zh, r.kind) for r in rows} == {("灵隐寺", "landmark"), ("西湖", "lake")}
    assert [e.row for e in errors] == ["3"]
    assert str(read_geojson([1, 2])[1][0].message) == "not a GeoJSON FeatureCollection"


def test_csv_rows_with_their_errors():
    text = (
        "name,name_en,kind,aliases,district,lat,lon\n"
        "市民中心,Citizen Centre,landmark,杭州市民中心|市民之家,上城区,30.2457,120.2107\n"
        ",,landmark,,,30,120\n"
        "庆春路,,road,,上城区,north,120.17\n"
        "某地,,castle,,,30,120\n"
    )
    rows, errors = read_csv(text)
    assert [r.name_zh for r in rows] == ["市民中心"]
    assert rows[0].aliases == "杭州市民中心,市民之家"
    assert [(e.row, str(e.message).split(" ")[0]) for e in errors] == [
        ("3", "no"),
        ("4", "latitude"),
        ("5", "kind"),
    ]


def test_kinds_from_tags():
    assert osm_kind({"highway": "residential"}) == "road"
    assert osm_kind({"highway": "bus_stop"}) is None
    assert osm_kind({"leisure": "park"}) == "park"
    assert osm_kind({"amenity": "townhall"}) == "landmark"


def test_the_command_loads_then_updates_and_the_locator_finds_them(app, runner, tmp_path):
    path = tmp_path / "hz.osm"
    path.write_bytes(OSM)
    result = runner.invoke(args=["import-places", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 places read, 2 added, 0 updated, 1 rows skipped" in result.output
    assert "row node/7: no usable lat/lon" in result.output
    again = runner.invoke(args=["import-places", str(path)])
    assert "0 added, 2 updated" in again.output
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Place)) == 2
    client = app.test_client()
    page = client.get("/?q=%E9%BE%99%E7%BF%94%E6%A1%A5&lang=en").get_data(as_text=True)  # 龙翔桥
    assert "metro station" in page
    road = client.get("/?q=%E4%B8%AD%E5%B1%B1%E5%8C%97%E8%B7%AF&lang=en").get_data(as_text=True)
    assert "is a large area" in road  # a road is not a point: said so


def test_dry_run_saves_nothing_and_a_useless_file_fails(app, runner, tmp_path):
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    assert runner.invoke(args=["import-places", "--dry-run", str(path)]).exit_code == 0
    bad = tmp_path / "places.txt"
    bad.write_text("hello")
    result = runner.invoke(args=["import-places", str(bad)])
    assert result.exit_code == 1 and "unknown file type" in result.output
