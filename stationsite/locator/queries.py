"""What pages and the API ask of the locator: nearest stations, a map viewport, a place."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from geopy.exc import GeopyError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import geo
from ..extensions import db
from ..geocode import OfflineGeocoder, online_geocoder
from ..models import Station
from ..records import StationRecord, records_by_id
from . import index as idx
from . import viewport as view
from .gazetteer import gazetteer
from .service import current_index, live_index


def stations_by_id(ids: list[int]) -> dict[int, Station]:
    if not ids:
        return {}
    query = select(Station).where(Station.id.in_(ids)).options(selectinload(Station.facilities))
    return {station.id: station for station in db.session.scalars(query)}


def cached_records(ids: list[int]) -> dict[int, StationRecord]:
    """Records for answers: from this process's cache, the rest in one round trip."""
    return live_index().records.get_many(ids, records_by_id) if ids else {}


def _hits(lat, lon, at, limit, radius_m, filters) -> list[idx.Hit]:
    return idx.nearby(
        current_index(), lat, lon, at, limit=limit, radius_m=radius_m, filters=filters
    )


def nearby(
    lat: float, lon: float, at: datetime, *, limit: int, radius_m: float, filters: idx.Filters
) -> list[tuple[Station, idx.Hit]]:
    """Nearest stations as ORM objects with their hits: what the pages show."""
    hits = _hits(lat, lon, at, limit, radius_m, filters)
    found = stations_by_id([hit.id for hit in hits])
    return [(found[hit.id], hit) for hit in hits if hit.id in found]


def nearby_records(
    lat: float, lon: float, at: datetime, *, limit: int, radius_m: float, filters: idx.Filters
) -> list[tuple[StationRecord, idx.Hit]]:
    """The same as plain records: what the API answers with."""
    hits = _hits(lat, lon, at, limit, radius_m, filters)
    found = cached_records([hit.id for hit in hits])
    return [(found[hit.id], hit) for hit in hits if hit.id in found]


@dataclass
class Viewport:
    stations: list[StationRecord]
    clusters: list[view.Cluster]
    total: int


def viewport(bbox, zoom: int, filters: idx.Filters, at: datetime) -> Viewport:
    """Stations in the box, or clusters of them when more than a map view can show."""
    index, most = current_index(), current_app.config["MAP_MAX_FEATURES"]
    if view.plain(filters):
        clustered = view.grid_view(index, bbox, zoom, most)
        if clustered is not None:
            return Viewport([], *clustered)
    chosen = view.select(index, bbox, filters, at)
    if len(chosen) > most:
        return Viewport([], view.grid_clusters(chosen.lat, chosen.lon, zoom, most), len(chosen))
    ids = chosen.ids.tolist()
    found = cached_records(ids)
    return Viewport([found[i] for i in ids if i in found], [], len(chosen))


@dataclass(frozen=True)
class Located:
    name: str
    lat: float
    lon: float
    kind: str
    how: str = "exact"  # how the typed text matched: exact, sounds_like, partial, fuzzy
    district: str = ""
    broad: bool = False  # a district, street or road: its centre is only a rough answer
    score: float = 100
    name_en: str = ""  # the English name the gazetteer stores, if any

    def shown(self, lang: str) -> str:
        """The name for a reader of `lang`: English where stored, else the Chinese name."""
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass
class Lookup:
    """A typed place: where to search from (only when sure), and choices when not."""

    query: str
    place: Located | None = None
    choices: list[Located] = field(default_factory=list)


CHOICES = 5
SAME_PLACE_M = 1000


def locate(query: str) -> Lookup:
    """Offline first; an online geocoder only when configured and the gazetteer knows nothing.

    The search starts from the top match only when it is exact and one place; a partial,
    fuzzy or sounds-alike match, or several places of that name, become choices instead."""
    query = query.strip()[:80]
    if not query:
        return Lookup(query)
    found = [
        _located(item)
        for item in OfflineGeocoder(gazetteer).geocode(query, exactly_one=False) or []
    ]
    if not found:
        online = _online(query)
        return Lookup(query, online) if online else Lookup(query)
    top, others = found[0], found[1:]
    rivals = [o for o in others if o.score >= top.score and _apart(top, o)]
    if top.how != "exact" or rivals:
        return Lookup(query, None, found[:CHOICES])
    return Lookup(query, top, others[: CHOICES - 1] if top.broad else [])


def _apart(a: Located, b: Located) -> bool:
    return geo.distance_m((a.lat, a.lon), (b.lat, b.lon)) > SAME_PLACE_M


def _located(location) -> Located:
    entry = location.raw["entry"]
    return Located(
        entry.name,
        entry.lat,
        entry.lon,
        entry.detail if entry.kind == "place" and entry.detail else entry.kind,
        location.raw["how"],
        entry.district,
        entry.broad,
        location.raw["score"],
        entry.name_en,
    )


def _online(query: str) -> Located | None:
    online = online_geocoder(current_app.config.get("GEOCODER", "offline"))
    if online is None:
        return None
    try:
        found = online.geocode(query)
    except GeopyError:
        current_app.logger.warning("online geocoder failed for %r", query)
        return None
    if found is None:
        return None
    return Located(found.address, found.latitude, found.longitude, "online", "online")
