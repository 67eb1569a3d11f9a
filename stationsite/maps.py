"""The station map, built with folium, served with local Leaflet assets only."""

from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import current_app, render_template
from markupsafe import Markup

TILE_PROVIDERS = {
    "openstreetmap": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>',
    ),
}


@dataclass(frozen=True)
class MapParts:
    """What a page needs to embed a folium map: assets, the element, the set-up script."""

    name: str
    assets: Markup
    element: Markup
    script: Markup


def _tiles() -> tuple[str, str] | None:
    setting = (current_app.config.get("MAP_TILES") or "none").strip()
    if setting.lower() == "none":
        return None
    if setting in TILE_PROVIDERS:
        return TILE_PROVIDERS[setting]
    return setting, "Map tiles"


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


def _base_map(center: tuple[float, float], zoom: int) -> folium.Map:
    # Zoom bounds as map options (folium only passes its min/max_zoom to a default tile
    # layer); marker clustering needs maxZoom when the map has no tiles.
    fmap = folium.Map(
        location=center, zoom_start=zoom, tiles=None, control_scale=False, minZoom=3, maxZoom=19
    )

    # Replace folium's CDN assets: the page brings local copies itself (see assets()).
    fmap.default_js, fmap.default_css = [], []
    tiles = _tiles()
    if tiles:
        folium.TileLayer(tiles=tiles[0], attr=tiles[1], max_zoom=19).add_to(fmap)
    return fmap


def station_map(
    center: tuple[float, float], zoom: int, assets: str = "stations/_map_assets.html"
) -> MapParts:
    """The base map (folium); static/js/stationmap.js fills it from the viewport API."""
    fmap = _base_map(center, zoom)
    root = fmap.get_root()
    root.render()
    return MapParts(
        name=fmap.get_name(),
        assets=Markup(render_template(assets)),
        element=Markup(root.html.render()),
        script=Markup(root.script.render() + _finishing(fmap.get_name())),
    )


def pin_map(center: tuple[float, float]) -> MapParts:
    """A station page's small map: its pin (static/js/stationpage.js), tiles when configured."""
    return station_map(center, 16, assets="stations/_pin_map_assets.html")
