"""Station queries and their evaluated state; shared by pages, API and CLI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import hours
from ..catalogue import cached_catalogue
from ..extensions import db
from ..models import (
    Facility,
    FacilityState,
    Station,
    StationFacility,
    StationStatus,
)

UNTIL_FURTHER_NOTICE = datetime(9000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


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
        closures.append((hours.EARLIEST, station.closed_until))
    return hours.station_status(
        station.opening_hours,
        at,
        status=str(station.status),
        closures=closures,
        coords=(station.lat, station.lon),  # sunrise and sunset where the station is
    )


def closure_end(station: Station) -> datetime | None:
    """When a temporary closure ends (far in the future when no end is given); None if open."""
    if station.status == StationStatus.TEMPORARILY_CLOSED:
        return station.closed_until or UNTIL_FURTHER_NOTICE
    return None


def facility_status(item: StationFacility, station_now: hours.Status, at: datetime):
    """A facility's own availability: its own hours if it has them, else the station's.

    A temporary or permanent closure closes every facility, whatever its own hours say."""
    if item.state != FacilityState.WORKING:
        return hours.Status(hours.State.CLOSED, None, str(item.state))
    if item.hours.strip() and station_now.reason not in ("temporarily_closed", "closed"):
        return hours.evaluate(item.hours, at)
    return station_now


def visible_facilities(station: Station) -> list[StationFacility]:
    present = [f for f in station.facilities if f.state != FacilityState.REMOVED]
    broken_first = {FacilityState.OUT_OF_ORDER: 0, FacilityState.WORKING: 1}
    return sorted(present, key=lambda f: (broken_first[f.state], f.facility.sort_order))


def facility_catalogue() -> list[Facility]:
    return list(db.session.scalars(select(Facility).order_by(Facility.sort_order, Facility.code)))


def known_facility_codes() -> frozenset[str]:
    return frozenset(entry.code for entry in cached_catalogue().values())
