"""The model-station (示范驿站) table: visits, rating, faults and time to fix side by side."""

from __future__ import annotations

from collections import defaultdict
from statistics import median

from sqlalchemy import func, select

from ..extensions import db
from ..models import Feedback, FeedbackCategory, Station
from .feedback import conditions, resolution_hours
from .model import RankRow, Scope
from .visits import station_conditions, station_totals

SORTS = ("visits", "rating", "faults", "fix")
MOST = 50
MIN_RATINGS = 3  # a single five-star tap does not make a model station


def _feedback_by_station():
    faults = func.count(Feedback.id).filter(Feedback.category == FeedbackCategory.FACILITY_FAULT)
    return select(
        Feedback.station_id.label("station_id"),
        func.avg(Feedback.rating).label("rating"),
        func.count(Feedback.rating).label("ratings"),
        faults.label("faults"),
    ).group_by(Feedback.station_id)


def _fix_medians(scope: Scope, ids) -> dict[int, float]:
    hours = defaultdict(list)
    for station_id, value in resolution_hours(scope, ids):
        hours[station_id].append(value)
    return {station_id: round(median(values), 1) for station_id, values in hours.items()}


def ranking(scope: Scope, lang: str, sort: str = "visits") -> list[RankRow]:
    """At most MOST stations of the scope, best first by `sort` (fix: fastest first)."""
    totals = station_totals(scope)
    rated = _feedback_by_station().where(*conditions(scope)).subquery()
    visits = func.coalesce(totals.c.visits, 0)
    query = (
        select(Station, visits, rated.c.rating, rated.c.ratings, rated.c.faults)
        .outerjoin(totals, totals.c.station_id == Station.id)
        .outerjoin(rated, rated.c.station_id == Station.id)
        .where(*station_conditions(scope))
    )
    fixes = _fix_medians(scope, None) if sort == "fix" else {}
    if sort == "fix":
        query = query.where(Station.id.in_(fixes or (-1,)))
    elif sort == "rating":
        query = query.where(rated.c.ratings >= MIN_RATINGS).order_by(rated.c.rating.desc())
    elif sort == "faults":
        query = query.where(rated.c.faults > 0).order_by(rated.c.faults.desc())
    query = query.order_by(visits.desc(), Station.code)
    rows = list(db.session.execute(query.limit(None if sort == "fix" else MOST)))
    if sort != "fix":
        fixes = _fix_medians(scope, [row[0].id for row in rows])
    ranked = [_row(row, fixes, lang) for row in rows]
    if sort == "fix":
        ranked = sorted(ranked, key=lambda r: (r.fix_median_h, -r.visits))[:MOST]
    return ranked


def _row(row, fixes: dict[int, float], lang: str) -> RankRow:
    station, visits, rating, ratings, faults = row
    return RankRow(
        code=station.code,
        name=station.name(lang),
        district=station.district,
        kind=station.kind.value,
        visits=visits,
        rating=None if rating is None else round(float(rating), 2),
        ratings=ratings or 0,
        faults=faults or 0,
        fix_median_h=fixes.get(station.id),
    )
