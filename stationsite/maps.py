"""The station map, built with folium, served with local Leaflet assets only.

Tiles are optional (MAP_TILES): OpenStreetMap, Tianditu (天地图, WGS-84-compatible, needs a
key), AMap and Tencent (drawn in GCJ-02), any URL template, or none. On GCJ-02 tiles the
page's scripts convert every point they draw and the view's box they ask about
(static/vendor/coordtransform), so pins land on the right street. Without tiles the map shows
what a person can orient by: district names, the gazetteer's places and roads
(stationsite/orientation.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import current_app, render_template
from markupsafe import Markup

from . import geo
from .i18n import current_lang
from .orientation import add_orientation

_OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
    "&TILECOL={x}&tk=%s"
)


@dataclass(frozen=True)
class Tiles:
    """Tile layers of one provider, and the datum its pictures are drawn in."""

    layers: tuple[tuple[str, str, str], ...]  # (URL template, attribution, subdomains)
    datum: str = "wgs84"  # or "gcj02": AMap and Tencent draw China shifted


TILE_PROVIDERS = {
    "openstreetmap": Tiles((("https://tile.openstreetmap.org/{z}/{x}/{y}.png", _OSM_ATTR, "abc"),)),
    "amap": Tiles(
        (
            (
                "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1"
                "&style=8&x={x}&y={y}&z={z}",
                "&copy; 高德地图 AutoNavi",
                "1234",
            ),
        ),
        "gcj02",
    ),
    "tencent": Tiles(
        (
            (
                "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&type=vector&styleid=0",
                "&copy; 腾讯地图 Tencent",
                "0123",
            ),
        ),
        "gcj02",
    ),
}


@dataclass(frozen=True)
class MapParts:
    """What a page needs to embed a folium map: assets, the element, the set-up script."""

    name: str
    assets: Markup
    element: Markup
    script: Markup
    datum: str = "wgs84"  # of the tiles; the page's scripts convert what they draw


def tiles(setting: str | None) -> Tiles | None:
    """MAP_TILES as tiles: a provider name, "tianditu:<key>", a URL template, or "none".

    A template may start with "gcj02:" when its tiles are drawn in GCJ-02. Anything else (an
    unknown name, Tianditu without its key) means no tiles: the map still shows the stations
    and the rider on a plain grid, never a broken base map."""
    setting = (setting or "none").strip()
    name, _, rest = setting.partition(":")
    if setting in TILE_PROVIDERS:
        return TILE_PROVIDERS[setting]
    if name == "tianditu" and rest:
        attr = "&copy; 天地图 Tianditu"
        layers = tuple(
            (_TIANDITU % (kind, kind, rest), attr, "01234567") for kind in ("vec", "cva")
        )
        return Tiles(layers)
    if name == "gcj02" and "{z}" in rest:
        return Tiles(((rest, "Map tiles", "abc"),), "gcj02")
    if "{z}" in setting:
        return Tiles(((setting, "Map tiles", "abc"),))
    return None


def _finishing(name: str) -> str:
    """After folium's set-up: a metric-only scale and a plain attribution prefix."""
    return (
        f"\n{name}.attributionControl.setPrefix("
        "'<a href=\"https://leafletjs.com/\">Leaflet</a>');"
        f"\nL.control.scale({{imperial: false}}).addTo({name});\n"
    )


def map_center() -> tuple[float, float]:
    lat, lon = (float(v) for v in current_app.config["MAP_CENTER"].split(","))
    return lat, lon


def _base_map(center: tuple[float, float], zoom: int, *, datum_aware: bool = False) -> folium.Map:
    """A folium map with the configured tiles. A caller that draws WGS-84 points without
    converting them (`datum_aware` false) gets no GCJ-02 tiles rather than misplaced points."""
    provider = tiles(current_app.config.get("MAP_TILES"))
    if provider and provider.datum == "gcj02":
        provider = provider if datum_aware else None
        center = geo.wgs84_to_gcj02(*center) if provider else center
    # Zoom bounds as map options (folium only passes its min/max_zoom to a default tile
    # layer); marker clustering needs maxZoom when the map has no tiles.
    fmap = folium.Map(
        location=center, zoom_start=zoom, tiles=None, control_scale=False, minZoom=3, maxZoom=19
    )
    fmap.datum = provider.datum if provider else "wgs84"
    if provider is None:  # no pictures of the city: its districts, places and roads instead
        add_orientation(fmap, center, max(40_000 / 2 ** (zoom - 11), 2_500), current_lang())

    # Replace folium's CDN assets: the page brings local copies itself (see assets()).
    fmap.default_js, fmap.default_css = [], []
    for url, attr, subdomains in provider.layers if provider else ():
        # Not a choice in a layer control (the map of use has one): there is no other base
        # layer to choose, and its name would be the tile URL.
        folium.TileLayer(
            tiles=url, attr=attr, max_zoom=19, subdomains=subdomains, control=False
        ).add_to(fmap)
    return fmap


def station_map(
    center: tuple[float, float], zoom: int, assets: str = "stations/_map_assets.html"
) -> MapParts:
    """The base map (folium); static/js/stationmap.js fills it from the viewport API."""
    fmap = _base_map(center, zoom, datum_aware=True)
    root = fmap.get_root()
    root.render()
    return MapParts(
        name=fmap.get_name(),
        assets=Markup(render_template(assets)),
        element=Markup(root.html.render()),
        script=Markup(root.script.render() + _finishing(fmap.get_name())),
        datum=fmap.datum,
    )


def pin_map(center: tuple[float, float]) -> MapParts:
    """A station page's small map: its pin (static/js/stationpage.js), tiles when configured."""
    return station_map(center, 16, assets="stations/_pin_map_assets.html")
