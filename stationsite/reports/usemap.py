"""The map of use: the period's visits per station, a heat layer, and the unserved cells and
candidate sites from rider searches. folium on the vendored Leaflet and leaflet.heat.

Everything is drawn here, in Python, so on AMap or Tencent tiles (drawn in GCJ-02) every
position is converted before it is drawn: the circles, the heat, the cells, the candidate pins
and the frame, as the locator's scripts do on the home map (stationsite/maps.py)."""

from __future__ import annotations

import json
import math

import folium
from flask import render_template
from flask_babel import gettext as _
from folium.utilities import JsCode
from markupsafe import Markup

from .. import geo
from ..map_elements import GeoJson, HeatMapLayer
from ..maps import MapParts, _base_map, _finishing
from .model import CoverageFigures

HALF_CELL = 0.00225  # half of the ~500 m search grid, in degrees of latitude
CELL_STYLE = {"color": "#5b2a86", "weight": 1, "fillColor": "#5b2a86"}
MOST_CELLS = 500  # the most unserved cells drawn; the table and exports list them all


def _as_drawn(datum: str):
    """(lat, lon) in WGS-84 to the datum the tiles are drawn in."""
    return geo.wgs84_to_gcj02 if datum == "gcj02" else (lambda lat, lon: (lat, lon))


def _shifted(points, shift) -> list:
    return [(*shift(p[0], p[1]), *p[2:]) for p in points]


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _visits_layer(points) -> folium.FeatureGroup:
    """One GeoJSON layer of circles sized by visits: a single folium element, however many
    stations (500 separate markers took most of the page's time to render). Each circle's
    radius travels in its feature and is set as the circle is made, so folium writes no
    per-station style switch."""
    layer = folium.FeatureGroup(name=_("Visits per station"))
    most = max((p[4] for p in points), default=1) or 1
    visits_text = _("%(n)d visits")  # translated once, filled in per station
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
            "properties": {
                "label": f"{name} · {code} · {visits_text % {'n': visits}}",
                "radius": round(4 + 16 * math.sqrt(visits / most), 1),
            },
        }
        for lat, lon, code, name, visits in points
    ]
    if features:
        GeoJson(
            _collection(features),
            marker=folium.CircleMarker(
                radius=6,
                color="#8a2f06",
                weight=1,
                fill=True,
                fill_color="#b8420c",
                fill_opacity=0.55,
            ),
            on_each_feature=JsCode(
                "function (feature, layer) { layer.setRadius(feature.properties.radius); }"
            ),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(layer)
    return layer


def _heat_layer(points) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=_("Heat of visits"), show=False)
    if points:
        most = max(p[4] for p in points) or 1
        data = [(lat, lon, visits / most) for lat, lon, _c, _n, visits in points]
        heat = HeatMapLayer(data, radius=22, blur=18, min_opacity=0.3)
        heat.default_js = []  # the page loads the vendored leaflet.heat itself
        heat.add_to(layer)
    return layer


def _cell_properties(cell, most: int) -> dict:
    return {
        "label": _("%(n)d unserved searches", n=cell.searches),
        "opacity": round(0.2 + 0.6 * cell.searches / most, 2),
    }


def _cell_square(cell, most: int, shift) -> dict:
    half_lon = HALF_CELL / max(math.cos(math.radians(cell.lat)), 0.1)
    south, north = cell.lat - HALF_CELL, cell.lat + HALF_CELL
    west, east = cell.lon - half_lon, cell.lon + half_lon
    corners = [(south, west), (south, east), (north, east), (north, west), (south, west)]
    ring = [list(reversed(shift(lat, lon))) for lat, lon in corners]
    return {
        "type": "Feature",
        "geometry": {
            "type": "Polygon",
            "coordinates": [[[round(x, 5), round(y, 5)] for x, y in ring]],
        },
        "properties": _cell_properties(cell, most),
    }


def _cell_dot(cell, most: int, shift) -> dict:
    """The cell as a dot at its centre, 5-8 px by its share of the searches, a shade darker
    than its square."""
    properties = _cell_properties(cell, most)
    shade = properties["opacity"]
    lat, lon = shift(cell.lat, cell.lon)
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]},
        "properties": {
            **properties,
            "opacity": min(shade + 0.2, 0.9),
            "dot": round(4 + 5 * shade, 1),
        },
    }


def _unserved_layer(coverage: CoverageFigures, shift) -> folium.FeatureGroup:
    layer = folium.FeatureGroup(name=_("Searches with nothing within 1 km"))
    cells = cells_shown(coverage)
    most = max((c.searches for c in cells), default=1) or 1
    if cells:
        # Each cell as its true ~500 m square, and a dot of a few pixels at its centre: at a
        # city's zoom the squares are specks, and the dots keep them in sight.
        # The style is set per feature in the browser: a style_function would have folium
        # write a switch over every cell.
        features = [_cell_square(cell, most, shift) for cell in cells]
        features += [_cell_dot(cell, most, shift) for cell in cells]
        GeoJson(
            _collection(features),
            marker=folium.CircleMarker(radius=5, fill=True),
            on_each_feature=JsCode(
                "function (feature, layer) {"
                f" layer.setStyle(Object.assign({json.dumps(CELL_STYLE)},"
                " {fillOpacity: feature.properties.opacity}));"
                " if (layer.setRadius) { layer.setRadius(feature.properties.dot); } }"
            ),
            tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
        ).add_to(layer)
    for rank, site in enumerate(coverage.candidates, start=1):
        folium.Marker(
            shift(site.lat, site.lon),
            icon=folium.DivIcon(
                html=f'<span class="candidate-pin">{rank}</span>',
                class_name="candidate-icon",  # not Leaflet's white div-icon box
                icon_size=(30, 30),
                icon_anchor=(15, 15),
            ),
            tooltip=_(
                "Candidate site %(rank)d: would serve %(n)d searches", rank=rank, n=site.would_serve
            ),
        ).add_to(layer)
    return layer


def cells_shown(coverage: CoverageFigures):
    return coverage.unserved_cells[:MOST_CELLS]


def usage_map(points, coverage: CoverageFigures, center: tuple[float, float]) -> MapParts:
    fmap = _base_map(center, 11, datum_aware=True)
    shift = _as_drawn(fmap.datum)
    drawn = _shifted(points, shift)
    for layer in (_visits_layer(drawn), _heat_layer(drawn), _unserved_layer(coverage, shift)):
        layer.add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    spots = [(p[0], p[1]) for p in drawn]
    spots += [shift(c.lat, c.lon) for c in cells_shown(coverage)]
    if spots:
        lats, lons = [s[0] for s in spots], [s[1] for s in spots]
        fmap.fit_bounds([(min(lats), min(lons)), (max(lats), max(lons))])
    root = fmap.get_root()
    root.render()
    return MapParts(
        name=fmap.get_name(),
        assets=Markup(render_template("reports/_map_assets.html")),
        element=Markup(root.html.render()),
        script=Markup(root.script.render() + _finishing(fmap.get_name())),
        datum=fmap.datum,
    )
