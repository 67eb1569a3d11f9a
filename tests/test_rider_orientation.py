"""A map without tiles a person can orient by: district names, places and roads (issue 9.6)."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stationsite import geo
from stationsite.orientation import _within, orientation

FIXTURE = Path(__file__).parent / "data" / "hangzhou_places.osm"
CITY = (30.2741, 120.1551)


@pytest.fixture
def gazetteer_app(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["import-places", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return demo_app


def labels(data, kind):
    return {label["name"] for label in data["labels"] if label["kind"] == kind}


def test_districts_places_and_roads_around_the_centre(gazetteer_app):
    with gazetteer_app.test_request_context("/"):
        data = orientation(CITY, 40_000, "zh")
        near = orientation((30.2590, 120.1650), 2_500, "zh")
        english = orientation(CITY, 40_000, "en")
    assert {"上城区", "拱墅区", "西湖区"} <= labels(data, "district")
    assert {"西湖", "龙翔桥", "灵隐寺"} <= labels(data, "place")
    assert {"中山北路", "庆春路", "解放路"} <= labels(data, "road")
    assert len(data["roads"]) == 4  # 中山北路, 庆春路 and the two 解放路, one path each
    assert "灵隐寺" not in labels(near, "place") and "龙翔桥" in labels(near, "place")
    assert {"Shangcheng", "Gongshu"} <= labels(english, "district")
    assert "Longxiangqiao" in labels(english, "place")


def test_the_home_map_without_tiles_carries_them(gazetteer_app):
    gazetteer_app.config["MAP_TILES"] = "none"
    page = gazetteer_app.test_client().get("/").get_data(as_text=True)
    assert "map-label-tip" in page and '"kind": "district"' in page
    assert json.dumps("上城区") in page and json.dumps("中山北路") in page


def test_a_map_with_tiles_needs_none(gazetteer_app):
    gazetteer_app.config["MAP_TILES"] = "tianditu:KEY"
    page = gazetteer_app.test_client().get("/").get_data(as_text=True)
    assert "map-label" not in page


def test_an_empty_city_draws_nothing_extra(app):
    app.config["MAP_TILES"] = "none"
    page = app.test_client().get("/").get_data(as_text=True)
    assert "map-label" not in page


@settings(max_examples=400, deadline=None)
@given(
    lat=st.floats(18, 53),
    lon=st.floats(73, 135),
    dlat=st.floats(-0.3, 0.3),
    dlon=st.floats(-0.3, 0.3),
    scale=st.floats(0.9, 1.1),
)
def test_the_box_before_the_distance_never_changes_what_is_near(lat, lon, dlat, dlon, scale):
    """orientation._within skips the geodesic distance for items outside a box in degrees:
    the same items are near as by the distance alone, at the circle's edge too."""
    item = {"at": (lat + dlat, lon + dlon)}
    radius = max(geo.distance_m((lat, lon), item["at"]) * scale, 1.0)
    assert _within((lat, lon), radius)(item) == (geo.distance_m((lat, lon), item["at"]) <= radius)
