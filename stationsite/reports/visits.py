"""Visit figures (服务人次) for a scope, read from the rollups only.

A national or district scope reads the district rollups (by day and hour, and by whole month
and year); one station or an operator's stations read the per-station rollup. Totals over long
periods add whole years and months from the month and year rollups to the leftover days from
the day rollups.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import (
    Column,
    Index,
    Integer,
    MetaData,
    Table,
    case,
    exists,
    func,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateTable, DropTable

from ..extensions import db
from ..models import (
    Station,
    StationStatus,
    VisitorGroup,
    VisitRollup,
    VisitRollupArea,
    VisitRollupAreaPeriod,
    VisitRollupPeriod,
    VisitSource,
)
from .model import Scope, StationVisits, VisitFigures
from .periods import Period, months_in, split
from .rollups import EVERYWHERE

TOP = 20
BUSIEST = 50  # the busiest stations read with the figures: the top list, the model stations
MAP_MOST = 500  # stations drawn on the map of use (read on their own: map_points)

# What a station list shows, read as plain columns: building Station objects for the 500
# busiest stations cost more than the queries that choose them.
LISTED = (
    Station.id,
    Station.code,
    Station.name_zh,
    Station.name_en,
    Station.district,
    Station.kind,
    Station.lat,
    Station.lon,
)


def listed_name(row, lang: str) -> str:
    """Station.name for a row of LISTED columns."""
    return row.name_en if lang.startswith("en") and row.name_en else row.name_zh


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


def has_district(district: str, station_ids=None) -> bool:
    """Whether any station (of `station_ids`, when given) is in `district`."""
    query = select(Station.id).where(Station.district == district)
    if station_ids is not None:
        query = query.where(Station.id.in_(station_ids or (-1,)))
    return db.session.scalar(query.limit(1)) is not None


def is_national(scope: Scope) -> bool:
    return scope.station_ids is None and not scope.district and not scope.station_code


def _by_area(scope: Scope) -> bool:
    """Whether the district rollup answers: a national or district scope, not one station's
    or an operator's."""
    return scope.station_ids is None and not scope.station_code


def _area_conditions(table, scope: Scope, by_district: bool = False) -> list:
    """Which rows of a district rollup the scope reads: its district's (or, `by_district`,
    every district's one by one, not their sum "*"), kind and visitor group."""
    if scope.district:
        conditions = [table.district == scope.district]
    else:
        conditions = [table.district != EVERYWHERE if by_district else table.district == EVERYWHERE]
    if scope.kind:
        conditions.append(table.kind == scope.kind)
    if scope.visitor_group:
        conditions.append(table.visitor_group == scope.visitor_group)
    return conditions


def _area_sums(
    scope: Scope, *keys: str, by_district: bool = False, period: Period | None = None
) -> list[tuple]:
    """Visits over the scope's period (or `period`) summed by the district rollups' `keys`
    columns: whole months and years from the month-and-year rollup (a rolling year as a year,
    minus a month, plus a month), the leftover days from the day rollup."""
    period = period or scope.period
    parts = []
    for first, last in split(period)[2]:
        table = VisitRollupArea
        parts.append(
            select(*(getattr(table, key) for key in keys), table.visits.label("visits")).where(
                table.day.between(first, last), *_area_conditions(table, scope, by_district)
            )
        )
    table = VisitRollupAreaPeriod
    for grain, start, sign in whole_parts(period):
        visits = table.visits if sign > 0 else -table.visits
        parts.append(
            select(*(getattr(table, key) for key in keys), visits.label("visits")).where(
                table.grain == grain,
                table.start == start,
                *_area_conditions(table, scope, by_district),
            )
        )
    combined = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    grouped = [combined.c[key] for key in keys]
    return db.session.execute(
        select(*grouped, func.sum(combined.c.visits)).group_by(*grouped)
    ).all()


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
    """The scope's visits over `period` (a comparison's): a national or district scope reads
    whole months from the month rollup, not every day and hour."""
    if _by_area(scope):
        return sum(visits or 0 for (visits,) in _area_sums(scope, period=period))
    table, conditions = _base(scope, period)
    return db.session.scalar(select(func.coalesce(func.sum(table.visits), 0)).where(*conditions))


