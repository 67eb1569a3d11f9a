"""Where riders looked for a station: anonymous search records and the coverage figures.

Each nearby search is kept as a grid cell of about 500 m, the hour, the filters and the
distance to the nearest suitable station open on arrival; never the position or the client.
Writes are buffered per process and go through their own connection, so a search never waits
for them nor joins the request's transaction.
"""

from __future__ import annotations

import atexit
import logging
import math
import random
import threading
import time
import weakref
from datetime import UTC, datetime, timedelta

import numpy as np
from flask import current_app
from scipy.spatial import cKDTree
from sqlalchemy import func, insert, or_, select

from .. import geo
from ..extensions import db
from ..locator import index as idx
from ..locator.service import current_index
from ..models import Search, Station
from .model import Candidate, Cell, CoverageFigures, Scope
from .periods import CHINA

log = logging.getLogger(__name__)

ROW_DEG = 0.0045  # a row of the grid: about 500 m of latitude
SEARCH_RADIUS_M = 20_000
SERVED_M = 1_000  # served: something suitable within 1 km
WALK_MIN = 15  # the national target: a station within 15 minutes' walk
MIN_CELL = 5  # cells with fewer unserved searches are never shown, so nobody can be followed
MAX_CANDIDATES = 10

# A search waiting to be written: the Search columns, and the station whose district it takes.
Pending = tuple[dict, int | None]


def snap(lat: float, lon: float) -> tuple[str, float, float]:
    """The grid cell of a point: its key "row:col" and its centre (lat, lon)."""
    row = math.floor(lat / ROW_DEG)
    centre_lat = (row + 0.5) * ROW_DEG
    width = ROW_DEG / max(math.cos(math.radians(centre_lat)), 0.01)  # ~500 m wide in every row
    col = math.floor(lon / width)
    return f"{row}:{col}", round(centre_lat, 6), round((col + 0.5) * width, 6)


def _walk_limit_m(minutes: int) -> int:
    """The longest whole number of metres that geo.travel_minutes walks in `minutes`."""
    metres = math.floor(minutes * geo.WALK_M_PER_MIN / geo.ROUTE_FACTOR) + 1
    while geo.travel_minutes(metres, "walk") > minutes:
        metres -= 1
    return metres


WALK15_M = _walk_limit_m(WALK_MIN)


# Recording -------------------------------------------------------------------------------


def _first(index, lat: float, lon: float, at: datetime, filters: idx.Filters | None):
    hits = idx.nearby(index, lat, lon, at, limit=1, radius_m=SEARCH_RADIUS_M, filters=filters)
    return hits[0] if hits else None


def search_row(lat: float, lon: float, filters: idx.Filters, at: datetime, source: str) -> Pending:
    """What is kept of one search; the position goes no further than this function."""
    cell, cell_lat, cell_lon = snap(lat, lon)
    index = current_index()
    wanted = idx.Filters(filters.kind, filters.facilities, open="arrival", mode=filters.mode)
    suitable = _first(index, lat, lon, at, wanted)
    nearest = _first(index, lat, lon, at, None)  # its district: the best guess of the rider's
    values = {
        "cell": cell,
        "cell_lat": cell_lat,
        "cell_lon": cell_lon,
        "hour": at.astimezone(UTC).replace(minute=0, second=0, microsecond=0),
        "kind": filters.kind or "",
        "facilities": ",".join(sorted(filters.facilities))[:255],
        "open_filter": filters.open or "",
        "nearest_m": math.ceil(suitable.distance_m) if suitable else None,
        "source": source,
    }
    return values, nearest.id if nearest else None


def write_searches(connection, pending: list[Pending]) -> None:
    """One Core insert of `pending`, each with the district of its nearest station."""
    ids = {station_id for _values, station_id in pending if station_id is not None}
    query = select(Station.id, Station.district).where(Station.id.in_(ids))
    districts = dict(connection.execute(query).all()) if ids else {}
    rows = [values | {"district": districts.get(sid) or ""} for values, sid in pending]
    connection.execute(insert(Search), rows)


