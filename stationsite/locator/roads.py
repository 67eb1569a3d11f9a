"""A typed road puts the rider on it: the nearest point of its line to where they are.

Without the rider's position a road is only its middle (a broad answer, said so on the page).
With it, the road of that name nearest to them is picked and the rider put on its nearest
point; other roads of the same name (in other districts) stay on offer as choices."""

from __future__ import annotations

from dataclasses import replace

from flask_babel import gettext as _

from .. import geo
from .gazetteer import road_line
from .places_io import nearest_on_line
from .queries import Located, Lookup


def on_road(lookup: Lookup, here: tuple[float, float] | None) -> Lookup:
    candidates = [lookup.place] if lookup.place else []
    candidates += lookup.choices
    roads = [c for c in candidates if c.kind == "road" and c.how == "exact"]
    if here is None or not roads:
        return lookup
    placed = [_nearest_point(road, here) for road in roads]
    best = min(placed, key=lambda item: item[0])
    others = [c for c in candidates if c != best[1] and c.kind == "road" and c in roads]
    return Lookup(lookup.query, best[2], others)


def _nearest_point(road: Located, here) -> tuple[float, Located, Located]:
    line = road_line(road.name, road.lat, road.lon)
    lat, lon = nearest_on_line(line, *here) if line else (road.lat, road.lon)
    on_road = replace(road, lat=lat, lon=lon, broad=not line)
    return geo.distance_m(here, (lat, lon)), road, on_road


def label(place: Located, near: str | None, lang: str = "zh") -> str:
    """How the page names where the search starts: a road says which point of it. `near` is
    already as the reader reads it; the place is named in `lang` where it can be."""
    name = place.shown(lang)
    if place.kind != "road" or place.broad:
        return name
    if near:
        return _("%(road)s, nearest point to %(place)s", road=name, place=near)
    return _("%(road)s, nearest point to you", road=name)
