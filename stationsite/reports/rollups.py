"""Visit rollups: kept current as visits arrive, rebuilt exactly from the raw rows.

Four tables (see the models): per station, China-time day and hour, visitor group and
source; the same summed by district and station kind (and everywhere); and both of those per
whole month and year.
Every change to `visit` goes through `count_visits`, in the same transaction as the visit, as
an atomic "add to the counter" upsert, so concurrent check-ins never lose a count.
China has kept UTC+8 all year since 1991, so the SQL rebuild shifts by eight hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Date,
    case,
    cast,
    delete,
    except_,
    func,
    insert,
    literal,
    select,
    type_coerce,
)
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import (
    Station,
    StationKind,
    Visit,
    VisitorGroup,
    VisitRollup,
    VisitRollupArea,
    VisitRollupAreaPeriod,
    VisitRollupPeriod,
    VisitSource,
)
from .periods import CHINA

EVERYWHERE = "*"  # the district key of the rows that sum every district


@dataclass(frozen=True)
class Counted:
    """One change to the counters: `visits` (negative to take back) at a station."""

    station_id: int
    district: str
    kind: StationKind
    at: datetime
    visitor_group: VisitorGroup
    source: VisitSource
    visits: int


def _upsert(model, keys: dict, amounts: dict) -> None:
    dialect = db.session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(model).values(**keys, **amounts)
    statement = statement.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: getattr(model, name) + statement.excluded[name] for name in amounts},
    )
    db.session.execute(statement)


def count_visits(change: Counted) -> None:
    local = change.at.astimezone(CHINA)
    day, hour = local.date(), local.hour
    group, source, n = change.visitor_group, change.source, change.visits
    _upsert(
        VisitRollup,
        {
            "station_id": change.station_id,
            "day": day,
            "hour": hour,
            "visitor_group": group,
            "source": source,
        },
        {"visits": n},
    )
    kind = change.kind
    periods = (("month", day.replace(day=1)), ("year", date(day.year, 1, 1)))
    for district in (EVERYWHERE, change.district):
        where = {"district": district, "kind": kind, "visitor_group": group, "source": source}
        _upsert(VisitRollupArea, {**where, "day": day, "hour": hour}, {"visits": n})
        for grain, start in periods:
            _upsert(VisitRollupAreaPeriod, {**where, "grain": grain, "start": start}, {"visits": n})
    checkins = n if source is VisitSource.CHECKIN else 0
    for grain, start in periods:
        _upsert(
            VisitRollupPeriod,
            {"grain": grain, "start": start, "station_id": change.station_id},
            {"visits": n, "checkins": checkins},
        )


def count_visit(visit: Visit, station: Station, sign: int = 1) -> None:
    """Count a stored visit (sign -1: take a deleted one back out)."""
    count_visits(
        Counted(
            station.id,
            station.district,
            station.kind,
            visit.visited_at,
            visit.visitor_group,
            visit.source,
            sign * visit.count,
        )
    )


# --- rebuilding from the raw rows --------------------------------------------------------


def local_day_hour(column, dialect: str):
    """(China day, China hour) of a UTC timestamp column, in SQL."""
    if dialect == "postgresql":
        shifted = func.timezone("Asia/Shanghai", column)
        return cast(shifted, Date), cast(func.extract("hour", shifted), db.Integer)
    day = type_coerce(func.date(column, "+8 hours"), Date)
    return day, cast(func.strftime("%H", column, "+8 hours"), db.Integer)


def local_month(column, dialect: str):
    """The first day of the China-time month of a UTC timestamp column, in SQL."""
    day, _hour = local_day_hour(column, dialect)
    return _start_of("month", day, dialect)


def _start_of(grain: str, column, dialect: str):
    if dialect == "postgresql":
        return cast(func.date_trunc(grain, column), Date)
    modifier = "start of month" if grain == "month" else "start of year"
    return type_coerce(func.date(column, modifier), Date)


def raw_totals():
    """The base rollup's rows computed straight from `visit`: the reference it must equal."""
    dialect = db.session.get_bind().dialect.name
    day, hour = local_day_hour(Visit.visited_at, dialect)
    return select(
        Visit.station_id,
        day.label("day"),
        hour.label("hour"),
        Visit.visitor_group,
        Visit.source,
        func.sum(Visit.count).label("visits"),
    ).group_by(Visit.station_id, day, hour, Visit.visitor_group, Visit.source)


