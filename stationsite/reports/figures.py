"""Every figure of one report, computed once: the page, exports and CLI render this."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from .. import labels
from ..extensions import db
from ..models import Station, StationStatus
from . import feedback, ranking, visits
from .model import Comparison, CoverageFigures, Report, Scope, StationFigures
from .periods import Period


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


def build_report(scope: Scope, lang: str = "zh", sort: str = "visits", now=None) -> Report:
    """All figures for `scope`; `sort` orders the model-station table."""
    now = now or datetime.now(UTC)
    with force_locale("en" if lang == "en" else "zh_Hans_CN"):
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
            previous=_comparison(scope, scope.period.previous()),
            year_before=_comparison(scope, scope.period.year_before()),
            scope_label=scope_label(scope, lang),
        )
