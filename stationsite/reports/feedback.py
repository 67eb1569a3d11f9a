"""Feedback figures: how satisfied people are, what breaks, how fast it is fixed.

Read from `feedback` through its time index (feedback arrives at a small fraction of visits).
Items rejected as spam never count. Ages and resolution times are in hours.

Items are counted as rows (count(*)), not by their id: the id is not among the columns of
ix_feedback_report and ix_feedback_commented, and naming it makes PostgreSQL visit every
item's row instead of answering from the index alone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Interval, case, func, literal, select

from ..extensions import db
from ..models import Facility, Feedback, FeedbackCategory, FeedbackStatus, Station
from .model import AGE_BUCKETS, FaultRow, FeedbackFigures, OpenProblem, Scope
from .periods import Period, months_in, months_within
from .rollups import local_day_hour, local_month
from .visits import LISTED, TOP, is_national, listed_name, station_conditions

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


def _stations_of(scope: Scope) -> list:
    """Feedback at the scope's stations (nationally: every station's, no subquery)."""
    if is_national(scope) and not scope.kind:
        return []
    return [Feedback.station_id.in_(select(Station.id).where(*station_conditions(scope)))]


def conditions(scope: Scope, period: Period | None = None) -> list:
    start, end = (period or scope.period).utc_bounds()
    found = [
        Feedback.created_at >= start,
        Feedback.created_at < end,
        Feedback.status != FeedbackStatus.REJECTED,
    ]
    found += _stations_of(scope)
    if scope.visitor_group:
        found.append(Feedback.visitor_group == scope.visitor_group)
    return found


def headline(scope: Scope, period: Period | None = None) -> tuple[int, int, float | None]:
    """(count, rated, average rating) for the period."""
    count, rated, average = db.session.execute(
        select(func.count(), func.count(Feedback.rating), func.avg(Feedback.rating)).where(
            *conditions(scope, period)
        )
    ).one()
    return count, rated, _rounded(average)


def _rounded(value, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def _daily(scope: Scope) -> list[tuple[date, str, int, int, int, int, int]]:
    """(China day, or month start for a long period; category; items; sum of ratings;
    ratings; reports needing an answer; of those answered within 24 h): one pass for the
    counts, the categories, the trend and the reports' share answered in time.

    A long period is grouped by China month on PostgreSQL (hashed, a few hundred groups); SQLite
    reads it a month at a time grouped by category alone, since grouping a year of feedback by
    an expression sorts every item, which costs several times the reading."""
    dialect = db.session.get_bind().dialect.name
    reports = Feedback.category.in_(FAULT_LIKE)  # the comments are counted by _commented
    figures = (
        func.count(),
        func.coalesce(func.sum(Feedback.rating), 0),
        func.count(Feedback.rating),
        func.count().filter(reports),
        func.count().filter(reports, _answered_in_time(dialect)),
    )
    period = scope.period
    if period.days <= DAILY_UP_TO or dialect == "postgresql":
        when, _hour = local_day_hour(Feedback.created_at, dialect)
        if period.days > DAILY_UP_TO:  # PostgreSQL: the China-time month's first day
            when = local_month(Feedback.created_at, dialect)
        rows = db.session.execute(
            select(when, Feedback.category, *figures)
            .where(*conditions(scope))
            .group_by(when, Feedback.category)
        )
        return [(start, category.value, *found) for start, category, *found in rows]
    out = []
    for start, month in months_within(period):
        rows = db.session.execute(
            select(Feedback.category, *figures)
            .where(*conditions(scope, month))
            .group_by(Feedback.category)
        )
        out += [(start, category.value, *found) for category, *found in rows]
    return out


def _by_category(daily) -> dict[str, int]:
    found = dict.fromkeys((category.value for category in FeedbackCategory), 0)
    for _day, category, count, *_rest in daily:
        found[category] += count
    return found


def _trend(daily, period: Period) -> tuple[list[tuple[date, int, float | None]], str]:
    monthly = period.days > DAILY_UP_TO
    keys = (
        months_in(period)
        if monthly
        else [period.start + timedelta(days=n) for n in range(period.days)]
    )
    sums = {key: [0, 0, 0] for key in keys}
    for when, _category, count, rating_sum, rated, *_rest in daily:
        bucket = sums[when.replace(day=1) if monthly else when]
        bucket[0] += count
        bucket[1] += rating_sum
        bucket[2] += rated
    trend = [(key, c, round(s / r, 2) if r else None) for key, (c, s, r) in sums.items()]
    return trend, "month" if monthly else "day"


def _top_faults(scope: Scope, lang: str) -> list[FaultRow]:
    """The ten facility × station pairs reported broken most often: counted on the feedback
    table alone, set apart (MATERIALIZED), and only those ten joined to their names."""
    count = func.count().label("count")
    top = (
        select(Feedback.station_id, Feedback.facility_id, count)
        .where(*conditions(scope), Feedback.category == FeedbackCategory.FACILITY_FAULT)
        .group_by(Feedback.station_id, Feedback.facility_id)
        .order_by(count.desc(), Feedback.station_id, Feedback.facility_id)
        .limit(10)
        .cte("top_faults")
        .prefix_with("MATERIALIZED")
    )
    rows = db.session.execute(
        select(
            top.c.count,
            *LISTED,
            Facility.code.label("facility_code"),
            Facility.name_zh.label("facility_zh"),
            Facility.name_en.label("facility_en"),
        )
        .join(Station, Station.id == top.c.station_id)
        .outerjoin(Facility, Facility.id == top.c.facility_id)
        .order_by(top.c.count.desc(), top.c.station_id, top.c.facility_id)
    )
    return [
        FaultRow(
            row.code,
            listed_name(row, lang),
            row.facility_code or "",
            _facility_name(row, lang),
            row.count,
        )
        for row in rows
    ]


def _open_conditions(scope: Scope) -> list:
    return [Feedback.status.in_(OPEN), needs_action(), *_stations_of(scope)]


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
    # The oldest are chosen from ix_feedback_open alone (it holds their ids), set apart, and
    # only their rows read.
    chosen = (
        select(Feedback.id, Feedback.created_at)
        .where(*_open_conditions(scope))
        .order_by(Feedback.created_at, Feedback.id)
        .limit(TOP)
        .cte("oldest")
        .prefix_with("MATERIALIZED")
    )
    oldest = db.session.execute(
        select(
            Feedback.id.label("feedback_id"),
            Feedback.category,
            Feedback.created_at,
            *LISTED,
            Facility.name_zh.label("facility_zh"),
            Facility.name_en.label("facility_en"),
        )
        .join(chosen, chosen.c.id == Feedback.id)
        .join(Station, Station.id == Feedback.station_id)
        .outerjoin(Facility, Facility.id == Feedback.facility_id)
        .order_by(chosen.c.created_at, chosen.c.id)
    )
    problems = [
        OpenProblem(
            row.feedback_id,
            row.code,
            listed_name(row, lang),
            row.category.value,
            _facility_name(row, lang),
            row.created_at,
            round((now - row.created_at).total_seconds() / 86400, 1),
        )
        for row in oldest
    ]
    return sum(by_age.values()), by_age, problems


def _facility_name(row, lang: str) -> str:
    return (row.facility_en if lang.startswith("en") else row.facility_zh) or ""


def _resolved(scope: Scope, station_ids=None) -> list:
    conditions_ = [
        *conditions(scope),
        Feedback.category.in_(FAULT_LIKE),
        Feedback.resolved_at.is_not(None),
        Feedback.resolved_at >= Feedback.created_at,
    ]
    if station_ids is not None:
        conditions_.append(Feedback.station_id.in_(station_ids))
    return conditions_


def _hours_taken(dialect: str):
    """Hours from report to resolution, as a number, in SQL."""
    if dialect == "postgresql":
        return func.extract("epoch", Feedback.resolved_at - Feedback.created_at) / 3600.0
    return (func.julianday(Feedback.resolved_at) - func.julianday(Feedback.created_at)) * 24.0


def resolution_hours(scope: Scope, station_ids=None) -> list[tuple[int, float]]:
    """(station id, hours from report to resolution) of the period's resolved fault reports."""
    taken = _hours_taken(db.session.get_bind().dialect.name)
    query = select(Feedback.station_id, taken).where(*_resolved(scope, station_ids))
    return [(station_id, float(hours)) for station_id, hours in db.session.execute(query)]