def _by_group_source(scope: Scope) -> tuple[dict[str, int], dict[str, int]]:
    if _by_area(scope):
        rows = _area_sums(scope, "visitor_group", "source")
    else:
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


def _by_day_and_heat(scope: Scope) -> tuple[list[tuple[date, int]], list[list[int]]]:
    """Visits per day (every day of the period, zeros included), and check-ins by weekday
    (Monday first) and China-time hour (tallies have no time): one pass over the day-and-hour
    rows."""
    table, conditions = _base(scope, scope.period)
    checkins = func.sum(table.visits).filter(table.source == VisitSource.CHECKIN)
    rows = db.session.execute(
        select(table.day, table.hour, func.sum(table.visits), checkins)
        .where(*conditions)
        .group_by(table.day, table.hour)
    )
    found: dict[date, int] = {}
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, visits, checked_in in rows:
        found[day] = found.get(day, 0) + visits
        if checked_in:
            grid[day.weekday()][hour] += checked_in
    days = (scope.period.start + timedelta(days=n) for n in range(scope.period.days))
    return [(day, found.get(day, 0)) for day in days], grid


def _by_month(by_day: list[tuple[date, int]], period: Period) -> list[tuple[date, int]]:
    months = dict.fromkeys(months_in(period), 0)
    for day, visits in by_day:
        months[day.replace(day=1)] += visits
    return list(months.items())


# --- per-station totals -------------------------------------------------------------------


def whole_parts(period: Period) -> list[tuple[str, date, int]]:
    """The period's whole years and months as (grain, start, sign) rows to add up.

    A year mostly inside the period is read as the year minus its other months, so a rolling
    twelve months costs three rows a station (year, minus one month, plus one month), not
    twelve. The months subtracted include those only partly inside; their days inside come
    back from the day rollup (`split`'s day ranges)."""
    years, months, _ranges = split(period)
    parts = [("year", start, 1) for start in years]
    for year in sorted({month.year for month in months}):
        inside = [month for month in months if month.year == year]
        others = [date(year, n, 1) for n in range(1, 13) if date(year, n, 1) not in inside]
        if 1 + len(others) < len(inside):
            parts.append(("year", date(year, 1, 1), 1))
            parts += [("month", month, -1) for month in others]
        else:
            parts += [("month", month, 1) for month in inside]
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
    parts = _station_parts(scope, period or scope.period, ids)
    if len(parts) == 1:  # already one row a station
        whole = parts[0]
        return whole.with_only_columns(
            whole.selected_columns[0].label("station_id"),
            whole.selected_columns[1].label("visits"),
            whole.selected_columns[2].label("checkins"),
        ).subquery()
    station_id, visits, checkins = union_all(*parts).subquery().columns
    return (
        select(
            station_id.label("station_id"),
            func.sum(visits).label("visits"),
            func.sum(checkins).label("checkins"),
        )
        .group_by(station_id)
        .having(func.sum(visits) > 0)
        .subquery()
    )


# The scope's visited stations with their totals, written once per report to a narrow
# temporary table (one per connection) that the busiest, least-used and active passes then
# read (see _fill_kept). Its own MetaData keeps it out of migrations.
KEPT = Table(
    "report_station_totals",
    MetaData(),
    Column("station_id", Integer, primary_key=True),
    Column("visits", Integer, nullable=False),
    Column("checkins", Integer, nullable=False),
    prefixes=["TEMPORARY"],
)
# PostgreSQL fills the same table without its key and adds the key once the rows are in:
# building the index in one sort costs a fraction of maintaining it row by row.
KEPT_UNKEYED = Table(
    KEPT.name,
    MetaData(),
    *(Column(column.name, column.type, nullable=False) for column in KEPT.columns),
    prefixes=["TEMPORARY"],
)
KEPT_KEY = Index(f"{KEPT.name}_station", KEPT_UNKEYED.c.station_id, unique=True)