def rebuild() -> int:
    """Recompute every rollup from the raw visits; returns how many base rows there are."""
    dialect = db.session.get_bind().dialect.name
    for model in (VisitRollupAreaPeriod, VisitRollupPeriod, VisitRollupArea, VisitRollup):
        db.session.execute(delete(model))
    columns = ["station_id", "day", "hour", "visitor_group", "source", "visits"]
    db.session.execute(insert(VisitRollup).from_select(columns, raw_totals()))
    base = VisitRollup
    keys = (base.day, base.hour, Station.kind, base.visitor_group, base.source)
    for district, grouped in (
        (literal(EVERYWHERE), keys),
        (Station.district, (Station.district, *keys)),
    ):
        by_area = (
            select(district, *keys, func.sum(base.visits))
            .join(Station, Station.id == base.station_id)
            .group_by(*grouped)
        )
        columns = ["district", "day", "hour", "kind", "visitor_group", "source", "visits"]
        db.session.execute(insert(VisitRollupArea).from_select(columns, by_area))
    area = VisitRollupArea
    area_keys = (area.district, area.kind, area.visitor_group, area.source)
    for grain in ("month", "year"):
        start = _start_of(grain, area.day, dialect)
        by_period = select(literal(grain), start, *area_keys, func.sum(area.visits)).group_by(
            start, *area_keys
        )
        columns = ["grain", "start", "district", "kind", "visitor_group", "source", "visits"]
        db.session.execute(insert(VisitRollupAreaPeriod).from_select(columns, by_period))
    checkins = case((base.source == VisitSource.CHECKIN, base.visits), else_=0)
    for grain in ("month", "year"):
        start = _start_of(grain, base.day, dialect)
        per_station = select(
            literal(grain), start, base.station_id, func.sum(base.visits), func.sum(checkins)
        ).group_by(start, base.station_id)
        db.session.execute(
            insert(VisitRollupPeriod).from_select(
                ["grain", "start", "station_id", "visits", "checkins"], per_station
            )
        )
    return db.session.scalar(select(func.count()).select_from(VisitRollup)) or 0


def differences(limit: int = 20) -> list[str]:
    """Where the rollups disagree with the raw visits (an empty list: they agree exactly).

    Compared inside the database (EXCEPT both ways), so it also runs over millions of rows;
    only the first `limit` differing rows come back.
    """
    base = VisitRollup
    kept = select(
        base.station_id, base.day, base.hour, base.visitor_group, base.source, base.visits
    ).where(base.visits != 0)
    raw = raw_totals()
    problems = []
    for name, one, other in (("raw visits", raw, kept), ("rollup", kept, raw)):
        rows = db.session.execute(except_(one, other).limit(limit)).all()
        problems += [f"only in the {name}: {tuple(row)}" for row in rows]
    problems += _derived_differences()
    return problems[:limit]


def _derived_differences() -> list[str]:
    base = db.session.scalar(select(func.coalesce(func.sum(VisitRollup.visits), 0)))
    area = VisitRollupArea
    everywhere = area.district == EVERYWHERE
    out = []
    for name, which in (("national", everywhere), ("district", ~everywhere)):
        total = db.session.scalar(select(func.coalesce(func.sum(area.visits), 0)).where(which))
        if total != base:
            out.append(f"{name} total {total} != station total {base}")
    for grain in ("month", "year"):
        total = db.session.scalar(
            select(func.coalesce(func.sum(VisitRollupPeriod.visits), 0)).where(
                VisitRollupPeriod.grain == grain
            )
        )
        if total != base:
            out.append(f"{grain} total {total} != station total {base}")
    return out + _area_period_differences()


def _area_period_differences(limit: int = 20) -> list[str]:
    """Where the month and year district rollup disagrees with the day rollup it sums."""
    dialect = db.session.get_bind().dialect.name
    area, summed = VisitRollupArea, VisitRollupAreaPeriod
    keys = (area.district, area.kind, area.visitor_group, area.source)
    out = []
    for grain in ("month", "year"):
        start = _start_of(grain, area.day, dialect)
        from_days = (
            select(start, *keys, func.sum(area.visits))
            .group_by(start, *keys)
            .having(func.sum(area.visits) != 0)
        )
        kept = select(
            summed.start,
            summed.district,
            summed.kind,
            summed.visitor_group,
            summed.source,
            summed.visits,
        ).where(summed.grain == grain, summed.visits != 0)
        for name, one, other in (("day", from_days, kept), (grain, kept, from_days)):
            rows = db.session.execute(except_(one, other).limit(limit)).all()
            out += [f"only in the {name} district rollup: {tuple(row)}" for row in rows]
    return out
