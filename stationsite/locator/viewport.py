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


MAX_LEVEL = 16  # the finest grid: cells of 360 / 2**16 degrees (about 600 m)
SHIFT = 20  # key = column << SHIFT | row


@dataclass
class Grids:
    """Stations counted per grid cell at every level (cells of 360 / 2**level degrees), with
    the sum of their positions, so a zoomed-out map's clusters never scan every station; and
    the rows in order of longitude, so a zoomed-in map reads only its own band.

    All levels sit in flat arrays, level L at `starts[L]:starts[L + 1]`, keys sorted."""

    keys: np.ndarray
    counts: np.ndarray
    sum_lat: np.ndarray
    sum_lon: np.ndarray
    starts: np.ndarray
    by_lon: np.ndarray  # rows sorted by longitude
    lon_sorted: np.ndarray

    NAMES = ("keys", "counts", "sum_lat", "sum_lon", "starts", "by_lon", "lon_sorted")


def cell_keys(lat: np.ndarray, lon: np.ndarray, level: int) -> np.ndarray:
    cell = 360.0 / 2**level
    column = np.floor((np.asarray(lon) + 180.0) / cell).astype(np.int64)
    row = np.floor((np.asarray(lat) + 90.0) / cell).astype(np.int64)
    return (column << SHIFT) | row


def build_grids(lat: np.ndarray, lon: np.ndarray) -> Grids:
    """Every level from the finest up: each coarser level sums four cells of the one below."""
    lat, lon = np.asarray(lat, float), np.asarray(lon, float)
    keys, inverse, counts = np.unique(
        cell_keys(lat, lon, MAX_LEVEL), return_inverse=True, return_counts=True
    )
    sum_lat = np.bincount(inverse, weights=lat, minlength=len(keys))
    sum_lon = np.bincount(inverse, weights=lon, minlength=len(keys))
    levels = [(keys, counts, sum_lat, sum_lon)]
    for _level in range(MAX_LEVEL - 1, -1, -1):
        keys, counts, sum_lat, sum_lon = levels[-1]
        parents = ((keys >> SHIFT) >> 1 << SHIFT) | ((keys & ((1 << SHIFT) - 1)) >> 1)
        up, inverse = np.unique(parents, return_inverse=True)
        levels.append(
            (
                up,
                np.bincount(inverse, weights=counts, minlength=len(up)).astype(np.int64),
                np.bincount(inverse, weights=sum_lat, minlength=len(up)),
                np.bincount(inverse, weights=sum_lon, minlength=len(up)),
            )
        )
    levels.reverse()  # level 0 first
    starts = np.cumsum([0] + [len(level[0]) for level in levels]).astype(np.int64)
    by_lon = np.argsort(lon, kind="stable").astype(np.int64)
    return Grids(
        np.concatenate([level[0] for level in levels]),
        np.concatenate([level[1] for level in levels]).astype(np.int64),
        np.concatenate([level[2] for level in levels]),
        np.concatenate([level[3] for level in levels]),
        starts,
        by_lon,
        lon[by_lon],
    )


def _band(index: StationIndex, min_lon: float, max_lon: float) -> np.ndarray | None:
    """Rows whose longitude lies in the band, when the index keeps them sorted."""
    grids = index.grids
    if not isinstance(grids, Grids):
        return None
    low = np.searchsorted(grids.lon_sorted, min_lon, "left")
    high = np.searchsorted(grids.lon_sorted, max_lon, "right")
    return np.asarray(grids.by_lon[low:high])


def in_view(index: StationIndex, bbox, filters: Filters, at: datetime) -> np.ndarray:
    """Rows inside `bbox` (min_lon, min_lat, max_lon, max_lat) that pass `filters`."""
    min_lon, min_lat, max_lon, max_lat = bbox
    band = _band(index, min_lon, max_lon)
    if band is None:
        inside = (index.lon >= min_lon) & (index.lon <= max_lon)
        inside &= (index.lat >= min_lat) & (index.lat <= max_lat)
        rows = np.flatnonzero(inside)
    else:
        lat = index.lat[band]
        rows = np.sort(band[(lat >= min_lat) & (lat <= max_lat)])
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


def plain(filters: Filters) -> bool:
    return not (filters.kind or filters.facilities or filters.open or filters.h24)


def grid_view(index: StationIndex, bbox, zoom: int, most: int) -> tuple[list[Cluster], int] | None:
    """Clusters for an unfiltered view from the precomputed grids (their cells whose centre
    of mass lies in the box), patched stations counted in; None when the view holds no more
    than `most` stations (then the stations themselves are shown) or there are no grids."""
    grids = index.grids
    if not isinstance(grids, Grids):
        return None
    level = max(0, min(zoom + 2, MAX_LEVEL))  # cells about 60 px apart, as clusters() makes
    cells = _cells(index, grids, level, bbox)
    total = int(cells[1].sum())
    if total <= most:
        return None
    while len(cells[0]) > most and level > 0:
        level -= 1
        cells = _cells(index, grids, level, bbox)
    _keys, counts, sum_lat, sum_lon = cells
    total = int(counts.sum())  # as the clusters count them (at the edge, cells vary by size)
    return [
        Cluster(float(a), float(b), int(c))
        for a, b, c in zip(sum_lat / counts, sum_lon / counts, counts, strict=True)
    ], total


def _cells(index: StationIndex, grids: Grids, level: int, bbox):
    min_lon, min_lat, max_lon, max_lat = bbox
    start, end = int(grids.starts[level]), int(grids.starts[level + 1])
    keys = grids.keys[start:end]
    cell = 360.0 / 2**level
    first = int(np.floor((min_lon + 180.0) / cell)) << SHIFT
    last = (int(np.floor((max_lon + 180.0) / cell)) + 1) << SHIFT
    low, high = start + np.searchsorted(keys, first), start + np.searchsorted(keys, last)
    keys = np.asarray(grids.keys[low:high])
    counts = np.asarray(grids.counts[low:high])
    sum_lat, sum_lon = np.asarray(grids.sum_lat[low:high]), np.asarray(grids.sum_lon[low:high])
    patch = _patch(index, level)
    if patch is not None:
        keys = np.concatenate([keys, patch[0]])
        counts = np.concatenate([counts, patch[1]])
        sum_lat = np.concatenate([sum_lat, patch[2]])
        sum_lon = np.concatenate([sum_lon, patch[3]])
        keys, inverse = np.unique(keys, return_inverse=True)
        counts = np.bincount(inverse, weights=counts).astype(np.int64)
        sum_lat = np.bincount(inverse, weights=sum_lat)
        sum_lon = np.bincount(inverse, weights=sum_lon)
    alive = counts > 0
    keys, counts, sum_lat, sum_lon = keys[alive], counts[alive], sum_lat[alive], sum_lon[alive]
    lat, lon = sum_lat / np.maximum(counts, 1), sum_lon / np.maximum(counts, 1)
    inside = (lat >= min_lat) & (lat <= max_lat) & (lon >= min_lon) & (lon <= max_lon)
    return keys[inside], counts[inside], sum_lat[inside], sum_lon[inside]


def _patch(index: StationIndex, level: int):
    """The overlay's stations counted in and the rows they replace counted out, by cell."""
    if index.overlay is None:
        return None
    dead = index.dead_rows if index.dead_rows is not None else np.empty(0, np.int64)
    lat = np.concatenate([index.lat[dead], index.overlay.lat])
    lon = np.concatenate([index.lon[dead], index.overlay.lon])
    sign = np.concatenate([-np.ones(len(dead)), np.ones(len(index.overlay))])
    return cell_keys(lat, lon, level), sign, lat * sign, lon * sign
