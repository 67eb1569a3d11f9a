"""The locator's index for this process, kept in step with the database.

Built on first use; afterwards `max(Station.updated_at)` (an indexed lookup) is checked at
most every LOCATOR_REFRESH_S seconds (1 by default), and only stations changed since are
reloaded, so an operator's change reaches every worker within about a second.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from datetime import datetime

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..models import Facility, FacilityState, Station, StationFacility, StationStatus
from . import index as idx


class LiveIndex:
    def __init__(self, check_every_s: float) -> None:
        self.check_every_s = check_every_s
        self.index: idx.StationIndex | None = None
        self.version: datetime | None = None
        self.checked = 0.0
        self.lock = threading.Lock()

    def get(self) -> idx.StationIndex:
        if self.index is not None and time.monotonic() - self.checked < self.check_every_s:
            return self.index
        with self.lock:
            latest = db.session.scalar(select(func.max(Station.updated_at)))
            if self.index is None or latest != self.version:
                self.index = _load(self.index, self.version)
                self.version = latest
            self.checked = time.monotonic()
        return self.index


def current_index() -> idx.StationIndex:
    live = current_app.extensions.get("station_index")
    if live is None:
        live = LiveIndex(current_app.config["LOCATOR_REFRESH_S"])
        current_app.extensions["station_index"] = live
    return live.get()


def _records(since: datetime | None) -> list[idx.Record]:
    query = select(
        Station.id,
        Station.lat,
        Station.lon,
        Station.kind,
        Station.opening_hours,
        Station.status,
        Station.closed_until,
    )
    facility_query = (
        select(StationFacility.station_id, Facility.code, StationFacility.hours)
        .join(Facility)
        .where(StationFacility.state == FacilityState.WORKING)
    )
    if since is not None:
        changed = select(Station.id).where(Station.updated_at > since)
        query = query.where(Station.updated_at > since)
        facility_query = facility_query.where(StationFacility.station_id.in_(changed))
    working: dict[int, dict[str, str]] = defaultdict(dict)
    for station_id, code, own_hours in db.session.execute(facility_query):
        working[station_id][code] = (own_hours or "").strip()
    return [_record(row, working[row.id]) for row in db.session.execute(query)]


def _record(row, working: dict[str, str]) -> idx.Record:
    if row.status == StationStatus.CLOSED:  # retired: dropped from the index
        return idx.Record(row.id, 0, 0, "retired", "", frozenset())
    return idx.Record(
        row.id,
        row.lat,
        row.lon,
        row.kind.value,
        row.opening_hours or "",
        frozenset(working),
        _closed_until(row),
        tuple(sorted((code, text) for code, text in working.items() if text)),
    )


def _closed_until(row) -> float | None:
    if row.status != StationStatus.TEMPORARILY_CLOSED:
        return None
    return row.closed_until.timestamp() if row.closed_until else idx.NO_END


def _load(current: idx.StationIndex | None, since: datetime | None) -> idx.StationIndex:
    codes = list(db.session.scalars(select(Facility.code)))
    if current is None or since is None:
        return idx.build(_live(_records(None)), codes)
    changed = {record.id: record for record in _records(since)}
    kept = [r for r in _records_of(current) if r.id not in changed]
    return idx.build(_live(kept + list(changed.values())), codes)


def _live(records: list[idx.Record]) -> list[idx.Record]:
    return [r for r in records if r.kind != "retired"]


def _records_of(index: idx.StationIndex) -> list[idx.Record]:
    """The index's own rows as records, so an update need not reload unchanged stations."""
    bit_codes = {bit: code for code, bit in index.facility_bits.items()}
    out = []
    for row in range(len(index)):
        bits = int(index.bits[row])
        closed = index.closed_until[row]
        out.append(
            idx.Record(
                int(index.ids[row]),
                float(index.lat[row]),
                float(index.lon[row]),
                idx.KINDS[index.kind[row]],
                index.hours_strings[index.hours_id[row]],
                frozenset(code for bit, code in bit_codes.items() if bits & bit),
                None if np.isnan(closed) else float(closed),
                tuple(sorted(index.own_hours[row].items())),
            )
        )
    return out
