"""Getting from the rider to one station: distance, minutes and one-tap navigation links."""

from __future__ import annotations

import math

from .. import geo, navigation
from ..models import Station


def origin_from(args) -> tuple[float, float] | None:
    """The rider's WGS-84 position passed on from the locator (`lat`, `lon`), if it is sane."""
    try:
        lat, lon = float(args.get("lat", "")), float(args.get("lon", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def trip(station: Station, origin: tuple[float, float] | None, mode: str = "ebike") -> dict:
    links = navigation.links(station.lat, station.lon, station.name("zh"), mode, origin=origin)
    found = {"nav": links, "origin": origin, "distance_m": None}
    if origin is not None:
        metres = geo.distance_m(origin, (station.lat, station.lon))
        found.update(
            distance_m=round(metres),
            walk_min=geo.travel_minutes(metres, "walk"),
            ebike_min=geo.travel_minutes(metres, "ebike"),
        )
    return found
