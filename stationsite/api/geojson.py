"""Stations as GeoJSON Features (SPEC §6), from plain records."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from urllib.parse import quote

from flask import g

from .. import hours, navigation
from ..feedback.follow import public_url
from ..locator.index import Hit
from ..records import StationRecord
from ..stations.presenters import describe, iso
from ..stations.services import facility_status


@lru_cache(maxsize=4096)
def _describe(status: hours.Status, at: datetime, lang: str) -> str:
    """Stations share status objects (one per hours string and minute): word each once."""
    return describe(status, at)


def _station_url(code: str) -> str:
    """The public page's address (on PUBLIC_URL when set); the route is built once per
    request, then filled in."""
    if "station_url" not in g:
        g.station_url = public_url("stations.detail", code="CODE").rsplit("/", 1)[0]
    return f"{g.station_url}/{quote(code, safe='')}"


def feature(station: StationRecord, status: hours.Status, at: datetime, lang: str) -> dict:
    facilities = [
        {
            "code": f.code,
            "name": f.name(lang),
            "state": f.state,
            "hours": f.hours or None,
            "open_now": facility_status(f, status, at).open,
        }
        for f in station.facilities
    ]
    return {
        "type": "Feature",
        "id": station.code,
        "geometry": {
            "type": "Point",
            "coordinates": [round(station.lon, 6), round(station.lat, 6)],
        },
        "properties": {
            "code": station.code,
            "kind": station.kind,
            "name": station.name(lang),
            "address": station.address,
            "district": station.district,
            "street": station.street,
            "status": station.status,
            "closure_reason": station.closure_reason or None,
            "closed_until": iso(station.closed_until),
            "open_now": status.open,
            "next_change": iso(status.next_change),
            "status_text": _describe(status, at, g.get("lang", "zh")),
            "opening_hours": station.opening_hours or None,
            "phone": station.phone or None,
            "facilities": facilities,
            "last_verified_at": iso(station.last_verified_at),
            "url": _station_url(station.code),
        },
    }


KEEP_FEATURES = 20_000  # per worker: a Feature is ~1.3 KB
_kept: dict[tuple, tuple] = {}


def kept_feature(station: StationRecord, status: hours.Status, at: datetime, lang: str) -> dict:
    """feature(), given back while the station's record (records are frozen: an edit makes a
    new one) and its status at this minute are the same: a map view's Features are built once
    a minute, not on every pan and zoom. The dict is shared: callers must not change it."""
    key = (station.code, lang, g.get("lang", "zh"), _station_url(""))
    found = _kept.get(key)
    if found is not None and found[0] is station and found[1] == status and found[2] == at:
        return found[3]
    made = feature(station, status, at, lang)
    if len(_kept) >= KEEP_FEATURES:
        _kept.clear()
    _kept[key] = (station, status, at, made)
    return made


def nearby_feature(
    station: StationRecord, hit: Hit, at: datetime, lang: str, origin, links: bool
) -> dict:
    """A nearby result: the Feature plus distance, minutes and arrival; links on request."""
    result = feature(station, hit.now, at, lang)
    result["properties"].update(
        distance_m=round(hit.distance_m),
        walk_min=hit.walk_min,
        ebike_min=hit.ebike_min,
        arrival_at=iso(hit.arrival_at),
        open_on_arrival=hit.open_on_arrival,
    )
    if links:
        result["properties"]["navigation"] = {
            link.provider: link.url
            for link in navigation.links(
                station.lat, station.lon, station.name("zh"), origin=origin
            )
        }
    return result