class SearchLog:
    """Searches waiting to be written, for one app in this process; thread-safe. The age of
    the batch is checked as each search arrives; whatever waits at exit is written then."""

    def __init__(self, engine, batch: int, flush_s: float) -> None:
        self.engine, self.batch, self.flush_s = engine, batch, flush_s
        self.lock = threading.Lock()
        self.pending: list[Pending] = []
        self.since = 0.0

    def add(self, item: Pending) -> None:
        with self.lock:
            if not self.pending:
                self.since = time.monotonic()
            self.pending.append(item)
            if len(self.pending) < self.batch and time.monotonic() - self.since < self.flush_s:
                return
            rows, self.pending = self.pending, []
        if self.flush_s <= 0:
            self.write(rows)
        else:  # off the request's thread; not a daemon, so exit waits for it
            threading.Thread(target=self.write, args=(rows,), name="search-log").start()

    def flush(self) -> None:
        with self.lock:
            rows, self.pending = self.pending, []
        if rows:
            self.write(rows)

    def write(self, rows: list[Pending]) -> None:
        try:
            with self.engine.begin() as connection:
                write_searches(connection, rows)
        except Exception:  # planning data must never break a rider's search
            log.warning("could not record %d searches", len(rows), exc_info=True)


_logs: weakref.WeakSet[SearchLog] = weakref.WeakSet()


@atexit.register
def flush_all() -> None:
    for search_log in list(_logs):
        search_log.flush()


def _search_log() -> SearchLog:
    extensions, config = current_app.extensions, current_app.config
    if "search_log" not in extensions:
        fresh = SearchLog(db.engine, config["SEARCH_LOG_BATCH"], config["SEARCH_LOG_FLUSH_S"])
        _logs.add(extensions.setdefault("search_log", fresh))
    return extensions["search_log"]


def record_search(
    lat: float, lon: float, filters: idx.Filters, at: datetime, source: str = "web"
) -> None:
    """Keep one rider search, anonymised, for planning; never raises into the request."""
    try:
        _search_log().add(search_row(lat, lon, filters, at, source))
    except Exception:
        log.warning("search not recorded", exc_info=True)


# Figures ----------------------------------------------------------------------------------

UNSERVED = or_(Search.nearest_m.is_(None), Search.nearest_m > SERVED_M)


def _conditions(scope: Scope, districts: list[str] | None) -> list:
    start, end = scope.period.utc_bounds()
    conditions = [Search.hour >= start, Search.hour < end]
    if scope.district:
        conditions.append(Search.district == scope.district)
    if districts is not None:
        conditions.append(Search.district.in_(districts))
    return conditions


def coverage_figures(scope: Scope, districts: list[str] | None = None) -> CoverageFigures:
    """Searches in the scope's period and district; `districts` confines them further (an
    operator's stations' districts)."""
    conditions = _conditions(scope, districts)
    searches, served_1km, served_walk15 = _totals(conditions)
    cells = _shown_cells(conditions)
    return CoverageFigures(
        searches, served_1km, served_walk15, cells, candidates(cells), _hidden_cells(conditions)
    )


def _totals(conditions: list) -> tuple[int, int, int]:
    query = select(
        func.count(),
        func.count().filter(Search.nearest_m <= SERVED_M),
        func.count().filter(Search.nearest_m <= WALK15_M),
    ).where(*conditions)
    return tuple(db.session.execute(query).one())


def _per_cell(conditions: list):
    return (
        select(
            Search.cell,
            func.min(Search.cell_lat).label("lat"),
            func.min(Search.cell_lon).label("lon"),
            func.count().filter(UNSERVED).label("unserved"),
            func.count().label("total"),
        )
        .where(*conditions)
        .group_by(Search.cell)
        .subquery()
    )


def _shown_cells(conditions: list) -> list[Cell]:
    cells = _per_cell(conditions)
    query = (
        select(cells)
        .where(cells.c.unserved >= MIN_CELL)
        .order_by(cells.c.unserved.desc(), cells.c.total.desc(), cells.c.cell)
    )
    rows = db.session.execute(query).all()
    districts = _cell_districts(conditions, [row.cell for row in rows])
    return [Cell(r.lat, r.lon, r.unserved, r.total, districts.get(r.cell, "")) for r in rows]


def _hidden_cells(conditions: list) -> int:
    cells = _per_cell(conditions)
    query = select(func.count()).select_from(cells)
    return db.session.scalar(query.where(cells.c.unserved.between(1, MIN_CELL - 1))) or 0