def quantile(ordered: list[float], share: float) -> float | None:
    """The `share` quantile of sorted values, linear between neighbours (the inclusive
    method of statistics.quantiles); None without values."""
    if not ordered:
        return None
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (position - low), 1)


def _resolution(scope: Scope) -> tuple[int, float | None, float | None]:
    """How many faults were resolved, and the median and 90th percentile of the hours it took
    (computed and sorted in the database; only the numbers come back)."""
    taken = _hours_taken(db.session.get_bind().dialect.name)
    ordered = [
        float(v) for v in db.session.scalars(select(taken).where(*_resolved(scope)).order_by(taken))
    ]
    return len(ordered), quantile(ordered, 0.5), quantile(ordered, 0.9)


def _a_day_after(column, dialect: str):
    if dialect == "postgresql":  # typed as an interval, not as the column's UTC datetime
        return column + literal(timedelta(hours=24), Interval())
    return func.datetime(column, "+24 hours")  # SQLite keeps UTC as ISO text


def _commented(scope: Scope) -> tuple[int, int]:
    """(comments that need an answer and are not reports, of those answered within 24 h):
    with _daily's reports, every item needs_action() names. Read through the partial index
    of commented feedback, so no comment text is read."""
    dialect = db.session.get_bind().dialect.name
    needing, answered = db.session.execute(
        select(
            func.count(),
            func.count().filter(_answered_in_time(dialect)),
        ).where(
            *conditions(scope),
            Feedback.comment != "",
            Feedback.category.not_in((*FAULT_LIKE, FeedbackCategory.PRAISE)),
        )
    ).one()
    return needing, answered


