"""Maps that work in China: named tile providers, GCJ-02 tiles with converted points (9.6)."""

import re

import pytest

from stationsite import geo
from stationsite.maps import _base_map, tiles


def test_named_providers_and_their_datums():
    assert tiles("none") is None and tiles("") is None and tiles(None) is None
    assert tiles("openstreetmap").datum == "wgs84"
    assert tiles("amap").datum == "gcj02" and "autonavi" in tiles("amap").layers[0][0]
    assert tiles("tencent").datum == "gcj02" and "{-y}" in tiles("tencent").layers[0][0]
    tianditu = tiles("tianditu:KEY123")
    assert tianditu.datum == "wgs84" and len(tianditu.layers) == 2  # map and its labels
    assert all("tk=KEY123" in url for url, _attr, _sub in tianditu.layers)


def test_what_cannot_work_gives_no_tiles_rather_than_a_broken_map():
    assert tiles("tianditu") is None  # needs a key
    assert tiles("baidu") is None  # BD-09 tiles are not offered
    assert tiles("gcj02:https://t.example.test/{z}/{x}/{y}.png").datum == "gcj02"
    assert tiles("https://t.example.test/{z}/{x}/{y}.png").datum == "wgs84"


def page(app, url="/"):
    return app.test_client().get(url).get_data(as_text=True)


@pytest.mark.parametrize("setting", ["amap", "tencent"])
def test_gcj02_tiles_tell_the_page_to_convert(demo_app, setting):
    demo_app.config["MAP_TILES"] = setting
    home = page(demo_app)
    assert 'data-datum="gcj02"' in home and "coordtransform.js" in home and "js/datum.js" in home
    station = page(demo_app, "/stations/HZ-T-001")
    assert 'data-datum="gcj02"' in station
    # the folium map starts at the GCJ-02 position of the centre
    center = re.search(r"center: \[([\d.]+), ([\d.]+)\]", home).groups()
    assert tuple(map(float, center)) == pytest.approx(geo.wgs84_to_gcj02(30.2741, 120.1551))


def test_wgs84_tiles_draw_as_stored(demo_app):
    demo_app.config["MAP_TILES"] = "tianditu:KEY"
    home = page(demo_app)
    assert 'data-datum="wgs84"' in home and "tianditu.gov.cn" in home


def test_maps_that_do_not_convert_get_no_gcj02_tiles(demo_app):
    demo_app.config["MAP_TILES"] = "amap"
    with demo_app.test_request_context("/"):
        fmap = _base_map((30.27, 120.15), 11)
        assert fmap.datum == "wgs84" and "autonavi" not in fmap.get_root().render()


def test_the_example_config_suggests_only_tiles_that_work():
    """instance/config.example.py suggested "amap" before AMap's datum was handled, and never
    named Tianditu: every name it suggests now gives tiles, in the datum they are drawn in."""
    from pathlib import Path

    example = Path(__file__).parent.parent / "instance" / "config.example.py"
    advice = example.read_text(encoding="utf-8").split("# Map tiles.")[1].split("MAP_CENTER")[0]
    named = set(re.findall(r'"([a-z0-9]+(?::[^"<]+)?)"', advice))
    assert {"none", "amap", "tencent", "openstreetmap", "tianditu:your-key"} <= named
    for setting in named - {"none"}:
        assert tiles(setting) is not None, setting
    assert tiles("tianditu:your-key").datum == "wgs84"
    assert {tiles("amap").datum, tiles("tencent").datum} == {"gcj02"}
