"""Visit figures (服务人次) for a scope, read from the rollups only.

A national or district scope reads the district rollup (a few thousand rows a year); one
station or an operator's stations read the per-station rollup. Per-station totals over long
periods add whole years and months from the period rollup to the leftover days from the
per-station rollup.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import and_, case, func, or_, select, union_all

from ..extensions import db
from ..models import (
    Station,
    StationStatus,
    VisitorGroup,
    VisitRollup,
    VisitRollupArea,
    VisitRollupPeriod,
    VisitSource,
)
from .model import Scope, StationVisits, VisitFigures
from .periods import Period, months_in, split
from .rollups import EVERYWHERE

TOP = 20
MAP_MOST = 500  # stations drawn on the map of use


def station_conditions(scope: Scope) -> list:
    """Which stations the scope covers (retired ones never count)."""
    conditions = [Station.status != StationStatus.CLOSED]
    if scope.station_ids is not None:
        conditions.append(Station.id.in_(scope.station_ids or (-1,)))
    if scope.district:
        conditions.append(Station.district == scope.district)
    if scope.kind:
        conditions.append(Station.kind == scope.kind)
    if scope.station_code:
        conditions.append(Station.code == scope.station_code)
    return conditions


def is_national(scope: Scope) -> bool:
    return scope.station_ids is None and not scope.district and not scope.station_code


def _by_area(scope: Scope) -> bool:
    """Whether the district rollup answers: a national or district scope, not one station's
    or an operator's."""
    return scope.station_ids is None and not scope.station_code


def _base(scope: Scope, period: Period):
    """(table, conditions) for the day-and-hour rollup that fits the scope."""
    if _by_area(scope):
        table = VisitRollupArea
        conditions = [
            table.district == (scope.district or EVERYWHERE),
            table.day.between(period.start, period.end),
        ]
        if scope.kind:
            conditions.append(table.kind == scope.kind)
    else:
        table = VisitRollup
        stations = select(Station.id).where(*station_conditions(scope))
        conditions = [
            table.day.between(period.start, period.end),
            table.station_id.in_(stations),
        ]
    if scope.visitor_group:
        conditions.append(table.visitor_group == scope.visitor_group)
    return table, conditions


def total(scope: Scope, period: Period) -> int:
    table, conditions = _base(scope, period)
    return db.session.scalar(select(func.coalesce(func.sum(table.visits), 0)).where(*conditions))


