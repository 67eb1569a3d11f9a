"""Issue 10, part 5: OpenStreetMap files as they come (osmium, Overpass, overpass-turbo)."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import select

from stationsite.catalogue import FACILITIES
from stationsite.extensions import db
from stationsite.models import Place, Station
from stationsite.stations_io import ImportRefused, NearestPlace
from stationsite.stations_io.reading import read
from stationsite.users import create_user

from .test_operator import csrf, sign_in

NAMES = {key: code for code, zh, en, *_ in FACILITIES for key in (code, zh, en.lower())}


def point(lon, lat):
    return {"type": "Point", "coordinates": [lon, lat]}


OSMIUM = {  # `osmium export` with attributes type and id, and with --add-unique-id=type_id
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": point(120.16, 30.27),
            "properties": {
                "@type": "node",
                "@id": 1001,
                "amenity": "toilets",
                "name": "武林广场公厕",
                "wheelchair": "yes",
                "changing_table": "yes",
                "drinking_water": "yes",
                "opening_hours": "Mo-Su 06:00-22:00",
            },
        },
        {
            "type": "Feature",
            "id": "w2002",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[120.1, 30.2], [120.2, 30.2], [120.2, 30.3], [120.1, 30.2]]],
            },
            "properties": {"amenity": "toilets", "addr:street": "中山北路", "fee": "no"},
        },
    ],
}
OVERPASS = {  # Overpass API JSON, `out center;`
    "version": 0.6,
    "elements": [
        {
            "type": "node",
            "id": 3003,
            "lat": 30.25,
            "lon": 120.15,
            "tags": {"amenity": "toilets", "name": "湖滨公厕", "toilets:wheelchair": "yes"},
        },
        {
            "type": "way",
            "id": 4004,
            "center": {"lat": 30.26, "lon": 120.17},
            "tags": {"amenity": "toilets", "name": "断桥公厕", "opening_hours": "24/7"},
        },
        {"type": "way", "id": 5005, "tags": {"amenity": "toilets", "name": "无位置"}},
        {"type": "node", "id": 6006, "lat": 30.2, "lon": 120.1},
    ],
}
TURBO = {  # overpass-turbo's GeoJSON export
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "id": "node/7007",
            "geometry": point(120.12, 30.22),
            "properties": {"@id": "node/7007", "amenity": "toilets", "name": "西溪公厕"},
        }
    ],
}


def rows_of(document, nearest=lambda _lat, _lon: None):
    return read(json.dumps(document).encode(), "export.geojson", NAMES, nearest_place=nearest)


def test_osmium_export_codes_tags_and_a_name_from_the_street():
    first, second = rows_of(OSMIUM)
    assert first.fields["code"] == "OSM-node-1001" and not first.errors
    assert first.fields["kind"] == "toilet_station"
    assert sorted(first.facilities) == [
        "accessible_toilet",
        "baby_care",
        "drinking_water",
        "toilet",
    ]
    assert first.fields["opening_hours"] == "Mo-Su 06:00-22:00"
    assert second.fields["code"] == "OSM-way-2002" and not second.errors
    assert second.fields["name_zh"] == "公厕（中山北路）"
    assert [str(w) for w in second.warnings] == [
        "no name in the file: named 公厕（中山北路） from its street"
    ]
    assert second.fields["lat"] == pytest.approx(30.225) and second.facilities == ["toilet"]


def test_overpass_json_nodes_and_ways_with_centres():
    rows = rows_of(OVERPASS)
    assert [row.fields.get("code") for row in rows] == [
        "OSM-node-3003",
        "OSM-way-4004",
        "OSM-way-5005",
        "OSM-node-6006",
    ]
    assert not rows[0].errors and sorted(rows[0].facilities) == ["accessible_toilet", "toilet"]
    assert rows[1].fields["opening_hours"] == "24/7" and rows[1].fields["lat"] == 30.26
    assert [str(e) for e in rows[2].errors] == ["this feature has no position"]
    assert [str(e) for e in rows[3].errors] == ["missing name"]


def test_overpass_turbo_geojson():
    [row] = rows_of(TURBO)
    assert row.fields["code"] == "OSM-node-7007" and not row.errors


def test_osmtogeojson_with_nested_tags():
    """Overpass GeoJSON as osmtogeojson writes it without flat properties: every row was
    refused ("missing name", "unknown kind node") because the tags sat one level down."""
    nested = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": "node/5001", "geometry": point(120.16, 30.28),
             "properties": {"type": "node", "id": 5001, "relations": [], "meta": {},
                            "tags": {"amenity": "toilets", "name": "嵌套公厕",
                                     "opening_hours": "Mo-Su 08:00-20:00", "wheelchair": "yes"}}},
            {"type": "Feature", "id": "way/5002",
             "geometry": {"type": "Polygon", "coordinates": [[[120.17, 30.29], [120.18, 30.29],
                                                              [120.18, 30.30], [120.17, 30.29]]]},
             "properties": {"type": "way", "id": 5002, "tags": {"amenity": "toilets",
                                                                "addr:street": "延安路"}}},
        ],
    }  # fmt: skip
    first, second = rows_of(nested)
    assert not first.errors and not second.errors
    assert first.fields["code"] == "OSM-node-5001" and first.fields["name_zh"] == "嵌套公厕"
    assert first.fields["kind"] == "toilet_station"
    assert sorted(first.facilities) == ["accessible_toilet", "toilet"]
    assert second.fields["code"] == "OSM-way-5002" and second.fields["name_zh"] == "公厕（延安路）"


def test_an_unnamed_toilet_is_named_from_the_nearest_place_and_says_so():
    document = {"elements": [{"type": "node", "id": 8, "lat": 30.26, "lon": 120.17,
                              "tags": {"amenity": "toilets"}}]}  # fmt: skip
    [row] = rows_of(document, nearest=lambda lat, lon: "断桥残雪")
    assert row.fields["name_zh"] == "公厕（断桥残雪附近）" and not row.errors
    assert "from the nearest place" in str(row.warnings[0])
    [alone] = rows_of(document)
    assert [str(e) for e in alone.errors] == ["missing name"]


def test_nearest_place_reads_the_gazetteer_within_a_kilometre(ctx):
    db.session.add(Place(name_zh="断桥残雪", lat=30.2620, lon=120.1510))
    db.session.flush()
    nearest = NearestPlace()
    assert nearest(30.2625, 120.1515) == "断桥残雪"
    assert nearest(30.30, 120.15) is None  # about 4 km away


@pytest.fixture
def staff(app, client, tmp_path):
    app.instance_path = str(tmp_path / "instance")  # uploads of this test only
    with app.app_context():
        create_user("boss", "long-password", "admin")
        db.session.commit()
    sign_in(client, "boss")
    return client


def upload_and_confirm(client, document, name):
    page = client.post(
        "/admin/import",
        data={
            "csrf_token": csrf(client, "/admin/import"),
            "file": (io.BytesIO(json.dumps(document).encode()), name),
        },
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    client.post(
        "/admin/import/confirm", data={"csrf_token": csrf(client, "/admin/import"), "token": token}
    )
    return page


def test_overpass_json_through_the_admin_page_and_again_unchanged(app, staff, tmp_path):
    page = upload_and_confirm(staff, OVERPASS, "export.json")
    assert "OSM-way-4004" in page
    # the facilities each row will add, read from its tags, are shown before confirming
    assert re.search(r"<td>(厕所、无障碍厕所|无障碍厕所、厕所)</td>", page)
    assert '<th scope="col">设施</th>' in page
    with app.app_context():
        codes = set(db.session.scalars(select(Station.code)))
        assert codes == {"OSM-node-3003", "OSM-way-4004"}
    source = tmp_path / "export.json"
    source.write_text(json.dumps(OVERPASS))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-stations", str(source)])
    assert "Created 0, updated 0, unchanged 2, failed 2" in result.output, result.output


def test_osm_xml_as_josm_and_overpass_write_it():
    """.osm XML was read as a CSV ("no rows under its header") and refused by the form."""
    xml = b"""<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="Overpass API">
  <node id="7001" lat="30.27" lon="120.16"><tag k="amenity" v="toilets"/>
    <tag k="name" v="XML&#20844;&#21397;"/><tag k="opening_hours" v="Mo-Su 06:00-22:00"/>
    <tag k="wheelchair" v="yes"/></node>
  <node id="7010" lat="30.2700" lon="120.1700"/><node id="7011" lat="30.2702" lon="120.1702"/>
  <way id="7002"><nd ref="7010"/><nd ref="7011"/><tag k="amenity" v="toilets"/>
    <tag k="addr:street" v="&#20307;&#32946;&#22330;&#36335;"/></way>
  <way id="7003"><center lat="30.25" lon="120.15"/><nd ref="999"/><tag k="amenity" v="toilets"/>
    <tag k="name" v="Center"/></way>
  <relation id="7004"><tag k="amenity" v="toilets"/><tag k="name" v="nowhere"/></relation>
</osm>"""
    rows = read(xml, "extract.osm", NAMES)
    assert [row.fields.get("code") for row in rows] == [
        "OSM-node-7001", "OSM-way-7002", "OSM-way-7003", "OSM-relation-7004",
    ]  # fmt: skip
    node, way, centred, nowhere = rows
    assert not node.errors and node.fields["opening_hours"] == "Mo-Su 06:00-22:00"
    assert sorted(node.facilities) == ["accessible_toilet", "toilet"]
    assert way.fields["name_zh"] == "公厕（体育场路）" and way.fields["lat"] == 30.2701
    assert centred.fields["lat"] == 30.25 and not centred.errors
    assert [str(e) for e in nowhere.errors] == ["this feature has no position"]
    with pytest.raises(ImportRefused):
        read(b"<osm><node id='1'", "broken.osm", NAMES)