def _answered_in_time(dialect: str):
    """Whether an item was answered within 24 hours: its first answer is the earlier of the
    operator's reply and the resolution."""
    replied, resolved = Feedback.replied_at, Feedback.resolved_at
    first = case(
        (replied.is_(None), resolved),
        (resolved.is_(None), replied),
        (replied < resolved, replied),
        else_=resolved,
    )
    return first <= _a_day_after(Feedback.created_at, dialect)


def feedback_figures(scope: Scope, lang: str, now: datetime) -> FeedbackFigures:
    daily = _daily(scope)
    count = sum(row[2] for row in daily)
    rated = sum(row[4] for row in daily)
    rating_sum = sum(row[3] for row in daily)
    trend, grain = _trend(daily, scope.period)
    open_count, by_age, problems = _open(scope, lang, now)
    resolved, median_h, p90_h = _resolution(scope)
    needing, answered = _commented(scope)
    needing += sum(row[5] for row in daily)
    answered += sum(row[6] for row in daily)
    return FeedbackFigures(
        count=count,
        rated=rated,
        average=round(rating_sum / rated, 2) if rated else None,
        by_category=_by_category(daily),
        trend=trend,
        trend_grain=grain,
        top_faults=_top_faults(scope, lang),
        open_count=open_count,
        open_by_age=by_age,
        open_problems=problems,
        resolved=resolved,
        resolve_median_h=median_h,
        resolve_p90_h=p90_h,
        needing_answer=needing,
        answered_24h=answered,
        answered_24h_share=answered / needing if needing else None,
    )
