"""Every figure of one report, computed once: the page, exports and CLI render this."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import labels
from ..extensions import db
from ..models import Station, StationStatus
from . import feedback, ranking, visits
from .model import Comparison, CoverageFigures, Report, Scope, StationFigures
from .periods import Period, days_so_far, first_days, today_in_china


def _stations(scope: Scope, now: datetime) -> StationFigures:
    """The scope's stations; `active` is filled in by the visit figures."""
    conditions = visits.station_conditions(scope)
    closed = func.count(Station.id).filter(Station.status == StationStatus.TEMPORARILY_CLOSED)
    verified = func.count(Station.id).filter(Station.last_verified_at >= now - timedelta(days=30))
    built, temporarily_closed, recent = db.session.execute(
        select(func.count(Station.id), closed, verified).where(*conditions)
    ).one()
    return StationFigures(built, 0, temporarily_closed, recent)


def _comparison(scope: Scope, period: Period) -> Comparison:
    count, _rated, average = feedback.headline(scope, period)
    return Comparison(period, visits.total(scope, period), count, average)


def _coverage(scope: Scope) -> CoverageFigures:
    from . import coverage

    districts = None
    if scope.station_ids is not None:
        districts = sorted(
            set(
                db.session.scalars(
                    select(Station.district).where(Station.id.in_(scope.station_ids or (-1,)))
                )
            )
        )
    return coverage.coverage_figures(scope, districts)


def scope_label(scope: Scope, lang: str) -> str:
    parts = []
    if scope.district:
        parts.append(scope.district)
    if scope.kind:
        parts.append(str(labels.KIND.get(scope.kind, scope.kind)))
    if scope.station_code:
        station = db.session.scalar(select(Station).where(Station.code == scope.station_code))
        parts.append(station.name(lang) if station else scope.station_code)
    if scope.visitor_group:
        parts.append(str(labels.VISITOR_GROUP.get(scope.visitor_group, scope.visitor_group)))
    return " · ".join(parts)


def _compared(scope: Scope, now: datetime) -> tuple[Comparison | None, Period, Period, list]:
    """The period's own figures to compare (None: its whole), the periods compared with, and
    what the page says about them. A period still running (this month, on its 4th day) is
    compared over its whole days so far (1–3 December) with the same first days of the
    previous period and of a year before (1–3 November, 1–3 December last year): four days
    against a whole month would read as a fall of nine tenths, and today's own figures are
    not in yet (operators enter their tallies in the evening)."""
    period = scope.period
    previous, year_before = period.previous(), period.year_before()
    today = today_in_china(now)
    days = days_so_far(period, today)
    if days is None:
        return None, previous, year_before, []
    whole = days - 1
    if not whole:  # its first day: nothing whole to compare yet
        note = _(
            "This period began today: it is compared with earlier periods from tomorrow,"
            " over its whole days."
        )
        nothing = Comparison(Period(today, today, "range"), None, None, None)
        return nothing, first_days(previous, 1), first_days(year_before, 1), [note]
    so_far = Period(period.start, today - timedelta(days=1), "range")
    note = _(
        "This period is still running (its figures run to today, %(today)s, so far). Its"
        " first %(days)d whole days (%(start)s to %(end)s) are compared with the first"
        " %(days)d days of the previous period and of the year before.",
        today=today.isoformat(),
        days=whole,
        start=so_far.start.isoformat(),
        end=so_far.end.isoformat(),
    )
    return (
        _comparison(scope, so_far),
        first_days(previous, whole),
        first_days(year_before, whole),
        [note],
    )


def map_figures(scope: Scope, lang: str = "zh") -> tuple[list, CoverageFigures]:
    """What the map of use draws: the scope's busiest stations (visits.MAP_MOST) and the
    cells of rider searches. Read on their own: the map loads after the page."""
    return visits.map_points(scope, lang), _coverage(scope)


def build_report(scope: Scope, lang: str = "zh", sort: str = "visits", now=None) -> Report:
    """All figures for `scope`; `sort` orders the model-station table."""
    now = now or datetime.now(UTC)
    with force_locale("en" if lang == "en" else "zh_Hans_CN"):
        compared, previous, year_before, notes = _compared(scope, now)
        stations = _stations(scope, now)
        visit_figures, stations.active = visits.visit_figures(scope, lang, stations.built)
        return Report(
            scope=scope,
            lang=lang,
            generated_at=now,
            stations=stations,
            visits=visit_figures,
            feedback=feedback.feedback_figures(scope, lang, now),
            ranking=ranking.ranking(
                scope,
                lang,
                sort if sort in ranking.SORTS else "visits",
                visit_figures.busiest,
            ),
            coverage=_coverage(scope),
            previous=_comparison(scope, previous),
            year_before=_comparison(scope, year_before),
            scope_label=scope_label(scope, lang),
            notes=notes,
            compared=compared,
        )
