"""The reports page's map of use on AMap/Tencent tiles: every position drawn in GCJ-02 (9.6)."""

import json
import re

import pytest

from stationsite import geo
from stationsite.reports.model import Candidate, Cell, CoverageFigures
from stationsite.reports.usemap import usage_map

STATION = (30.2585, 120.1627, "HZ-T-001", "湖滨公园", 40)
CELL = Cell(lat=30.2900, lon=120.2000, searches=7, total=9, district="上城区")
SITE = Candidate(lat=30.2900, lon=120.2000, district="上城区", would_serve=7)


def draw(app, tiles):
    app.config["MAP_TILES"] = tiles
    coverage = CoverageFigures(10, 3, 3, [CELL], [SITE], 0)
    with app.test_request_context("/?lang=en"):
        return usage_map([STATION], coverage, (30.27, 120.16))


def _geojson(script: str) -> list[dict]:
    return [json.loads(m) for m in re.findall(r"geo_json_\w+_add\((\{.*?\})\);", script)]


def _point_of(script: str) -> list[float]:
    for collection in _geojson(script):
        for feature in collection["features"]:
            if feature["geometry"]["type"] == "Point":
                return feature["geometry"]["coordinates"]
    raise AssertionError("no station circle drawn")


@pytest.mark.parametrize("tiles", ["amap", "tencent"])
def test_gcj02_tiles_get_converted_positions(app, tiles):
    drawn = draw(app, tiles)
    assert drawn.datum == "gcj02" and ("autonavi" in drawn.script or "gtimg" in drawn.script)
    lat, lon = geo.wgs84_to_gcj02(STATION[0], STATION[1])
    assert _point_of(drawn.script) == [round(lon, 5), round(lat, 5)]
    heat = re.search(r"L\.heatLayer\(\s*\[\[([\d.]+), ([\d.]+)", drawn.script).groups()
    assert tuple(map(float, heat)) == pytest.approx((lat, lon), abs=1e-6)
    pin = re.search(r"L\.marker\(\s*\[([\d.]+), ([\d.]+)\]", drawn.script).groups()
    assert tuple(map(float, pin)) == pytest.approx(geo.wgs84_to_gcj02(SITE.lat, SITE.lon))
    features = [f for c in _geojson(drawn.script) for f in c["features"]]
    square = next(f for f in features if f["geometry"]["type"] == "Polygon")
    corner = square["geometry"]["coordinates"][0][0]  # south-west, lon lat
    south, west = geo.wgs84_to_gcj02(CELL.lat - 0.00225, CELL.lon - 0.00225 / 0.8646)
    assert corner == pytest.approx([west, south], abs=2e-5)


def test_wgs84_tiles_and_no_tiles_draw_as_stored(app):
    for tiles in ("tianditu:KEY", "none"):
        drawn = draw(app, tiles)
        assert drawn.datum == "wgs84"
        assert _point_of(drawn.script) == [STATION[1], STATION[0]]


def test_the_reports_page_on_amap_tiles(demo_app):
    from tests.test_operator import sign_in

    demo_app.config["MAP_TILES"] = "amap"
    client = demo_app.test_client()
    assert sign_in(client, "demo-admin", "demo-password").status_code == 302
    assert client.get("/reports/").status_code == 200
    drawn = client.get("/reports/map.js").get_data(as_text=True)  # the map loads after the page
    assert "autonavi" in drawn  # the tiles are kept, not dropped for want of conversion
    assert re.search(r"base_layers\s*:\s*\{\s*\}", drawn)  # no base layer named by its URL
    hubin = geo.wgs84_to_gcj02(30.2585, 120.1627)
    assert f"[{round(hubin[1], 5)}, {round(hubin[0], 5)}]" in drawn  # 湖滨 drawn in GCJ-02


def test_drawn_text_is_not_read_as_a_template(app):
    """branca would compile each drawn script as Jinja: a station named with braces is drawn
    by its name, and each circle carries its own radius (no per-station style switch)."""
    station = (30.2585, 120.1627, "HZ-T-009", "{{ 1111 * 3 }} 号驿站", 40)
    app.config["MAP_TILES"] = "none"
    coverage = CoverageFigures(10, 3, 3, [CELL], [SITE], 0)
    with app.test_request_context("/"):
        drawn = usage_map([station, STATION], coverage, (30.27, 120.16))
    features = [f for c in _geojson(drawn.script) for f in c["features"]]
    labels = [f["properties"]["label"] for f in features if f["geometry"]["type"] == "Point"]
    assert labels[0].startswith("{{ 1111 * 3 }} 号驿站 · HZ-T-009") and "3333" not in drawn.script
    assert [f["properties"]["radius"] for f in features if "radius" in f["properties"]] == [
        20.0,
        20.0,
    ]
    assert "layer.setRadius(feature.properties.radius)" in drawn.script
    assert "_styler(feature)" not in drawn.script.split("geo_json")[1]  # circles: no switch
