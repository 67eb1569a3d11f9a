"""Importing and exporting stations (`exports`): the same functions serve the CLI and the admin
pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from ..catalogue import FACILITIES, ensure_catalogue
from ..extensions import db
from ..models import (
    AuditEntry,
    Facility,
    FacilityState,
    Place,
    Station,
    StationFacility,
    User,
)
from ..operator.services import audit
from .exports import FIELDS, csv_chunks, export_csv, export_geojson, geojson_chunks
from .messages import ImportRefused, Message, Row
from .positions import CHINA, ServiceArea
from .reading import Progress, read

__all__ = [
    "ImportRefused",
    "Message",
    "Outcome",
    "Progress",
    "Row",
    "ServiceArea",
    "apply",
    "csv_chunks",
    "export_csv",
    "export_geojson",
    "geojson_chunks",
    "parse",
    "plan",
]
BATCH = 5000  # codes per IN (...): PostgreSQL's driver takes at most 65,535 parameters


@dataclass
class Outcome:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[Row] = field(default_factory=list)


def facility_names() -> dict[str, str]:
    """Codes and both names of every catalogue entry, to the code: the starting catalogue
    too, which a fresh database does not hold until the first import adds it."""
    entries = [(code, zh, en) for code, zh, en, _lendable, _icon in FACILITIES]
    entries += db.session.execute(select(Facility.code, Facility.name_zh, Facility.name_en)).all()
    names = {}
    for code, name_zh, name_en in entries:
        for key in (code, name_zh, name_en.lower()):
            names[key] = code
    return names


def parse(
    data: bytes, filename: str, area: ServiceArea = CHINA, progress: Progress | None = None
) -> list[Row]:
    """Rows of the file; `ImportRefused` (one message) when the file cannot be read at all."""
    return read(data, filename, facility_names(), area, NearestPlace(), progress)


class NearestPlace:
    """The gazetteer's nearest place within `within_m`, read from the database once if asked."""

    def __init__(self, within_m: float = 1000.0) -> None:
        self.within_m, self.places = within_m, None

    def __call__(self, lat: float, lon: float) -> str | None:
        if self.places is None:
            rows = db.session.execute(select(Place.name_zh, Place.lat, Place.lon)).all()
            self.places = (
                [r.name_zh for r in rows],
                np.radians(np.array([(r.lat, r.lon) for r in rows], dtype=float).reshape(-1, 2)),
            )
        names, points = self.places
        if not names:
            return None
        metres = _metres(points, np.radians([lat, lon]))
        nearest = int(np.argmin(metres))
        return names[nearest] if metres[nearest] <= self.within_m else None


def _metres(points: np.ndarray, here: np.ndarray) -> np.ndarray:
    """Equirectangular distance: exact enough within a kilometre or two."""
    x = (points[:, 1] - here[1]) * np.cos((points[:, 0] + here[0]) / 2)
    y = points[:, 0] - here[0]
    return 6_371_000 * np.hypot(x, y)


def _batches(codes: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(codes), BATCH):
        yield codes[start : start + BATCH]


def plan(rows: list[Row]) -> dict[str, str]:
    """What importing would do to each good row's code: "create", "update", or "unchanged"
    when the station already says all the row says (a file imported again)."""
    good = {r.fields["code"]: r for r in reversed(rows) if not r.errors}
    existing = _existing(list(good))
    return {code: _action(existing.get(code), row) for code, row in reversed(good.items())}


def _action(station: Station | None, row: Row) -> str:
    if station is None:
        return "create"
    before = _snapshot(station)
    same = all(before.get(name) == value for name, value in row.fields.items())
    return "unchanged" if same and set(row.facilities) <= set(before["facilities"]) else "update"


def _existing(codes: list[str]) -> dict[str, Station]:
    found = {}
    for batch in _batches(codes):
        query = (
            select(Station)
            .where(Station.code.in_(batch))
            .options(selectinload(Station.facilities).selectinload(StationFacility.facility))
        )
        found.update((station.code, station) for station in db.session.scalars(query))
    return found


def _snapshot(station: Station) -> dict:
    values = {name: getattr(station, name) for name in FIELDS}
    values["kind"] = str(station.kind) if station.kind else None
    values["facilities"] = sorted(item.facility.code for item in station.facilities)
    return values


def apply(
    rows: list[Row], *, by: User | None = None, progress: Callable[[int], None] = lambda _n: None
) -> Outcome:
    """Create or update stations by code; rows with errors change nothing. Idempotent.
    Known stations are compared and updated one by one; new ones are written in bulk."""
    outcome, catalogue = Outcome(), ensure_catalogue()
    existing = _existing([r.fields["code"] for r in rows if not r.errors])
    new = []
    for row in rows:
        progress(1)
        if row.errors:
            outcome.failed.append(row)
        elif row.fields["code"] in existing:
            station = existing[row.fields["code"]]
            changed = _update(station, row, catalogue, by)
            (outcome.updated if changed else outcome.unchanged).append(station.code)
        else:
            new.append(row)
    outcome.created = _create(new, catalogue, by)
    db.session.flush()
    return outcome


def _update(station: Station, row: Row, catalogue: dict[str, Facility], by: User | None) -> bool:
    before = _snapshot(station)
    for name, value in row.fields.items():
        if before.get(name) != value:  # no UPDATE for what is the same
            setattr(station, name, value)
    present = {item.facility.code for item in station.facilities}
    for code in row.facilities:
        if code not in present:
            station.facilities.append(
                StationFacility(facility=catalogue[code], state=FacilityState.WORKING)
            )
    after = _snapshot(station)
    audit(station, by, "import", before, after)
    return before != after


def _create(rows: list[Row], catalogue: dict[str, Facility], by: User | None) -> list[str]:
    """New stations in three bulk INSERTs (stations, their facilities, the audit trail):
    a national file is 100,000 new rows, too many to pass one by one through the ORM."""
    if not rows:
        return []
    stations = [_new_station(row) for row in rows]
    written = db.session.execute(insert(Station).returning(Station.code, Station.id), stations)
    ids = dict(written.all())
    facilities = [
        {"station_id": ids[row.fields["code"]], "facility_id": catalogue[code].id}
        for row in rows
        for code in row.facilities
    ]
    if facilities:
        db.session.execute(insert(StationFacility), facilities)
    entries = [
        {"station_id": ids[values["code"]], "user_id": by.id if by else None, "action": "import",
         "before": {}, "after": {**values, "facilities": sorted(row.facilities)}}
        for row, values in zip(rows, stations, strict=True)
    ]  # fmt: skip
    db.session.execute(insert(AuditEntry), entries)
    return [values["code"] for values in stations]


def _new_station(row: Row) -> dict:
    """Every column, so the INSERTs batch: what the file left out is empty (English name: none)."""
    return {name: row.fields.get(name, None if name == "name_en" else "") for name in FIELDS}
