"""/reports/: union staff see every station, operators only their own."""

from __future__ import annotations

import json
import re
import time
import weakref

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup, escape
from sqlalchemy import func, select

from ..extensions import db
from ..i18n import current_lang
from ..maps import map_center
from ..models import Role, Station
from .forms import ReportForm
from .memo import drawings
from .model import Scope
from .periods import CHINA, PRESETS, label, parse
from .tables import body_rows
from .tables import text as cell_text
from .visits import MAP_MOST, has_district

bp = Blueprint("reports", __name__, url_prefix="/reports")
DEFAULT_PERIOD = "last-month"


class ScopeError(ValueError):
    """The query string does not describe a report; `form` holds the errors per field."""

    def __init__(self, form: ReportForm) -> None:
        super().__init__("invalid report query")
        self.form = form


def _given(field) -> str | None:
    """A filter's value; blank (Optional() lets whitespace past a select's choices) is none."""
    return (field.data or "").strip() or None


def scope_from_request() -> tuple[Scope, ReportForm]:
    """The report the query string asks for, confined to what the signed-in user may see.

    ScopeError for bad input (shown beside the fields), 404 for an unknown station code,
    403 for another operator's station.
    """
    form = ReportForm(request.args)
    if not form.validate():
        raise ScopeError(form)
    mine = None if current_user.role == Role.ADMIN else tuple(s.id for s in current_user.stations)
    district = _given(form.district)
    if district and not has_district(district, mine):
        # A mistyped district would read as a report of zeros: say so instead.
        form.district.errors = [
            _("No station is in this district. Choose one from the list.")
            if mine is None
            else _("None of your stations is in this district. Choose one from the list.")
        ]
        raise ScopeError(form)
    station_code = _given(form.station)
    if station_code:
        station = db.session.scalar(select(Station).where(Station.code == station_code))
        if station is None:  # hz-t-010 for HZ-T-010: the case of a code does not matter
            alike = db.session.scalars(
                select(Station).where(func.upper(Station.code) == station_code.upper()).limit(2)
            ).all()
            station = alike[0] if len(alike) == 1 else None
        if station is None:  # a mistyped code: said beside the field, the form kept
            form.station.errors = [_("No station has this code.")]
            raise ScopeError(form)
        if mine is not None and station.id not in mine:
            abort(403)
        station_code = station.code
    scope = Scope(
        period=parse(_given(form.period) or DEFAULT_PERIOD),
        district=district,
        kind=_given(form.kind),
        station_code=station_code,
        visitor_group=_given(form.group),
        station_ids=mine,
    )
    return scope, form


@bp.get("/")
@login_required
def index():
    try:
        scope, form = scope_from_request()
    except ScopeError as error:
        return render_template("reports/index.html", form=error.form, report=None), 400
    from . import figures

    sort = request.args.get("sort", "visits")
    report = figures.build_report(scope, current_lang(), sort=sort)
    return render_template("reports/index.html", form=form, sort=sort, **page(report))


def page(report) -> dict:
    """What the page shows beside the figures: tables, charts, the choices, and where the map
    of use comes from (usage_map_script)."""
    from . import charts, tables

    return {
        "report": report,
        "tables": {table.key: table for table in tables.tables(report)},
        "charts": charts.all_charts(report),
        "map_src": url_for("reports.usage_map_script", **request.args),
        "mapped": min(MAP_MOST, report.stations.active),
        "presets": [(name, parse(name)) for name in PRESETS],
        "districts": _districts(report.scope),
        "period_label": label(report.scope.period, report.lang, dated=False),
        "china": CHINA,
    }


