"""An in-memory spatial index of stations: nearest-first search and viewport clusters.

Points live on the unit sphere in a KD-tree (SciPy), so a nearest search never scans every
station. Kind, working facilities (a bit mask over the catalogue) and hours are kept in arrays
beside the tree, so filters cost no database round trip. Plain module: no Flask, no SQL.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from scipy.spatial import cKDTree

from .. import geo, hours
from .availability import always_available, need_status

KINDS = ("warm_station", "toilet_station")
MIN_STAY = timedelta(minutes=10)  # "open on arrival" means open for at least this long
NO_END = math.inf


@dataclass(frozen=True)
class Record:
    """What the index keeps of one station."""

    id: int
    lat: float
    lon: float
    kind: str
    opening_hours: str
    facilities: frozenset[str]  # working ones
    closed_until: float | None = None  # epoch seconds; NO_END for "until further notice"
    facility_hours: tuple[tuple[str, str], ...] = ()  # working facilities' own hours


@dataclass(slots=True)
class Hit:
    id: int
    distance_m: float
    now: hours.Status
    arrival: hours.Status
    arrival_minute: int  # minutes since the epoch
    walk_min: int
    ebike_min: int
    need_now: hours.Status  # what was asked for (the station itself when nothing was)
    need_arrival: hours.Status

    @property
    def minutes(self) -> dict[str, int]:
        return {"walk": self.walk_min, "ebike": self.ebike_min}

    @property
    def arrival_at(self) -> datetime:
        return datetime.fromtimestamp(self.arrival_minute * 60, hours.SHANGHAI)

    @property
    def open_on_arrival(self) -> bool | None:
        return _lasts(self.arrival, self.arrival_at)

    @property
    def available_on_arrival(self) -> bool | None:
        """The asked facilities, not the rooms: 24 h water counts at a closed station."""
        return _lasts(self.need_arrival, self.arrival_at)


def _lasts(status: hours.Status, at: datetime) -> bool | None:
    if status.state is hours.State.UNKNOWN:
        return None
    if status.state is not hours.State.OPEN:
        return False
    return status.next_change is None or status.next_change - at >= MIN_STAY


@dataclass
class Filters:
    kind: str | None = None
    facilities: Sequence[str] = ()
    open: str | None = None  # None, "now", "arrival" or "closed" (closed now)
    h24: bool = False
    mode: str = "ebike"  # how the rider travels, for arrival times


@dataclass
class StationIndex:
    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    kind: np.ndarray
    bits: np.ndarray
    hours_id: np.ndarray
    closed_until: np.ndarray
    hours_strings: list[str]
    facility_bits: dict[str, int]
    tree: cKDTree = field(repr=False)
    row_of: dict[int, int] = field(repr=False)
    own_hours: list[dict[str, str]] = field(repr=False)  # per row: facility code -> hours
    own_bits: np.ndarray = field(repr=False)  # per row: the facilities with their own hours

    def __len__(self) -> int:
        return len(self.ids)


def build(records: Iterable[Record], facility_codes: Sequence[str]) -> StationIndex:
    """An index over `records`; `facility_codes` fixes the bit of each catalogue entry."""
    records = list(records)
    facility_bits = {code: 1 << i for i, code in enumerate(sorted(facility_codes)[:64])}
    hours_strings: list[str] = []
    hours_pos: dict[str, int] = {}
    for record in records:
        if record.opening_hours not in hours_pos:
            hours_pos[record.opening_hours] = len(hours_strings)
            hours_strings.append(record.opening_hours.strip())
    lat = np.fromiter((r.lat for r in records), float, len(records))
    lon = np.fromiter((r.lon for r in records), float, len(records))
    return StationIndex(
        ids=np.fromiter((r.id for r in records), np.int64, len(records)),
        lat=lat,
        lon=lon,
        kind=np.fromiter((KINDS.index(r.kind) for r in records), np.int8, len(records)),
        bits=np.fromiter(
            (_mask(r.facilities, facility_bits) for r in records), np.uint64, len(records)
        ),
        hours_id=np.fromiter((hours_pos[r.opening_hours] for r in records), np.int32, len(records)),
        closed_until=np.fromiter(
            (np.nan if r.closed_until is None else r.closed_until for r in records),
            float,
            len(records),
        ),
        hours_strings=hours_strings,
        facility_bits=facility_bits,
        tree=cKDTree(_xyz(lat, lon)),
        row_of={r.id: i for i, r in enumerate(records)},
        own_hours=[_own(r) for r in records],
        own_bits=np.fromiter(
            (_mask(_own(r), facility_bits) for r in records),
            np.uint64,
            len(records),
        ),
    )


_NONE: dict[str, str] = {}


def _own(record: Record) -> dict[str, str]:
    hours_of = {code: text.strip() for code, text in record.facility_hours if text.strip()}
    return hours_of or _NONE


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    phi, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def _mask(codes: Iterable[str], facility_bits: dict[str, int]) -> int:
    value = 0
    for code in codes:
        value |= facility_bits.get(code, 0)
    return value


def _row_status(expression: str, closed_until: float, minute: int) -> hours.Status:
    if math.isnan(closed_until):
        return hours.evaluate_minute(expression, minute)
    at = datetime.fromtimestamp(minute * 60, hours.SHANGHAI)
    until = None if closed_until == NO_END else datetime.fromtimestamp(closed_until, hours.SHANGHAI)
    return hours.station_status(expression, at, closures=[(hours.EARLIEST, until)])


def _static_ok(index: StationIndex, rows: np.ndarray, filters: Filters, need: int) -> np.ndarray:
    ok = np.ones(len(rows), bool)
    if filters.kind:
        ok &= index.kind[rows] == KINDS.index(filters.kind)
    if need:
        ok &= (index.bits[rows] & np.uint64(need)) == np.uint64(need)
    if filters.h24:
        ok &= _always(index, rows, filters.facilities, need)
    return ok


def _own_rows(index: StationIndex, rows: np.ndarray, need: int) -> np.ndarray:
    """Positions in `rows` where an asked facility keeps its own hours."""
    if not need:
        return np.empty(0, np.int64)
    return np.flatnonzero((index.own_bits[rows] & np.uint64(need)) != 0)


def _always(index: StationIndex, rows: np.ndarray, asked, need: int) -> np.ndarray:
    always = np.array([s == "24/7" for s in index.hours_strings], bool)
    result = always[index.hours_id[rows]]
    for i in _own_rows(index, rows, need).tolist():
        row = rows[i]
        station_hours = index.hours_strings[index.hours_id[row]]
        result[i] = always_available(station_hours, index.own_hours[row], asked)
    return result & np.isnan(index.closed_until[rows])


def nearby(
    index: StationIndex,
    lat: float,
    lon: float,
    at: datetime,
    *,
    limit: int = 10,
    radius_m: float = 3000,
    filters: Filters | None = None,
) -> list[Hit]:
    """Up to `limit` stations within `radius_m`, nearest first, that pass `filters`."""
    filters = filters or Filters()
    count = len(index)
    if not count or limit < 1:
        return []
    need = _mask(filters.facilities, index.facility_bits)
    filtered = bool(filters.kind or need or filters.h24 or filters.open)
    minute = int(at.timestamp()) // 60
    point, bound = geo.unit_vector(lat, lon), geo.chord_for(radius_m) * (1 + 1e-12)
    k = min(count, limit * 4 if filtered else limit)
    while True:
        chords, rows = index.tree.query(point, k=k, distance_upper_bound=bound)
        if k == 1:
            chords, rows = np.atleast_1d(chords), np.atleast_1d(rows)
        found = int(np.searchsorted(chords, np.inf))  # beyond the radius: inf, at the end
        chords, rows = chords[:found], rows[:found]
        if filtered:
            ok = _static_ok(index, rows, filters, need)
            chords, rows = chords[ok], rows[ok]
        hits = _open_hits(index, rows, chords, minute, filters, limit)
        if len(hits) >= limit or found < k or k >= count:
            return hits
        k = min(count, k * 4)


def _open_hits(index, rows, chords, minute: int, filters: Filters, limit: int) -> list[Hit]:
    strings, ids = index.hours_strings, index.ids
    hits: list[Hit] = []
    for row, chord, hours_id, closed in zip(
        rows.tolist(),
        chords.tolist(),
        index.hours_id[rows].tolist(),
        index.closed_until[rows].tolist(),
        strict=True,
    ):
        own, asked = index.own_hours[row], filters.facilities
        now = _row_status(strings[hours_id], closed, minute)
        need_now = need_status(now, own, asked, minute)
        if filters.open == "now" and need_now.state is not hours.State.OPEN:
            continue
        metres = geo.arc_for(chord)
        walk, ebike = geo.travel_minutes(metres, "walk"), geo.travel_minutes(metres, "ebike")
        arrive = minute + (walk if filters.mode == "walk" else ebike)
        arrival = _row_status(strings[hours_id], closed, arrive)
        hit = Hit(
            int(ids[row]),
            metres,
            now,
            arrival,
            arrive,
            walk,
            ebike,
            need_now,
            need_status(arrival, own, asked, arrive),
        )
        if filters.open == "arrival" and not hit.available_on_arrival:
            continue
        hits.append(hit)
        if len(hits) == limit:
            break
    return hits