def _station_parts(scope: Scope, period: Period, ids=None) -> list:
    """Selects of (station_id, visits, checkins), each at most one row a station, whose sum
    is the visits over `period` of the scope's stations (or of `ids`): whole months and years
    from the period rollup, leftover days (or, for a visitor group, every day) from the day
    rollup."""
    if scope.visitor_group:  # the month and year rollups are not kept per visitor group
        ranges = [(period.start, period.end)]
        parts = []
    else:
        ranges = split(period)[2]
        table = VisitRollupPeriod
        parts = [
            select(
                table.station_id,
                table.visits if sign > 0 else -table.visits,
                table.checkins if sign > 0 else -table.checkins,
            ).where(table.grain == grain, table.start == start)
            for grain, start, sign in whole_parts(period)
        ]
    for first, last in ranges:
        day = _day_part(first, last, scope.visitor_group).subquery()
        parts.append(
            select(day.c.station_id, func.sum(day.c.visits), func.sum(day.c.checkins)).group_by(
                day.c.station_id
            )
        )
    only = ids if ids is not None else _scope_stations(scope)
    if only is not None:
        parts = [part.where(part.selected_columns[0].in_(only)) for part in parts]
    return parts


def _fill_kept(connection, parts: list) -> None:
    """The stations with visits, and their totals. One part is inserted as it is (a row a
    station). Several are added up: SQLite adds each to the rows already there (an upsert into
    its B-tree is cheap), PostgreSQL sums them in one hashed GROUP BY (its upserts cost several
    times more)."""
    columns = ["station_id", "visits", "checkins"]
    if len(parts) == 1:
        part = parts[0].subquery()
        visited = select(part).where(list(part.columns)[1] > 0)
        connection.execute(KEPT.insert().from_select(columns, visited))
    elif connection.dialect.name == "postgresql":
        combined = union_all(*parts).subquery()
        station_id, visits, checkins = combined.columns
        summed = (
            select(station_id, func.sum(visits), func.sum(checkins))
            .group_by(station_id)
            .having(func.sum(visits) > 0)
        )
        # Room to hash every station's sum in memory (the default 4 MB spills to disk).
        connection.execute(text("SET LOCAL work_mem = '64MB'"))
        connection.execute(KEPT.insert().from_select(columns, summed))
    else:
        for part in parts:
            _add_to_kept(connection, part)
        connection.execute(KEPT.delete().where(KEPT.c.visits <= 0))


def _add_to_kept(connection, part) -> None:
    make = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = make(KEPT).from_select(["station_id", "visits", "checkins"], part)
    statement = statement.on_conflict_do_update(
        index_elements=["station_id"],
        set_={
            "visits": KEPT.c.visits + statement.excluded.visits,
            "checkins": KEPT.c.checkins + statement.excluded.checkins,
        },
    )
    connection.execute(statement)


@contextmanager
def kept(scope: Scope):
    """The scope's visited stations and their totals, in the KEPT temporary table for the
    block, with an EXISTS that says whether a station had a visit (to correlate with
    Station)."""
    connection = db.session.connection()
    # A table left behind by an interrupted report on this pooled connection goes first.
    connection.execute(DropTable(KEPT, if_exists=True))
    postgres = connection.dialect.name == "postgresql"
    connection.execute(CreateTable(KEPT_UNKEYED if postgres else KEPT))
    _fill_kept(connection, _station_parts(scope, scope.period))
    if postgres:
        KEPT_KEY.create(connection)
    if _scope_stations(scope) is None:  # every station counted: the retired ones go
        retired = select(Station.id).where(Station.status == StationStatus.CLOSED)
        connection.execute(KEPT.delete().where(KEPT.c.station_id.in_(retired)))
    if postgres:
        # A temporary table has no statistics until analysed; without them PostgreSQL hashes
        # every station to find the 20 unvisited ones instead of walking the code index.
        connection.execute(text(f"ANALYZE {KEPT.name}"))
    try:
        yield KEPT, exists().where(KEPT.c.station_id == Station.id)
    finally:
        connection.execute(DropTable(KEPT, if_exists=True))


def _station_visits(row, lang: str) -> StationVisits:
    """`row`: the LISTED columns of a station, with its visits and check-ins."""
    return StationVisits(
        row.code,
        listed_name(row, lang),
        row.district,
        row.kind.value,
        row.visits,
        row.checkins,
        row.lat,
        row.lon,
        row.id,
    )


