"""Stations as plain records for the API: read with two Core queries, no ORM identity map.

The API answers many small requests (nearby, viewport); hydrating ORM objects for every
station and facility row cost more than the search itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, bindparam, select, type_coerce

from .catalogue import cached_catalogue
from .extensions import db
from .models import FacilityState, Station, StationFacility


@dataclass(frozen=True, slots=True)
class FacilityRecord:
    code: str
    name_zh: str
    name_en: str
    state: str
    hours: str
    sort_order: int

    def name(self, lang: str) -> str:
        return self.name_en if lang.startswith("en") else self.name_zh


@dataclass(frozen=True, slots=True)
class StationRecord:
    id: int
    code: str
    kind: str
    name_zh: str
    name_en: str | None
    address: str
    district: str
    street: str
    lat: float
    lon: float
    phone: str
    opening_hours: str
    status: str
    closure_reason: str
    closed_until: datetime | None
    last_verified_at: datetime | None
    facilities: tuple[FacilityRecord, ...]

    def name(self, lang: str) -> str:
        return self.name_en if lang.startswith("en") and self.name_en else self.name_zh


_BROKEN_FIRST = {"out_of_order": 0, "working": 1}


def _raw(column):
    """An enum column read as its stored string: no conversion to and back from the enum."""
    return type_coerce(column, String).label(column.key)


# Built once: SQLAlchemy caches their compiled form, and they run on the connection (Core).
_IDS = bindparam("ids", expanding=True)
_STATIONS = select(
    Station.id,
    Station.code,
    _raw(Station.kind),
    Station.name_zh,
    Station.name_en,
    Station.address,
    Station.district,
    Station.street,
    Station.lat,
    Station.lon,
    Station.phone,
    Station.opening_hours,
    _raw(Station.status),
    Station.closure_reason,
    Station.closed_until,
    Station.last_verified_at,
).where(Station.id.in_(_IDS))
_FACILITIES = select(
    StationFacility.station_id,
    StationFacility.facility_id,
    _raw(StationFacility.state),
    StationFacility.hours,
).where(StationFacility.station_id.in_(_IDS), StationFacility.state != FacilityState.REMOVED)


def records_by_id(ids: list[int]) -> dict[int, StationRecord]:
    if not ids:
        return {}
    connection = db.session.connection()
    catalogue = cached_catalogue()
    facilities: dict[int, list[FacilityRecord]] = defaultdict(list)
    for station_id, facility_id, state, own_hours in connection.execute(
        _FACILITIES, {"ids": ids}
    ).all():
        entry = catalogue.get(facility_id)
        if entry is None:  # added to the catalogue since it was cached
            catalogue = cached_catalogue(max_age_s=0)
            entry = catalogue[facility_id]
        facilities[station_id].append(
            FacilityRecord(
                entry.code,
                entry.name_zh,
                entry.name_en,
                state,
                own_hours,
                _BROKEN_FIRST[state] * 1000 + entry.sort_order,
            )
        )
    found = {}
    for row in connection.execute(_STATIONS, {"ids": ids}).all():
        items = tuple(sorted(facilities[row.id], key=lambda f: f.sort_order))
        found[row.id] = StationRecord(
            row.id,
            row.code,
            row.kind,
            row.name_zh,
            row.name_en,
            row.address,
            row.district,
            row.street,
            row.lat,
            row.lon,
            row.phone,
            row.opening_hours,
            row.status,
            row.closure_reason,
            row.closed_until,
            row.last_verified_at,
            items,
        )
    return found


def record_by_code(code: str) -> StationRecord | None:
    station_id = db.session.scalar(select(Station.id).where(Station.code == code))
    return records_by_id([station_id]).get(station_id) if station_id else None