def _by_group_source(scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    table, conditions = _base(scope, scope.period)
    rows = db.session.execute(
        select(table.visitor_group, table.source, func.sum(table.visits))
        .where(*conditions)
        .group_by(table.visitor_group, table.source)
    )
    by_group = {group.value: 0 for group in VisitorGroup}
    by_source = {source.value: 0 for source in VisitSource}
    for group, source, visits in rows:
        by_group[group.value] += visits
        by_source[source.value] += visits
    return by_group, by_source


def _by_day(scope: Scope) -> list[tuple[date, int]]:
    table, conditions = _base(scope, scope.period)
    found = dict(
        db.session.execute(
            select(table.day, func.sum(table.visits)).where(*conditions).group_by(table.day)
        ).all()
    )
    days = (scope.period.start + timedelta(days=n) for n in range(scope.period.days))
    return [(day, found.get(day, 0)) for day in days]


def _by_month(by_day: list[tuple[date, int]], period: Period) -> list[tuple[date, int]]:
    months = dict.fromkeys(months_in(period), 0)
    for day, visits in by_day:
        months[day.replace(day=1)] += visits
    return list(months.items())


def _heat(scope: Scope) -> list[list[int]]:
    """Check-ins by weekday (Monday first) and China-time hour; tallies have no time."""
    table, conditions = _base(scope, scope.period)
    rows = db.session.execute(
        select(table.day, table.hour, func.sum(table.visits))
        .where(*conditions, table.source == VisitSource.CHECKIN)
        .group_by(table.day, table.hour)
    )
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, visits in rows:
        grid[day.weekday()][hour] += visits
    return grid


# --- per-station totals -------------------------------------------------------------------


def _parts_from_rollups(period: Period):
    """Selects of (station_id, visits, checkins) that together cover the period exactly."""
    years, months, ranges = split(period)
    grains = [("year", start) for start in years] + [("month", start) for start in months]
    parts = [_day_part(first, last, None) for first, last in ranges]
    if grains:
        table = VisitRollupPeriod
        chosen = or_(*[and_(table.grain == grain, table.start == start) for grain, start in grains])
        parts.append(select(table.station_id, table.visits, table.checkins).where(chosen))
    return parts


def _day_part(first: date, last: date, group: str | None):
    table = VisitRollup
    checkins = case((table.source == VisitSource.CHECKIN, table.visits), else_=0)
    query = select(table.station_id, table.visits, checkins.label("checkins")).where(
        table.day.between(first, last)
    )
    if group:
        query = query.where(table.visitor_group == group)
    return query


def _scope_stations(scope: Scope):
    """The scope's station ids as a subquery, or None when every station counts (then the
    join to Station does the rest)."""
    if is_national(scope) and not scope.kind:
        return None
    return select(Station.id).where(*station_conditions(scope))


def station_totals(scope: Scope, period: Period | None = None, ids=None):
    """A subquery of (station_id, visits, checkins) over the period for every visited
    station of the scope (or of `ids`)."""
    period = period or scope.period
    if scope.visitor_group:  # the month and year rollups are not kept per visitor group
        parts = [_day_part(period.start, period.end, scope.visitor_group)]
    else:
        parts = _parts_from_rollups(period)
    only = ids if ids is not None else _scope_stations(scope)
    if only is not None:
        parts = [part.where(part.selected_columns[0].in_(only)) for part in parts]
    if len(parts) == 1 and not scope.visitor_group and not split(period)[2]:
        # one whole month or year: its rows are already one per station
        whole = parts[0]
        return whole.with_only_columns(
            whole.selected_columns[0].label("station_id"),
            whole.selected_columns[1].label("visits"),
            whole.selected_columns[2].label("checkins"),
        ).subquery()
    combined = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    columns = list(combined.columns)
    return (
        select(
            columns[0].label("station_id"),
            func.sum(columns[1]).label("visits"),
            func.sum(columns[2]).label("checkins"),
        )
        .group_by(columns[0])
        .subquery()
    )


def _station_visits(station: Station, visits: int, checkins: int, lang: str) -> StationVisits:
    return StationVisits(
        station.code,
        station.name(lang),
        station.district,
        station.kind.value,
        visits,
        checkins,
        station.lat,
        station.lon,
    )


def _busiest(scope: Scope, totals, lang: str, limit: int = MAP_MOST) -> list[StationVisits]:
    query = (
        select(Station, totals.c.visits, totals.c.checkins)
        .join(totals, totals.c.station_id == Station.id)
        .where(*station_conditions(scope), totals.c.visits > 0)
        .order_by(totals.c.visits.desc(), Station.code)
        .limit(limit)
    )
    return [_station_visits(s, v, c, lang) for s, v, c in db.session.execute(query)]


def _least_used(scope: Scope, totals, lang: str) -> list[StationVisits]:
    """The least visited stations: first those without a single visit, then the fewest."""
    # An anti-join, not NOT IN: PostgreSQL cannot hash a NOT IN over a large subquery and
    # falls back to rescanning it for every station.
    unvisited = (
        select(Station)
        .outerjoin(totals, totals.c.station_id == Station.id)
        .where(*station_conditions(scope), totals.c.station_id.is_(None))
        .order_by(Station.code)
        .limit(TOP)
    )
    rows = [_station_visits(s, 0, 0, lang) for s in db.session.scalars(unvisited)]
    if len(rows) < TOP:
        fewest = (
            select(Station, totals.c.visits, totals.c.checkins)
            .join(totals, totals.c.station_id == Station.id)
            .where(*station_conditions(scope))
            .order_by(totals.c.visits.asc(), Station.code)
            .limit(TOP - len(rows))
        )
        rows += [_station_visits(s, v, c, lang) for s, v, c in db.session.execute(fewest)]
    return rows


def _districts(scope: Scope, totals) -> tuple[list[tuple[str, int]], int, int]:
    """Visits by district (most first), and how many of the scope's stations had a visit
    and how many had none."""
    visits = func.sum(totals.c.visits)
    query = (
        select(Station.district, visits, func.count(Station.id))
        .join(totals, totals.c.station_id == Station.id)
        .where(*station_conditions(scope), totals.c.visits > 0)
        .group_by(Station.district)
        .order_by(visits.desc(), Station.district)
    )
    rows = db.session.execute(query).all()
    active = sum(stations for _district, _visits, stations in rows)
    everyone = db.session.scalar(select(func.count(Station.id)).where(*station_conditions(scope)))
    return [(district or "—", n) for district, n, _s in rows], active, everyone - active


def visit_figures(scope: Scope, lang: str) -> tuple[VisitFigures, int]:
    """The scope's visit figures, and how many of its stations had a visit."""
    by_group, by_source = _by_group_source(scope)
    by_day = _by_day(scope)
    totals = station_totals(scope)
    by_district, active, unvisited = _districts(scope, totals)
    busiest = _busiest(scope, totals, lang)
    figures = VisitFigures(
        total=sum(by_source.values()),
        by_group=by_group,
        by_source=by_source,
        by_day=by_day,
        by_month=_by_month(by_day, scope.period),
        heat=_heat(scope),
        by_district=by_district,
        by_station=busiest[:TOP],
        least_used=_least_used(scope, totals, lang),
        stations_without_visits=unvisited,
        busiest=busiest,
    )
    return figures, active
