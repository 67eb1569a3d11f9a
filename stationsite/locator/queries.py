"""What pages and the API ask of the locator: nearest stations, a map viewport, a place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from geopy.exc import GeopyError
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..geocode import OfflineGeocoder, online_geocoder
from ..models import Station
from ..records import StationRecord, records_by_id
from . import index as idx
from .gazetteer import gazetteer
from .service import current_index


def stations_by_id(ids: list[int]) -> dict[int, Station]:
    if not ids:
        return {}
    query = select(Station).where(Station.id.in_(ids)).options(selectinload(Station.facilities))
    return {station.id: station for station in db.session.scalars(query)}


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
    found = records_by_id([hit.id for hit in hits])
    return [(found[hit.id], hit) for hit in hits if hit.id in found]


@dataclass
class Viewport:
    stations: list[StationRecord]
    clusters: list[idx.Cluster]
    total: int


def viewport(bbox, zoom: int, filters: idx.Filters, at: datetime) -> Viewport:
    """Stations in the box, or clusters of them when more than a map view can show."""
    index = current_index()
    rows = idx.in_view(index, bbox, filters, at)
    most = current_app.config["MAP_MAX_FEATURES"]
    if len(rows) > most:
        return Viewport([], idx.clusters(index, rows, zoom, most), len(rows))
    ids = [int(i) for i in index.ids[rows]]
    found = records_by_id(ids)
    return Viewport([found[i] for i in ids if i in found], [], len(rows))


@dataclass(frozen=True)
class Located:
    name: str
    lat: float
    lon: float
    kind: str


def locate(query: str) -> Located | None:
    """A typed place, offline first; an online geocoder only when configured."""
    query = query.strip()[:80]
    if not query:
        return None
    found = OfflineGeocoder(gazetteer).geocode(query)
    if found is None:
        online = online_geocoder(current_app.config.get("GEOCODER", "offline"))
        if online is not None:
            try:
                found = online.geocode(query)
            except GeopyError:
                current_app.logger.warning("online geocoder failed for %r", query)
    if found is None:
        return None
    kind = (found.raw or {}).get("kind", "online")
    return Located(found.address, found.latitude, found.longitude, kind)
