"""Feedback figures: how satisfied people are, what breaks, how fast it is fixed.

Read from `feedback` through its time index (feedback arrives at a small fraction of visits).
Items rejected as spam never count. Ages and resolution times are in hours.
"""

from __future__ import annotations

import statistics
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Interval, case, func, literal, select

from ..extensions import db
from ..models import Facility, Feedback, FeedbackCategory, FeedbackStatus, Station
from .model import AGE_BUCKETS, FaultRow, FeedbackFigures, OpenProblem, Scope
from .periods import Period, months_in
from .rollups import local_day_hour
from .visits import TOP, station_conditions

FAULT_LIKE = (
    FeedbackCategory.FACILITY_FAULT,
    FeedbackCategory.MISSING_FACILITY,
    FeedbackCategory.CLOSED_WHEN_OPEN,
    FeedbackCategory.CLEANLINESS,
    FeedbackCategory.HOURS_WRONG,
)
OPEN = (FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED)
DAILY_UP_TO = 62  # longer periods show the trend by month


def needs_action():
    """A report, or a comment that is not praise; a bare star rating only counts towards the
    rating, and thanks need no action."""
    return Feedback.category.in_(FAULT_LIKE) | (
        (Feedback.comment != "") & (Feedback.category != FeedbackCategory.PRAISE)
    )


def conditions(scope: Scope, period: Period | None = None) -> list:
    start, end = (period or scope.period).utc_bounds()
    found = [
        Feedback.created_at >= start,
        Feedback.created_at < end,
        Feedback.status != FeedbackStatus.REJECTED,
        Feedback.station_id.in_(select(Station.id).where(*station_conditions(scope))),
    ]
    if scope.visitor_group:
        found.append(Feedback.visitor_group == scope.visitor_group)
    return found


def headline(scope: Scope, period: Period | None = None) -> tuple[int, int, float | None]:
    """(count, rated, average rating) for the period."""
    count, rated, average = db.session.execute(
        select(
            func.count(Feedback.id), func.count(Feedback.rating), func.avg(Feedback.rating)
        ).where(*conditions(scope, period))
    ).one()
    return count, rated, _rounded(average)


