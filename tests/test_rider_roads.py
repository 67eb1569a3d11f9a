"""Roads kept as lines: a typed road puts the rider on its nearest point (issue 9, part 4)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import shapely

from stationsite import geo
from stationsite.locator import index as idx
from stationsite.locator.places_io import (
    nearest_on_line,
    read_csv,
    read_geojson,
    read_places,
)

FIXTURE = Path(__file__).parent / "data" / "hangzhou_places.osm"
NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
RIDER = (30.2660, 120.1750)  # east of 中山北路, north of 解放路 and 庆春路


def test_the_ways_of_one_road_become_one_line_and_far_namesakes_stay_apart():
    rows, errors = read_places(FIXTURE)
    roads = sorted((r for r in rows if r.kind == "road"), key=lambda r: (r.name_zh, r.lat))
    assert [(r.name_zh, r.district) for r in roads] == [
        ("中山北路", ""),
        ("庆春路", ""),
        ("解放路", "萧山区"),
        ("解放路", ""),
    ]
    zhongshan = shapely.from_wkt(roads[0].line)
    assert zhongshan.geom_type == "LineString" and len(zhongshan.coords) == 4  # 2 ways merged
    assert roads[0].name_en == "Zhongshan North Road"
    jiefang = shapely.from_wkt(roads[3].line)
    assert jiefang.geom_type == "LineString" and len(jiefang.coords) == 5  # 3 ways merged
    assert "小径" not in {r.name_zh for r in rows}  # a footway is no road to type
    assert [e.row for e in errors] == ["way/5002"]


def test_a_road_point_is_halfway_along_it_and_on_it():
    rows, _errors = read_places(FIXTURE)
    road = next(r for r in rows if r.name_zh == "庆春路")
    line = shapely.from_wkt(road.line)
    assert line.distance(shapely.Point(road.lon, road.lat)) < 1e-6
    assert 120.176 < road.lon < 120.178  # the line runs 120.164-120.190


def test_the_nearest_point_of_a_line():
    line = "LINESTRING (120.16 30.27, 120.16 30.30)"
    assert nearest_on_line(line, 30.285, 120.17) == (30.285, 120.16)
    assert nearest_on_line(line, 30.20, 120.16) == (30.27, 120.16)  # beyond its end: the end
    parts = "MULTILINESTRING ((120.10 30.20, 120.11 30.20), (120.20 30.20, 120.21 30.20))"
    assert nearest_on_line(parts, 30.21, 120.205) == (30.2, 120.205)


def test_geojson_roads_merge_and_keep_their_pieces():
    way = {"highway": "primary", "name": "延安路"}
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[120.1, 30.2], [120.1, 30.21]]},
                "properties": way,
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "MultiLineString",
                    "coordinates": [
                        [[120.1, 30.21], [120.1, 30.22]],
                        [[120.1, 30.225], [120.1, 30.23]],
                    ],
                },
                "properties": way,
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[120.1, 95], [120.1, 30.2]]},
                "properties": way,
            },
        ],
    }
    rows, errors = read_geojson(data)
    assert len(rows) == 1 and rows[0].kind == "road"
    assert shapely.from_wkt(rows[0].line).geom_type == "MultiLineString"  # a 550 m gap stays
    assert [e.row for e in errors] == ["3"]  # latitude 95


def test_csv_may_carry_a_line_and_a_bad_one_is_named():
    text = (
        "name,kind,lat,lon,line\n"
        '庆春路,road,30.26,120.177,"LINESTRING (120.164 30.2602, 120.19 30.2595)"\n'
        "坏路,road,30.26,120.17,LINESTRING (oops)\n"
        '点路,road,30.26,120.17,"POINT (120.17 30.26)"\n'
    )
    rows, errors = read_csv(text)
    assert rows[0].line == "LINESTRING (120.164 30.2602, 120.19 30.2595)"
    assert [(e.row, str(e.message)) for e in errors] == [
        ("3", "line is not WKT"),
        ("4", "line is not a LINESTRING or MULTILINESTRING"),
    ]


@pytest.fixture
def gazetteer_app(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["import-places", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return demo_app


def ask(app, query, origin=None, near=""):
    from stationsite.locator.rider import answer

    with app.test_request_context("/?lang=en"):
        return answer(origin, query, idx.Filters(), NOW, near)


def test_a_road_without_the_riders_position_is_its_middle_said_to_be_rough(gazetteer_app):
    found = ask(gazetteer_app, "中山北路")
    assert found.place.kind == "road" and found.place.broad
    assert found.place.district == "拱墅区"  # from the stations near it: OSM ways carry none
    assert found.origin_label == "Zhongshan North Road"  # an English page: its name:en


def test_a_road_puts_a_located_rider_on_its_nearest_point(gazetteer_app):
    found = ask(gazetteer_app, "中山北路", RIDER)
    assert not found.place.broad
    assert found.origin_label == "Zhongshan North Road, nearest point to you"
    lat, lon = found.origin
    assert 30.2655 < lat < 30.2665 and 120.1690 < lon < 120.1696  # due west of the rider
    assert geo.distance_m(RIDER, found.origin) < 600
    picked = ask(gazetteer_app, "中山北路", RIDER, near="龙翔桥")
    # 龙翔桥 is named at the rider's point, 1 km from the place: no English name is sure
    assert picked.origin_label == "Zhongshan North Road, nearest point to 龙翔桥"


def test_one_road_name_in_two_districts(gazetteer_app):
    unsure = ask(gazetteer_app, "解放路")
    assert unsure.place is None
    assert sorted(c.district for c in unsure.choices) == ["上城区", "萧山区"]
    located = ask(gazetteer_app, "解放路", RIDER)
    assert located.place.district == "上城区" and not located.place.broad
    assert [(c.name, c.district) for c in located.choices] == [("解放路", "萧山区")]


def test_what_is_typed_wins_over_the_riders_position(gazetteer_app):
    found = ask(gazetteer_app, "灵隐寺", RIDER)
    assert found.origin == (30.2408, 120.1) and found.origin_label == "Lingyin Temple"
    lost = ask(gazetteer_app, "火星基地", RIDER)
    assert lost.not_found == "火星基地" and lost.origin == RIDER and lost.rows


@pytest.mark.parametrize(
    ("query", "name", "kind"),
    [
        ("西湖文化广场", "西湖文化广场", "landmark"),
        ("龙翔桥", "龙翔桥", "metro"),
        ("市民中心", "杭州市民中心", "landmark"),
        ("灵隐寺", "灵隐寺", "landmark"),
        ("庆春路", "庆春路", "road"),
    ],
)
def test_the_riders_places_after_an_import(gazetteer_app, query, name, kind):
    found = ask(gazetteer_app, query)
    assert (found.place.name, found.place.kind) == (name, kind)
    assert all(c.how != "fuzzy" for c in found.choices)  # 庆春 is not 蒋村


@pytest.mark.parametrize(
    ("query", "first"), [("萧山机场", "杭州萧山国际机场"), ("杭州冬站", "杭州东站")]
)
def test_partial_and_misspelt_places_offer_the_right_first_choice(gazetteer_app, query, first):
    found = ask(gazetteer_app, query)
    assert found.place is None and found.choices[0].name == first


def test_the_page_says_which_point_of_the_road(gazetteer_app):
    client = gazetteer_app.test_client()
    page = client.get("/?q=%E4%B8%AD%E5%B1%B1%E5%8C%97%E8%B7%AF&lat=30.266&lon=120.175&lang=en")
    text = page.get_data(as_text=True)
    assert "Zhongshan North Road, nearest point to you" in text and "is a large area" not in text
    middle = client.get("/?q=%E4%B8%AD%E5%B1%B1%E5%8C%97%E8%B7%AF&lang=en").get_data(as_text=True)
    assert "is a large area" in middle


def test_the_demo_west_lake_is_a_scenic_area_with_choices(demo_app):
    found = ask(demo_app, "西湖")
    assert (found.place.kind, found.place.broad) == ("scenic", True)
    assert "西湖区" in [c.name for c in found.choices]
    page = demo_app.test_client().get("/?q=%E8%A5%BF%E6%B9%96&lang=en").get_data(as_text=True)
    assert "scenic area" in page and "is a large area" in page


def test_demo_places_come_through_the_importer_with_kinds_it_knows():
    from stationsite.demo import PLACES_CSV

    rows, errors = read_csv(PLACES_CSV.read_text(encoding="utf-8"))
    assert not errors and len(rows) >= 15
    kinds = {row.name_zh: row.kind for row in rows}
    assert kinds["西湖"] == kinds["湘湖"] == kinds["西溪国家湿地公园"] == "scenic"
    assert kinds["钱江新城"] == "area"


def test_geojson_file_of_a_road(tmp_path):
    path = tmp_path / "roads.geojson"
    feature = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[120.16, 30.27], [120.16, 30.28]]},
        "properties": {"highway": "secondary", "name": "中山北路"},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    rows, _errors = read_places(path)
    assert rows[0].line == "LINESTRING (120.16 30.27, 120.16 30.28)"


def test_my_location_is_near_the_road_it_is_on_not_its_middle(gazetteer_app):
    from stationsite.locator.gazetteer import nearest_name

    with gazetteer_app.app_context():
        # 100 m north of 解放路 near its east end, 1.1 km from the road's middle
        assert nearest_name(30.2530, 120.1858, within_m=150) == "解放路"
        assert nearest_name(30.2530, 120.1858, within_m=50) is None


def test_a_pbf_extract_reads_as_its_xml(tmp_path):
    import osmium

    pbf = tmp_path / "hangzhou.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for item in osmium.FileProcessor(str(FIXTURE)):
            writer.add(item)
    from_pbf, pbf_errors = read_places(pbf)
    from_xml, xml_errors = read_places(FIXTURE)
    assert sorted(from_pbf, key=repr) == sorted(from_xml, key=repr)
    assert [e.row for e in pbf_errors] == ["way/5002"]
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf at all")
    rows, errors = read_places(broken)
    assert rows == [] and str(errors[0].message).startswith("not an OSM PBF file")