@bp.get("/map.js")
@login_required
def usage_map_script():
    """The map of use for the page's query string, as the script that draws it into the
    page's #usage-map. It loads after the page: its 500 stations are half the page's weight
    and a third of its drawing, and most readers come for the figures above it. The same
    scope as the page, confined the same way."""
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403)  # another site's page may not run a signed-in user's map as its script
    try:
        scope, _form = scope_from_request()
    except ScopeError:
        abort(400)  # the page shows why beside the fields, and asks for no map
    from . import figures

    points, coverage = figures.map_figures(scope, current_lang())
    drawn = _usage_map([(s.lat, s.lon, s.code, s.name, s.visits) for s in points], coverage)
    body = (
        f'document.getElementById("usage-map").innerHTML = {json.dumps(str(drawn.element))};\n'
        f"{drawn.script}"
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _usage_map(points, coverage):
    """The map of use, drawn once for the same stations, cells, language and tiles."""
    from . import usemap

    center = map_center()
    drawn_from = (
        "usage-map",
        str(get_locale()),
        current_app.config.get("MAP_TILES"),
        center,
        points,
        usemap.cells_shown(coverage),
        coverage.candidates,
    )
    return drawings.get(drawn_from, lambda: usemap.usage_map(points, coverage, center))


def _districts(scope, most: int = 500) -> list[str]:
    """The districts to choose from: an operator's stations', or every station's."""
    if scope.station_ids is not None:
        query = (
            select(Station.district)
            .distinct()
            .where(Station.district != "", Station.id.in_(scope.station_ids or (-1,)))
        )
        return list(db.session.scalars(query.order_by(Station.district).limit(most)))
    return every_district.get(most)


class EveryDistrict:
    """Every station's districts, for the filter's suggestions, kept per process while the
    stations stay as they were: the newest `updated_at` and the highest id (two index
    look-ups) tell whether any station was added, moved or edited since. A change the stamp
    cannot see (a late commit with an earlier time) shows within KEEP_S seconds. Only
    suggestions hang on this: a typed district is checked against the stations themselves
    (has_district)."""

    KEEP_S = 60.0

    def __init__(self) -> None:
        self._kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # per engine

    def get(self, most: int) -> list[str]:
        # One subquery each: SQLite reads a lone max() from its index, but scans the table
        # for two in one SELECT.
        newest = select(func.max(Station.updated_at)).scalar_subquery()
        highest = select(func.max(Station.id)).scalar_subquery()
        stamp = (most, *db.session.execute(select(newest, highest)).one())
        now = time.monotonic()
        kept = self._kept.get(db.engine)
        if kept is not None and kept[0] == stamp and now - kept[1] < self.KEEP_S:
            return kept[2]
        found = self.read(most)
        self._kept[db.engine] = (stamp, now, found)
        return found

    @staticmethod
    def read(most: int) -> list[str]:
        """Skipping from one district to the next in the district index (a few hundred
        look-ups), not reading every station's row for a DISTINCT."""
        first = select(func.min(Station.district).label("district")).where(Station.district != "")
        found = first.cte("districts", recursive=True)
        following = (
            select(func.min(Station.district)).where(Station.district > found.c.district)
        ).scalar_subquery()
        found = found.union_all(select(following).where(found.c.district.is_not(None)))
        query = (
            select(found.c.district)
            .where(found.c.district.is_not(None))
            .order_by(found.c.district)
            .limit(most)
        )
        return list(db.session.scalars(query))


every_district = EveryDistrict()


def query_string() -> str:
    """The current report's query, for links to its exports and printable page."""
    return request.query_string.decode("utf-8", "replace")


@bp.app_template_filter("report_cell")
def report_cell(value, fmt: str = "text") -> str:
    return cell_text(value, fmt)


@bp.app_template_filter("report_rows")
def report_rows(table, limit: int | None = None):
    return body_rows(table, limit)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@bp.app_template_filter("dates_whole")
def dates_whole(text) -> Markup:
    """`text`, escaped, each ISO date kept on one line: a phone broke 2026-12-31 after its
    hyphens ("2026-12-" at one line's end, "31" at the next)."""
    return Markup(
        ISO_DATE.sub(lambda date: f'<span class="date">{date.group()}</span>', str(escape(text)))
    )