def _rounded(value, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _by_category(scope: Scope) -> dict[str, int]:
    rows = db.session.execute(
        select(Feedback.category, func.count())
        .where(*conditions(scope))
        .group_by(Feedback.category)
    )
    found = {category.value: count for category, count in rows}
    return {category.value: found.get(category.value, 0) for category in FeedbackCategory}


def _trend(scope: Scope) -> tuple[list[tuple[date, int, float | None]], str]:
    dialect = db.session.get_bind().dialect.name
    day, _hour = local_day_hour(Feedback.created_at, dialect)
    rows = db.session.execute(
        select(day, func.count(Feedback.id), func.sum(Feedback.rating), func.count(Feedback.rating))
        .where(*conditions(scope))
        .group_by(day)
    )
    period = scope.period
    monthly = period.days > DAILY_UP_TO
    keys = (
        months_in(period)
        if monthly
        else [period.start + timedelta(days=n) for n in range(period.days)]
    )
    sums = {key: [0, 0, 0] for key in keys}
    for when, count, rating_sum, rated in rows:
        bucket = sums[when.replace(day=1) if monthly else when]
        bucket[0] += count
        bucket[1] += rating_sum or 0
        bucket[2] += rated
    trend = [(key, c, round(s / r, 2) if r else None) for key, (c, s, r) in sums.items()]
    return trend, "month" if monthly else "day"


def _top_faults(scope: Scope, lang: str) -> list[FaultRow]:
    count = func.count(Feedback.id)
    rows = db.session.execute(
        select(Station, Facility, count)
        .join(Station, Station.id == Feedback.station_id)
        .outerjoin(Facility, Facility.id == Feedback.facility_id)
        .where(*conditions(scope), Feedback.category == FeedbackCategory.FACILITY_FAULT)
        .group_by(Station.id, Facility.id)
        .order_by(count.desc(), Station.code)
        .limit(10)
    )
    return [
        FaultRow(s.code, s.name(lang), f.code if f else "", f.name(lang) if f else "", n)
        for s, f, n in rows
    ]


def _open_conditions(scope: Scope) -> list:
    return [
        Feedback.status.in_(OPEN),
        needs_action(),
        Feedback.station_id.in_(select(Station.id).where(*station_conditions(scope))),
    ]


def _open(scope: Scope, lang: str, now: datetime) -> tuple[int, dict[str, int], list]:
    """Problems needing action now, whenever they were reported: count, by age, oldest."""
    edges = [now - timedelta(days=d) for d in (1, 3, 7)]
    bucket = case(
        (Feedback.created_at >= edges[0], 0),
        (Feedback.created_at >= edges[1], 1),
        (Feedback.created_at >= edges[2], 2),
        else_=3,
    )
    rows = db.session.execute(
        select(bucket, func.count()).where(*_open_conditions(scope)).group_by(bucket)
    )
    by_age = dict.fromkeys(AGE_BUCKETS, 0)
    for index, count in rows:
        by_age[AGE_BUCKETS[index]] = count
    oldest = db.session.scalars(
        select(Feedback)
        .where(*_open_conditions(scope))
        .order_by(Feedback.created_at, Feedback.id)
        .limit(TOP)
    )
    problems = [
        OpenProblem(
            item.id,
            item.station.code,
            item.station.name(lang),
            item.category.value,
            item.facility.name(lang) if item.facility else "",
            item.created_at,
            round((now - item.created_at).total_seconds() / 86400, 1),
        )
        for item in oldest
    ]
    return sum(by_age.values()), by_age, problems


def _hours(rows) -> list[float]:
    return [(done - made).total_seconds() / 3600 for made, done in rows if done >= made]


def resolution_hours(scope: Scope, station_ids=None) -> list[tuple[int, float]]:
    """(station id, hours from report to resolution) of the period's resolved fault reports."""
    query = select(Feedback.station_id, Feedback.created_at, Feedback.resolved_at).where(
        *conditions(scope),
        Feedback.category.in_(FAULT_LIKE),
        Feedback.resolved_at.is_not(None),
    )
    if station_ids is not None:
        query = query.where(Feedback.station_id.in_(station_ids))
    out = []
    for station_id, made, done in db.session.execute(query):
        hours = _hours([(_aware(made), _aware(done))])
        out.extend((station_id, h) for h in hours)
    return out


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def percentile(values: list[float], share: float) -> float | None:
    """The `share` quantile (inclusive method); None without values."""
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[round(share * 100) - 1], 1) if share < 1 else round(max(values), 1)


def _a_day_after(column, dialect: str):
    if dialect == "postgresql":  # typed as an interval, not as the column's UTC datetime
        return column + literal(timedelta(hours=24), Interval())
    return func.datetime(column, "+24 hours")  # SQLite keeps UTC as ISO text


def _answered(scope: Scope) -> tuple[int, int]:
    """(items needing an answer created in the period, of those answered within 24 h): the
    first answer is the earlier of the operator's reply and the resolution."""
    replied, resolved = Feedback.replied_at, Feedback.resolved_at
    first = case(
        (replied.is_(None), resolved),
        (resolved.is_(None), replied),
        (replied < resolved, replied),
        else_=resolved,
    )
    limit = _a_day_after(Feedback.created_at, db.session.get_bind().dialect.name)
    in_time = case((first <= limit, 1), else_=0)
    needing, answered = db.session.execute(
        select(func.count(Feedback.id), func.coalesce(func.sum(in_time), 0)).where(
            *conditions(scope), needs_action()
        )
    ).one()
    return needing, answered


def feedback_figures(scope: Scope, lang: str, now: datetime) -> FeedbackFigures:
    count, rated, average = headline(scope)
    trend, grain = _trend(scope)
    open_count, by_age, problems = _open(scope, lang, now)
    hours = [h for _station, h in resolution_hours(scope)]
    needing, answered = _answered(scope)
    return FeedbackFigures(
        count=count,
        rated=rated,
        average=average,
        by_category=_by_category(scope),
        trend=trend,
        trend_grain=grain,
        top_faults=_top_faults(scope, lang),
        open_count=open_count,
        open_by_age=by_age,
        open_problems=problems,
        resolved=len(hours),
        resolve_median_h=percentile(hours, 0.5),
        resolve_p90_h=percentile(hours, 0.9),
        needing_answer=needing,
        answered_24h=answered,
        answered_24h_share=answered / needing if needing else None,
    )
