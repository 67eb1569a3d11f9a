"""The map's viewport over the station index: the stations in a box that pass the filters,
and grid clusters of them when there are more than a map view can show. Plain module."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from .. import hours
from .availability import need_status
from .index import Filters, StationIndex, _mask, _own_rows, _row_status, _static_ok


@dataclass
class Cluster:
    lat: float
    lon: float
    count: int


def in_view(index: StationIndex, bbox, filters: Filters, at: datetime) -> np.ndarray:
    """Rows inside `bbox` (min_lon, min_lat, max_lon, max_lat) that pass `filters`."""
    min_lon, min_lat, max_lon, max_lat = bbox
    inside = (index.lon >= min_lon) & (index.lon <= max_lon)
    inside &= (index.lat >= min_lat) & (index.lat <= max_lat)
    rows = np.flatnonzero(inside)
    need = _mask(filters.facilities, index.facility_bits)
    rows = rows[_static_ok(index, rows, filters, need)]
    if filters.open in ("now", "arrival"):
        rows = rows[_open_mask(index, rows, at, filters.facilities, need)]
    elif filters.open == "closed":
        rows = rows[~_open_mask(index, rows, at, filters.facilities, need)]
    return rows


def _open_mask(index: StationIndex, rows: np.ndarray, at: datetime, asked, need) -> np.ndarray:
    """Open at `at`; with facilities asked, those facilities available (their own hours)."""
    minute = at.replace(second=0, microsecond=0)
    per_hours = np.array(
        [hours.evaluate(s, minute).state is hours.State.OPEN for s in index.hours_strings],
        bool,
    )
    closed_until = index.closed_until[rows]
    reopened = ~np.isnan(closed_until) & (closed_until <= minute.timestamp())
    result = per_hours[index.hours_id[rows]] & (np.isnan(closed_until) | reopened)
    whole = int(minute.timestamp()) // 60
    for i in _own_rows(index, rows, need).tolist():
        row = rows[i]
        station = _row_status(index.hours_strings[index.hours_id[row]], closed_until[i], whole)
        status = need_status(station, index.own(row), asked, whole)
        result[i] = status.state is hours.State.OPEN
    return result


@dataclass
class Selection:
    """What a viewport shows, over every layer of a patched index."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def select(index: StationIndex, bbox, filters: Filters, at: datetime) -> Selection:
    parts = [(part, in_view(part, bbox, filters, at)) for part in index.layers()]
    return Selection(
        np.concatenate([part.ids[rows] for part, rows in parts]),
        np.concatenate([part.lat[rows] for part, rows in parts]),
        np.concatenate([part.lon[rows] for part, rows in parts]),
    )


def clusters(index: StationIndex, rows: np.ndarray, zoom: int, most: int) -> list[Cluster]:
    """Grid clusters of `rows`, about 60 px apart at `zoom`, at most `most` of them."""
    return grid_clusters(index.lat[rows], index.lon[rows], zoom, most)


def grid_clusters(lat: np.ndarray, lon: np.ndarray, zoom: int, most: int) -> list[Cluster]:
    cell = 360 / (2 ** max(zoom, 0)) / 4
    while True:
        keys = np.floor(lon / cell).astype(np.int64) * 1_000_003 + np.floor(lat / cell).astype(
            np.int64
        )
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        if len(counts) <= most:
            break
        cell *= 2
    mean_lat = np.bincount(inverse, weights=lat) / counts
    mean_lon = np.bincount(inverse, weights=lon) / counts
    return [
        Cluster(float(a), float(b), int(c))
        for a, b, c in zip(mean_lat, mean_lon, counts, strict=True)
    ]