def _ranked(
    visited, most: bool, limit: int, lang: str, besides: list[StationVisits] | tuple = ()
) -> list[StationVisits]:
    """The most (or least) visited stations of `visited` (ties by code), `besides` left out,
    read for those only: the `limit`-th station's visits bound the candidates, which are set
    apart first (MATERIALIZED), so the join reads their station rows, not every station's."""
    visits = visited.c.visits
    others = [visited.c.station_id.not_in([s.station_id for s in besides])] if besides else []
    bound = db.session.scalar(
        select(visits)
        .where(*others)
        .order_by(visits.desc() if most else visits.asc())
        .offset(limit - 1)
        .limit(1)
    )
    candidates = select(visited).where(*others)
    if bound is not None:
        candidates = candidates.where(visits >= bound if most else visits <= bound)
    chosen = candidates.cte("chosen").prefix_with("MATERIALIZED")
    query = (
        select(*LISTED, chosen.c.visits, chosen.c.checkins)
        .join(chosen, chosen.c.station_id == Station.id)
        .order_by(chosen.c.visits.desc() if most else chosen.c.visits.asc(), Station.code)
        .limit(limit)
    )
    return [_station_visits(row, lang) for row in db.session.execute(query)]


def _least_used(
    scope: Scope, visited, has_visits, lang: str, most_visited: list[StationVisits]
) -> list[StationVisits]:
    """The least visited stations: first those without a single visit, then the fewest, none
    of them in the `most_visited` list (a scope of fewer than 2 × TOP stations would list some
    in both: an operator's 4 stations would each read as most and least used at once)."""
    # NOT EXISTS, not NOT IN: PostgreSQL cannot hash a NOT IN over a large subquery and
    # falls back to rescanning it for every station; NOT EXISTS is an anti-join on both.
    unvisited = (
        select(*LISTED, literal(0).label("visits"), literal(0).label("checkins"))
        .where(*station_conditions(scope), ~has_visits)
        .order_by(Station.code)
        .limit(TOP)
    )
    rows = [_station_visits(row, lang) for row in db.session.execute(unvisited)]
    if len(rows) < TOP:
        rows += _ranked(visited, False, TOP - len(rows), lang, besides=most_visited)
    return rows


def _districts(visited) -> tuple[list[tuple[str, int]], int]:
    """Visits by district (most first), and how many of the scope's stations had a visit."""
    visits = func.sum(visited.c.visits)
    query = (
        select(Station.district, visits, func.count())
        .join(visited, visited.c.station_id == Station.id)
        .group_by(Station.district)
        .order_by(visits.desc(), Station.district)
    )
    rows = db.session.execute(query).all()
    active = sum(stations for _district, _visits, stations in rows)
    return [(district or "—", n) for district, n, _s in rows], active


def _area_districts(scope: Scope, visited) -> tuple[list[tuple[str, int]], int]:
    """_districts for a national or district scope: visits by district from the district
    rollups, and the visited stations counted."""
    rows = [(district, n) for district, n in _area_sums(scope, "district", by_district=True) if n]
    rows.sort(key=lambda row: (-row[1], row[0]))
    active = db.session.scalar(select(func.count()).select_from(visited))
    return [(district or "—", n) for district, n in rows], active


def visit_figures(scope: Scope, lang: str, stations: int) -> tuple[VisitFigures, int]:
    """The scope's visit figures, and how many of its `stations` had a visit."""
    by_group, by_source = _by_group_source(scope)
    by_day, heat = _by_day_and_heat(scope)
    with kept(scope) as (visited, has_visits):
        if _by_area(scope):
            by_district, active = _area_districts(scope, visited)
        else:
            by_district, active = _districts(visited)
        busiest = _ranked(visited, True, BUSIEST, lang)
        least_used = _least_used(scope, visited, has_visits, lang, busiest[:TOP])
    unvisited = stations - active
    figures = VisitFigures(
        total=sum(by_source.values()),
        by_group=by_group,
        by_source=by_source,
        by_day=by_day,
        by_month=_by_month(by_day, scope.period),
        heat=heat,
        by_district=by_district,
        by_station=busiest[:TOP],
        least_used=least_used,
        stations_without_visits=unvisited,
        busiest=busiest,
    )
    return figures, active


def map_points(scope: Scope, lang: str) -> list[StationVisits]:
    """The scope's MAP_MOST busiest stations, most first: the circles of the map of use, which
    loads after the page (views.usage_map_script)."""
    with kept(scope) as (visited, _has_visits):
        return _ranked(visited, True, MAP_MOST, lang)
