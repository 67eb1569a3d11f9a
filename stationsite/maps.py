"""The station map, built with folium, served with local Leaflet assets only."""

from __future__ import annotations

from dataclasses import dataclass

import folium
from flask import current_app, render_template
from folium.plugins import MarkerCluster
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


def station_map(markers: list[dict], zoom: int = 11) -> MapParts:
    """A clustered map of `markers` (each: lat, lon, icon_html, popup_html, title)."""
    fmap = _base_map(map_center(), zoom)
    cluster = MarkerCluster(
        options={"showCoverageOnHover": False, "maxClusterRadius": 45},
        icon_create_function=None,
    )
    cluster.default_js, cluster.default_css = [], []
    cluster.add_to(fmap)
    for marker in markers:
        folium.Marker(
            [marker["lat"], marker["lon"]],
            icon=folium.DivIcon(
                html=marker["icon_html"],
                icon_size=(36, 36),
                icon_anchor=(18, 18),
                class_name="station-pin",
            ),
            popup=folium.Popup(marker["popup_html"], max_width=280),
            tooltip=marker["title"],
        ).add_to(cluster)
    if markers:
        lats = [m["lat"] for m in markers]
        lons = [m["lon"] for m in markers]
        fmap.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(24, 24))
    root = fmap.get_root()
    root.render()
    return MapParts(
        assets=Markup(render_template("stations/_map_assets.html")),
        element=Markup(root.html.render()),
        script=Markup(root.script.render() + _finishing(fmap.get_name())),
    )
