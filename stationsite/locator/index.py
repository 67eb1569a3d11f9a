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
    own_hours: OwnHours = field(repr=False)  # sparse: row -> facility code -> its own hours
    own_bits: np.ndarray = field(repr=False)  # per row: the facilities with their own hours
    # A patched index: base rows superseded by a later change (True: skip it), and the
    # changed stations in a small index of their own. Both None for a plain index.
    dead: np.ndarray | None = field(default=None, repr=False)
    overlay: StationIndex | None = field(default=None, repr=False)
    dead_rows: np.ndarray | None = field(default=None, repr=False)  # where `dead` is True
    # viewport.Grids: station counts per map grid cell at every level, and rows by longitude
    grids: object | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def layers(self) -> list[StationIndex]:
        """The plain indexes to search: this one, then its overlay of changed stations."""
        return [self] if self.overlay is None else [self, self.overlay]

    def own(self, row: int) -> dict[str, str]:
        return self.own_hours.get(row, _NONE)


class OwnHours:
    """Facilities' own hours by index row, sparse and as flat arrays (a snapshot maps them):
    `rows` sorted, entries of `rows[i]` at `starts[i]:starts[i + 1]` in `codes` and `texts`,
    which number `code_names` and `strings`."""

    def __init__(self, rows, starts, codes, texts, code_names, strings) -> None:
        self.rows, self.starts, self.codes, self.texts = rows, starts, codes, texts
        self.code_names, self.strings = list(code_names), list(strings)

    @classmethod
    def from_entries(cls, rows, codes, texts, code_names, strings) -> OwnHours:
        """From one (row, code, text) entry per facility, in any order."""
        order = np.lexsort((codes, rows))
        rows, codes, texts = rows[order], codes[order], texts[order]
        unique, starts = np.unique(rows, return_index=True)
        starts = np.append(starts, len(rows)).astype(np.int64)
        rows = unique.astype(np.int64)
        return cls(rows, starts, codes.astype(np.int16), texts, code_names, strings)

    @classmethod
    def from_dicts(cls, per_row: dict[int, dict[str, str]], code_names) -> OwnHours:
        code_pos = {code: i for i, code in enumerate(code_names)}
        strings: dict[str, int] = {}
        rows, codes, texts = [], [], []
        for row, hours_of in per_row.items():
            for code, text in hours_of.items():
                if code in code_pos:
                    rows.append(row)
                    codes.append(code_pos[code])
                    texts.append(strings.setdefault(text, len(strings)))
        return cls.from_entries(
            np.array(rows, np.int64),
            np.array(codes, np.int16),
            np.array(texts, np.int32),
            code_names,
            list(strings),
        )

    def get(self, row: int, default: dict[str, str] | None = None) -> dict[str, str]:
        i = int(np.searchsorted(self.rows, row))
        if i == len(self.rows) or self.rows[i] != row:
            return _NONE if default is None else default
        span = slice(int(self.starts[i]), int(self.starts[i + 1]))
        return {
            self.code_names[c]: self.strings[t]
            for c, t in zip(self.codes[span].tolist(), self.texts[span].tolist(), strict=True)
        }

    def to_dict(self) -> dict[int, dict[str, str]]:
        return {int(row): self.get(int(row)) for row in self.rows}

    def __eq__(self, other) -> bool:
        return isinstance(other, OwnHours) and self.to_dict() == other.to_dict()

    def __len__(self) -> int:
        return len(self.rows)

    def bits(self, count: int, facility_bits: dict[str, int]) -> np.ndarray:
        """Per row: the mask of facilities that keep their own hours."""
        bit_of_code = np.array([facility_bits.get(c, 0) for c in self.code_names] or [0], np.uint64)
        per_entry = bit_of_code[np.asarray(self.codes, np.int64)]
        result = np.zeros(count, np.uint64)
        if len(self.rows):
            owner = np.repeat(np.asarray(self.rows), np.diff(np.asarray(self.starts)))
            np.bitwise_or.at(result, owner, per_entry)
        return result


def bit_map(facility_codes: Iterable[str]) -> dict[str, int]:
    """The bit of each catalogue entry (the first 63 codes in order: SQL sums them)."""
    return {code: 1 << i for i, code in enumerate(sorted(facility_codes)[:63])}


def build(records: Iterable[Record], facility_codes: Sequence[str]) -> StationIndex:
    """An index over `records`; `facility_codes` fixes the bit of each catalogue entry."""
    records = list(records)
    facility_bits = bit_map(facility_codes)
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
        tree=tree_of(lat, lon),
        own_hours=OwnHours.from_dicts(
            {i: own for i, r in enumerate(records) if (own := _own(r))}, sorted(facility_codes)
        ),
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


def tree_of(lat: np.ndarray, lon: np.ndarray) -> cKDTree:
    # unbalanced (sliding midpoint) trees build about 2.5x faster and search as fast
    return cKDTree(_xyz(lat, lon), balanced_tree=False)


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
    if index.dead is not None:
        ok &= ~index.dead[rows]
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
        result[i] = always_available(station_hours, index.own(row), asked)
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
    hits = _nearby(index, lat, lon, at, limit, radius_m, filters)
    overlay = index.overlay
    if overlay is None or not _any_within(overlay, lat, lon, radius_m):
        return hits
    hits += _nearby(overlay, lat, lon, at, limit, radius_m, filters)
    return sorted(hits, key=lambda hit: hit.distance_m)[:limit]


def _any_within(index: StationIndex, lat: float, lon: float, radius_m: float) -> bool:
    """Whether any station of `index` lies within reach (one cheap look at a small tree)."""
    if not len(index):
        return False
    bound = geo.chord_for(radius_m) * (1 + 1e-12)
    chord, _row = index.tree.query(geo.unit_vector(lat, lon), k=1, distance_upper_bound=bound)
    return bool(np.isfinite(chord))


def _nearby(index, lat, lon, at, limit, radius_m, filters: Filters) -> list[Hit]:
    count = len(index)
    if not count or limit < 1:
        return []
    need = _mask(filters.facilities, index.facility_bits)
    asked = bool(filters.kind or need or filters.h24 or filters.open)
    filtered = asked or index.dead is not None
    minute = int(at.timestamp()) // 60
    point, bound = geo.unit_vector(lat, lon), geo.chord_for(radius_m) * (1 + 1e-12)
    # rows a patch replaced are few: a little more than `limit` nearly always covers them
    k = min(count, limit * 4 if asked else limit + 8 if filtered else limit)
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
        asked = filters.facilities
        own = index.own(row) if asked else _NONE
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
