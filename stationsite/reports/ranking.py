"""The model-station (示范驿站) table: visits, rating, faults and time to fix side by side.

First the stations are chosen by the sort column (at most MOST), then their other columns are
read for those stations only, so the table costs little even over 200,000 stations.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import func, select

from ..extensions import db
from ..models import Feedback, Station
from .feedback import FAULT_LIKE, conditions, resolution_hours
from .model import RankRow, Scope, StationVisits
from .visits import BUSIEST, LISTED, listed_name, station_conditions, station_totals

SORTS = ("visits", "rating", "faults", "fix")
MOST = BUSIEST  # stations in the table: as many as the visit figures read by visits
MIN_RATINGS = 3  # a single five-star tap does not make a model station

RATING = func.avg(Feedback.rating)
RATINGS = func.count(Feedback.rating)
# every report a fault's time to fix counts (feedback.FAULT_LIKE), not only broken facilities
FAULTS = func.count().filter(Feedback.category.in_(FAULT_LIKE))


def _fix_medians(scope: Scope, ids) -> dict[int, float]:
    hours = defaultdict(list)
    for station_id, value in resolution_hours(scope, ids):
        hours[station_id].append(value)
    return {station_id: round(median(values), 1) for station_id, values in hours.items()}


def _by_feedback(scope: Scope, having, order) -> list[int]:
    query = (
        select(Feedback.station_id)
        .where(*conditions(scope))
        .group_by(Feedback.station_id)
        .having(having)
        .order_by(order.desc(), Feedback.station_id)
        .limit(MOST)
    )
    return list(db.session.scalars(query))


def _by_visits(scope: Scope, busiest: list[StationVisits]) -> tuple[list[int], dict]:
    """The busiest stations, and those already known (id -> StationVisits); when fewer than
    MOST had visits, the unvisited ones follow."""
    known = {station.station_id: station for station in busiest[:MOST]}
    ids = list(known)
    if len(ids) < MOST:
        rest = select(Station.id).where(*station_conditions(scope), Station.id.not_in(ids or [-1]))
        ids += list(db.session.scalars(rest.order_by(Station.code).limit(MOST - len(ids))))
    return ids, known


def _chosen(scope: Scope, sort: str, busiest: list[StationVisits]) -> tuple[list[int], dict, dict]:
    """The stations to show, in order; for "fix" their median hours to fix; the stations the
    visit figures already read. Sorted by a column some stations have no figure in (fewer
    than MIN_RATINGS ratings, no fault, none fixed), those follow the ranked ones, busiest
    first, as a spreadsheet sorts empty cells last: a sort reorders the table, it does not
    hide most of it."""
    fixes: dict[int, float] = {}
    if sort == "rating":
        chosen = _by_feedback(scope, RATINGS >= MIN_RATINGS, RATING)
    elif sort == "faults":
        chosen = _by_feedback(scope, FAULTS > 0, FAULTS)
    elif sort == "fix":
        fixes = _fix_medians(scope, None)
        chosen = sorted(fixes, key=lambda station_id: (fixes[station_id], station_id))[:MOST]
    else:
        chosen = []
    if len(chosen) >= MOST:
        return chosen, fixes, {}
    ids, known = _by_visits(scope, busiest)
    if chosen:
        taken = set(chosen)
        ids = chosen + [i for i in ids if i not in taken][: MOST - len(chosen)]
    return ids, fixes, known


def ranking(
    scope: Scope, lang: str, sort: str = "visits", busiest: list[StationVisits] | None = None
) -> list[RankRow]:
    """At most MOST stations of the scope, best first by `sort` (fix: fastest first).
    `busiest`: the stations already ranked by visits (VisitFigures.busiest), whose names and
    visits are not read again."""
    ids, fixes, known = _chosen(scope, sort, busiest or [])
    if not ids:
        return []
    unknown = [i for i in ids if i not in known]
    stations, visits = {}, {}
    if unknown:
        stations = {
            row.id: row
            for row in db.session.execute(select(*LISTED).where(Station.id.in_(unknown)))
        }
        totals = station_totals(scope, ids=unknown)
        visits = dict(db.session.execute(select(totals.c.station_id, totals.c.visits)).all())
    rated = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(Feedback.station_id, RATING, RATINGS, FAULTS)
            .where(*conditions(scope), Feedback.station_id.in_(ids))
            .group_by(Feedback.station_id)
        )
    }
    fixes = fixes or _fix_medians(scope, ids)
    for i, row in stations.items():  # as the visit figures name a station
        known[i] = StationVisits(
            row.code,
            listed_name(row, lang),
            row.district,
            row.kind.value,
            visits.get(i, 0),
            0,
            station_id=i,
        )
    return [_row(known[i], rated.get(i, (None, 0, 0)), fixes.get(i)) for i in ids if i in known]


def _row(station: StationVisits, rated, fix: float | None) -> RankRow:
    rating, ratings, faults = rated
    return RankRow(
        code=station.code,
        name=station.name,
        district=station.district,
        kind=station.kind,
        visits=station.visits or 0,
        rating=None if rating is None else round(float(rating), 2),
        ratings=ratings or 0,
        faults=faults or 0,
        fix_median_h=fix,
    )