def _cell_districts(conditions: list, keys: list[str]) -> dict[str, str]:
    """Each cell's most frequent district (of its searches' nearest stations)."""
    query = (
        select(Search.cell, Search.district)
        .where(*conditions, Search.cell.in_(keys))
        .group_by(Search.cell, Search.district)
        .order_by(func.count().desc(), Search.district)
    )
    found: dict[str, str] = {}
    for cell, district in db.session.execute(query):
        found.setdefault(cell, district)
    return found


def candidates(cells: list[Cell], most: int = MAX_CANDIDATES) -> list[Candidate]:
    """Greedy sites: the cell whose centre lies within 1 km of the most unserved searches,
    then the next best for what is left, and so on. Only shown cells count, so the numbers
    add up with the map and reveal nothing about hidden cells."""
    reach = _within_1km(cells)
    left = {i: cell.searches for i, cell in enumerate(cells)}
    picks: list[Candidate] = []
    while len(picks) < most:
        gains = {i: sum(left[j] for j in reach[i]) for i in reach}
        best = max(reach, key=lambda i: (gains[i], left[i], -i), default=None)
        if best is None or not gains[best]:
            break
        cell = cells[best]
        picks.append(Candidate(cell.lat, cell.lon, cell.district, gains[best]))
        left.update(dict.fromkeys(reach[best], 0))
    return picks


def _within_1km(cells: list[Cell]) -> dict[int, list[int]]:
    """For each cell, the cells whose centres lie within 1 km (a KD-tree on the unit sphere,
    so thousands of cells at national scale stay fast)."""
    if not cells:
        return {}
    points = np.array([geo.unit_vector(cell.lat, cell.lon) for cell in cells])
    near = cKDTree(points).query_ball_point(points, geo.chord_for(SERVED_M) + 1e-12)
    return {i: sorted(found) for i, found in enumerate(near)}


# Demo -------------------------------------------------------------------------------------

DEMO_SEARCHES = 2_000
DEMO_DAYS = 120
# Outer areas where riders search and no demo station is within 1 km.
UNSERVED_AREAS = (
    (30.318, 120.085),  # 三墩
    (30.345, 120.175),  # 康桥
    (30.215, 120.262),  # 钱江世纪城
    (30.285, 120.040),  # 未来科技城
)
# China-time hours: riders search most around meal times.
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 6, 6, 5, 6, 9, 10, 7, 5, 5, 6, 9, 9, 6, 4, 3, 2, 1)
M_PER_DEG = 111_195


def seed_demo_searches(rng: random.Random, now: datetime | None = None) -> int:
    """About two thousand searches of the last 120 days around Hangzhou, recorded as riders'
    searches are; does nothing once any search exists. Returns how many were added."""
    if db.session.scalar(select(Search.id).limit(1)) is not None:
        return 0
    now = now or datetime.now(UTC)
    stations = db.session.execute(select(Station.lat, Station.lon)).all()
    if not stations:
        return 0
    pending = [
        search_row(*_demo_point(rng, stations), _demo_filters(rng), _demo_time(rng, now), "web")
        for _ in range(DEMO_SEARCHES)
    ]
    write_searches(db.session.connection(), pending)
    return len(pending)


def _demo_point(rng: random.Random, stations) -> tuple[float, float]:
    if rng.random() < 0.25:
        (lat, lon), spread = rng.choice(UNSERVED_AREAS), 400
    else:
        (lat, lon), spread = tuple(rng.choice(stations)), 500
    east = M_PER_DEG * math.cos(math.radians(lat))
    return lat + rng.gauss(0, spread) / M_PER_DEG, lon + rng.gauss(0, spread) / east


def _demo_filters(rng: random.Random) -> idx.Filters:
    facility = rng.choice((None,) * 8 + ("hot_water", "microwave", "toilet", "ebike_charging"))
    return idx.Filters(
        kind=rng.choice((None,) * 8 + idx.KINDS),
        facilities=(facility,) if facility else (),
        open=rng.choice((None, None, "arrival", "now")),
        mode=rng.choice(("ebike",) * 4 + ("walk",)),
    )


def _demo_time(rng: random.Random, now: datetime) -> datetime:
    day = (now - timedelta(days=rng.randint(1, DEMO_DAYS))).astimezone(CHINA)
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    return day.replace(hour=hour, minute=rng.randint(0, 59), second=0, microsecond=0)
