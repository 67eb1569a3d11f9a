"""The model-station (示范驿站) table: visits, rating, faults and time to fix side by side.

First the stations are chosen by the sort column (at most MOST), then their other columns are
read for those stations only, so the table costs little even over 200,000 stations.
"""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import func, select

from ..extensions import db
from ..models import Feedback, FeedbackCategory, Station
from .feedback import conditions, resolution_hours
from .model import RankRow, Scope
from .visits import LISTED, listed_name, station_conditions, station_totals

SORTS = ("visits", "rating", "faults", "fix")
MOST = 50
MIN_RATINGS = 3  # a single five-star tap does not make a model station

RATING = func.avg(Feedback.rating)
RATINGS = func.count(Feedback.rating)
FAULTS = func.count(Feedback.id).filter(Feedback.category == FeedbackCategory.FACILITY_FAULT)


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


def _by_visits(scope: Scope, busiest_codes: list[str]) -> list[int]:
    """The busiest stations; when fewer than MOST had visits, the unvisited ones follow."""
    ids = []
    if busiest_codes:
        found = dict(
            db.session.execute(
                select(Station.code, Station.id).where(Station.code.in_(busiest_codes[:MOST]))
            ).all()
        )
        ids = [found[code] for code in busiest_codes[:MOST] if code in found]
    if len(ids) < MOST:
        rest = select(Station.id).where(*station_conditions(scope), Station.id.not_in(ids or [-1]))
        ids += list(db.session.scalars(rest.order_by(Station.code).limit(MOST - len(ids))))
    return ids


def _chosen(scope: Scope, sort: str, busiest_codes: list[str]) -> tuple[list[int], dict]:
    """The stations to show, in order, and (for "fix") their median hours to fix."""
    if sort == "rating":
        return _by_feedback(scope, RATINGS >= MIN_RATINGS, RATING), {}
    if sort == "faults":
        return _by_feedback(scope, FAULTS > 0, FAULTS), {}
    if sort == "fix":
        fixes = _fix_medians(scope, None)
        return sorted(fixes, key=lambda station_id: (fixes[station_id], station_id))[:MOST], fixes
    return _by_visits(scope, busiest_codes), {}


def ranking(
    scope: Scope, lang: str, sort: str = "visits", busiest_codes: list[str] | None = None
) -> list[RankRow]:
    """At most MOST stations of the scope, best first by `sort` (fix: fastest first).
    `busiest_codes`: the stations already ranked by visits (VisitFigures.busiest)."""
    ids, fixes = _chosen(scope, sort, busiest_codes or [])
    if not ids:
        return []
    stations = {
        row.id: row for row in db.session.execute(select(*LISTED).where(Station.id.in_(ids)))
    }
    totals = station_totals(scope, ids=ids)
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
    return [
        _row(stations[i], visits.get(i, 0), rated.get(i, (None, 0, 0)), fixes.get(i), lang)
        for i in ids
        if i in stations
    ]


def _row(station, visits: int, rated, fix: float | None, lang: str) -> RankRow:
    """`station`: the LISTED columns of a station."""
    rating, ratings, faults = rated
    return RankRow(
        code=station.code,
        name=listed_name(station, lang),
        district=station.district,
        kind=station.kind.value,
        visits=visits or 0,
        rating=None if rating is None else round(float(rating), 2),
        ratings=ratings or 0,
        faults=faults or 0,
        fix_median_h=fix,
    )
