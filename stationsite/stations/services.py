"""Station queries and their evaluated state; shared by pages, API and CLI."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort
from sqlalchemy import Select, and_, exists, select
from sqlalchemy.orm import selectinload

from .. import hours
from ..extensions import db
from ..models import (
    Facility,
    FacilityState,
    Station,
    StationFacility,
    StationKind,
    StationStatus,
)

EARLIEST = datetime.min.replace(tzinfo=UTC)
UNTIL_FURTHER_NOTICE = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


def station_query(
    *, kind: str | None = None, facilities: Sequence[str] = (), bbox: BBox | None = None
) -> Select[tuple[Station]]:
    """Stations of `kind`, inside `bbox`, having every facility in `facilities` working."""
    query = select(Station).where(Station.status != StationStatus.CLOSED)
    if kind:
        query = query.where(Station.kind == StationKind(kind))
    for code in facilities:
        query = query.where(_has_working(code))
    if bbox:
        query = query.where(
            Station.lon.between(bbox.min_lon, bbox.max_lon),
            Station.lat.between(bbox.min_lat, bbox.max_lat),
        )
    return query.options(selectinload(Station.facilities)).order_by(Station.district, Station.code)


def _has_working(code: str):
    return exists().where(
        and_(
            StationFacility.station_id == Station.id,
            StationFacility.facility_id == Facility.id,
            Facility.code == code,
            StationFacility.state == FacilityState.WORKING,
        )
    )


def find_stations(
    *,
    kind: str | None = None,
    facilities: Sequence[str] = (),
    bbox: BBox | None = None,
    open_now: bool | None = None,
    at: datetime | None = None,
) -> list[tuple[Station, hours.Status]]:
    at = at or datetime.now(UTC)
    found = db.session.scalars(station_query(kind=kind, facilities=facilities, bbox=bbox))
    rows = [(station, station_status(station, at)) for station in found]
    if open_now is not None:
        rows = [(s, st) for s, st in rows if (st.state is hours.State.OPEN) == open_now]
    return rows


def get_station_or_404(code: str) -> Station:
    station = db.session.scalar(
        select(Station).where(Station.code == code).options(selectinload(Station.facilities))
    )
    if station is None:
        abort(404)
    return station


def station_status(station: Station, at: datetime) -> hours.Status:
    closures = []
    if station.status == StationStatus.TEMPORARILY_CLOSED:
        closures.append((EARLIEST, station.closed_until))
    return hours.station_status(
        station.opening_hours, at, status=station.status.value, closures=closures
    )


def closure_end(station: Station) -> datetime | None:
    """When a temporary closure ends (far in the future when no end is given); None if open."""
    if station.status == StationStatus.TEMPORARILY_CLOSED:
        return station.closed_until or UNTIL_FURTHER_NOTICE
    return None


def facility_status(item: StationFacility, station_now: hours.Status, at: datetime):
    """A facility's own availability: its own hours if it has them, else the station's."""
    if item.state != FacilityState.WORKING:
        return hours.Status(hours.State.CLOSED, None, item.state.value)
    if item.hours.strip():
        return hours.evaluate(item.hours, at)
    return station_now


def visible_facilities(station: Station) -> list[StationFacility]:
    present = [f for f in station.facilities if f.state != FacilityState.REMOVED]
    broken_first = {FacilityState.OUT_OF_ORDER: 0, FacilityState.WORKING: 1}
    return sorted(present, key=lambda f: (broken_first[f.state], f.facility.sort_order))


def facility_catalogue() -> list[Facility]:
    return list(db.session.scalars(select(Facility).order_by(Facility.sort_order, Facility.code)))


def known_facility_codes() -> set[str]:
    return set(db.session.scalars(select(Facility.code)))


def count_by_kind(rows: Iterable[tuple[Station, hours.Status]]) -> dict[str, int]:
    counts = {kind.value: 0 for kind in StationKind}
    for station, _status in rows:
        counts[station.kind.value] += 1
    return counts
