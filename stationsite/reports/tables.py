"""Every table of the report as data: what the page, XLSX, CSV and printable report show.

Rows hold raw values (int, float, date, str or None) in column order; each column says how to
show them (`fmt`). Titles and headers are translated when `tables()` runs, in the current
locale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from markupsafe import Markup, escape

from .. import labels
from .model import AGE_BUCKETS, Report, StationVisits
from .periods import Period

FORMATS = ("text", "int", "pct", "rating", "hours", "date", "month", "coord")
DASH = "—"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    fmt: str = "text"  # one of FORMATS; "coord" is a latitude or longitude (4 decimals)


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    sheet: str = ""  # a shorter name for a workbook sheet (at most 31 characters), if needed


def text(value, fmt: str) -> str:
    """A value as people read it (page, printable report): None is a dash, zero is 0."""
    if value is None:
        return DASH
    if fmt == "int":
        return f"{value:,}"
    if fmt == "pct":
        return f"{value * 100:.1f}%"
    if fmt in ("rating", "hours"):
        return f"{value:.1f}"
    if fmt == "coord":
        return f"{value:.4f}"
    if fmt == "month":
        return f"{value:%Y-%m}"
    if fmt == "date":
        return value.isoformat()
    return str(value)


def body_rows(table: Table, limit: int | None = None) -> Markup:
    """The table's body rows as HTML, each cell shown by `text` with its column's classes:
    a page holds ~1,400 cells, and joining them here costs a fraction of a Jinja loop."""
    starts = [f'<td class="fmt-{escape(c.fmt)} col-{escape(c.key)}">' for c in table.columns]
    formats = [column.fmt for column in table.columns]
    rows = table.rows[:limit] if limit else table.rows
    return Markup(
        "\n".join(
            "<tr>"
            + "".join(
                f"{start}{escape(text(value, fmt))}</td>"
                for start, fmt, value in zip(starts, formats, row, strict=False)
            )
            + "</tr>"
            for row in rows
        )
    )


def period_label(period: Period) -> str:
    start = period.start
    if period.grain == "month":
        return _("%(year)d-%(month)02d", year=start.year, month=start.month)
    if period.grain == "quarter":
        return _("%(year)d Q%(quarter)d", year=start.year, quarter=(start.month - 1) // 3 + 1)
    if period.grain == "year":
        return _("Year %(year)d", year=start.year)
    if period.grain == "week":
        year, week, _day = start.isocalendar()
        return _("%(year)d week %(week)d", year=year, week=week)
    return _("%(start)s to %(end)s", start=start.isoformat(), end=period.end.isoformat())


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or not before:
        return None
    return (now - before) / before


def _figures(comparison) -> list:
    c = comparison
    return [c.period, c.visits, c.feedback, c.rating]


def headline(report: Report) -> Table:
    base = report.base  # a running period: its whole days so far
    rows = [
        [
            _("This period"),
            report.scope.period,
            report.visits.total,
            report.feedback.count,
            report.feedback.average,
        ]
    ]
    if report.compared is not None:
        rows.append([_("This period, days compared"), *_figures(base)])
    for name, other in (
        (_("Previous period"), report.previous),
        (_("Same period last year"), report.year_before),
    ):
        rows.append([name, *_figures(other)])
    out = []
    for index, (name, period, n_visits, n_feedback, rating) in enumerate(rows):
        changes = (
            [None, None]
            if index < len(rows) - 2
            else [_change(base.visits, n_visits), _change(base.feedback, n_feedback)]
        )
        out.append(
            [
                name,
                period_label(period),
                period.start,
                period.end,
                n_visits,
                n_feedback,
                rating,
                *changes,
            ]
        )
    columns = [
        Column("which", _("Comparison"), "text"),
        Column("period", _("Period"), "text"),
        Column("from", _("From"), "date"),
        Column("to", _("To"), "date"),
        Column("visits", _("Visits"), "int"),
        Column("feedback", _("Feedback items"), "int"),
        Column("rating", _("Average rating"), "rating"),
        Column("visits_change", _("Visits: this period compared"), "pct"),
        Column("feedback_change", _("Feedback: this period compared"), "pct"),
    ]
    return Table("headline", _("Headline figures"), columns, out)


def stations(report: Report) -> Table:
    figures = report.stations
    rows = [
        (_("Stations built"), figures.built),
        (_("Stations with visits"), figures.active),
        (_("Temporarily closed now"), figures.temporarily_closed),
        (_("Verified in the last 30 days"), figures.verified_30d),
    ]
    columns = [
        Column("measure", _("Measure"), "text"),
        Column("stations", _("Number of stations"), "int"),
        Column("share", _("Share of stations built"), "pct"),
    ]
    return Table(
        "stations",
        _("Station numbers"),
        columns,
        [[n, v, _share(v, figures.built)] for n, v in rows],
    )


def _shares(key: str, title: str, name: str, value: str, pairs) -> Table:
    pairs = [(str(label), count) for label, count in pairs]
    total = sum(count for _label, count in pairs)
    columns = [
        Column("name", name),
        Column("count", value, "int"),
        Column("share", _("Share"), "pct"),
    ]
    return Table(key, title, columns, [[n, c, _share(c, total)] for n, c in pairs])


def _labelled(counts: dict[str, int], names: dict) -> list[tuple[str, int]]:
    return [(str(names.get(code, code)), count) for code, count in counts.items()]


def source_names() -> dict[str, str]:
    return {"checkin": _("QR check-ins"), "tally": _("Operator tallies"), "import": _("Imported")}


def age_names() -> dict[str, str]:
    return {
        "under_1d": _("Under 1 day"),
        "1_3d": _("1 to 3 days"),
        "3_7d": _("3 to 7 days"),
        "over_7d": _("Over 7 days"),
    }


def by_group(report: Report) -> Table:
    pairs = _labelled(report.visits.by_group, labels.VISITOR_GROUP)
    return _shares(
        "visits_by_group", _("Visits by visitor group"), _("Visitor group"), _("Visits"), pairs
    )


def by_source(report: Report) -> Table:
    pairs = _labelled(report.visits.by_source, source_names())
    return _shares("visits_by_source", _("Visits by source"), _("Source"), _("Visits"), pairs)


def by_district(report: Report) -> Table:
    pairs = report.visits.by_district
    return _shares("visits_by_district", _("Visits by district"), _("District"), _("Visits"), pairs)


def by_day(report: Report) -> Table:
    columns = [Column("day", _("Day"), "date"), Column("visits", _("Visits"), "int")]
    return Table(
        "visits_by_day", _("Visits per day"), columns, [list(p) for p in report.visits.by_day]
    )


def by_month(report: Report) -> Table:
    columns = [Column("month", _("Month"), "month"), Column("visits", _("Visits"), "int")]
    rows = [list(p) for p in report.visits.by_month]
    return Table("visits_by_month", _("Visits per month"), columns, rows)


def heat(report: Report) -> Table:
    """Rows are hours, columns weekdays: a day reads down, the way a timetable does."""
    grid = report.visits.heat
    columns = [Column("hour", _("Hour"), "text")]
    columns += [Column(f"d{day}", str(name), "int") for day, name in enumerate(labels.WEEKDAY)]
    rows = [[f"{hour:02d}:00", *(grid[day][hour] for day in range(7))] for hour in range(24)]
    title = _("QR check-ins by hour and weekday")
    return Table("visits_heat", title, columns, rows, sheet=_("Check-ins by hour and weekday"))


def _station_columns() -> list[Column]:
    return [
        Column("rank", _("Rank"), "int"),
        Column("code", _("Code"), "text"),
        Column("name", _("Station"), "text"),
        Column("district", _("District"), "text"),
        Column("kind", _("Kind"), "text"),
        Column("visits", _("Visits"), "int"),
        Column("checkins", _("QR check-ins"), "int"),
    ]


def _station_rows(items: list[StationVisits]) -> list[list]:
    kinds = {code: str(name) for code, name in labels.KIND_SHORT.items()}
    return [
        [rank, s.code, s.name, s.district, kinds.get(s.kind, s.kind), s.visits, s.checkins]
        for rank, s in enumerate(items, 1)
    ]


def by_station(report: Report) -> Table:
    rows = _station_rows(report.visits.by_station)
    return Table("visits_by_station", _("Most visited stations"), _station_columns(), rows)


def least_used(report: Report) -> Table:
    rows = _station_rows(report.visits.least_used)
    most = len(report.visits.by_station)
    title = (
        _("Least used stations, besides the %(n)d most visited", n=most)
        if most
        else _("Least used stations")
    )
    return Table("least_used", title, _station_columns(), rows, sheet=_("Least used stations"))


def by_category(report: Report) -> Table:
    pairs = _labelled(report.feedback.by_category, labels.FEEDBACK_CATEGORY)
    return _shares(
        "feedback_by_category", _("Feedback by category"), _("Category"), _("Feedback items"), pairs
    )


def feedback_trend(report: Report) -> Table:
    monthly = report.feedback.trend_grain == "month"
    columns = [
        Column("when", _("Month") if monthly else _("Day"), "month" if monthly else "date"),
        Column("count", _("Feedback items"), "int"),
        Column("rating", _("Average rating"), "rating"),
    ]
    rows = [list(point) for point in report.feedback.trend]
    return Table("feedback_trend", _("Feedback and average rating"), columns, rows)


def top_faults(report: Report) -> Table:
    columns = [
        Column("code", _("Code"), "text"),
        Column("name", _("Station"), "text"),
        Column("facility", _("Facility"), "text"),
        Column("count", _("Times reported"), "int"),
    ]
    rows = [[f.code, f.name, f.facility_name or DASH, f.count] for f in report.feedback.top_faults]
    return Table("top_faults", _("Most reported faults"), columns, rows)


def open_by_age(report: Report) -> Table:
    names = age_names()
    columns = [Column("age", _("Waiting for"), "text"), Column("count", _("Open problems"), "int")]
    rows = [[names[b], report.feedback.open_by_age.get(b, 0)] for b in AGE_BUCKETS]
    return Table("open_by_age", _("Open problems by age"), columns, rows)


def open_problems(report: Report) -> Table:
    columns = [
        Column("reference", _("Reference"), "int"),
        Column("code", _("Code"), "text"),
        Column("name", _("Station"), "text"),
        Column("category", _("Category"), "text"),
        Column("facility", _("Facility"), "text"),
        Column("since", _("Reported on"), "date"),
        Column("age_days", _("Days open"), "hours"),
    ]
    categories = labels.FEEDBACK_CATEGORY
    rows = [
        [
            p.reference,
            p.code,
            p.name,
            str(categories.get(p.category, p.category)),
            p.facility_name or DASH,
            p.since.date(),
            p.age_days,
        ]
        for p in report.feedback.open_problems
    ]
    name = _("Oldest open problems")
    total = report.feedback.open_count
    if total > len(rows):  # the list holds the oldest few: say how many there are in all
        name = _("The %(shown)d oldest of %(total)d open problems", shown=len(rows), total=total)
    return Table("open_problems", name, columns, rows, sheet=_("Oldest open problems"))


def resolution(report: Report) -> Table:
    f = report.feedback
    columns = [
        Column("resolved", _("Faults resolved"), "int"),
        Column("median_h", _("Median hours to resolve"), "hours"),
        Column("p90_h", _("90th percentile hours to resolve"), "hours"),
        Column("needing_answer", _("Items needing an answer"), "int"),
        Column("answered_24h", _("Answered within 24 h"), "int"),
        Column("answered_24h_share", _("Share answered within 24 h"), "pct"),
    ]
    row = [
        f.resolved,
        f.resolve_median_h,
        f.resolve_p90_h,
        f.needing_answer,
        f.answered_24h,
        f.answered_24h_share,
    ]
    return Table("resolution", _("How fast problems were handled"), columns, [row])


def ranking(report: Report) -> Table:
    kinds = {code: str(name) for code, name in labels.KIND_SHORT.items()}
    columns = [
        Column("rank", _("Rank"), "int"),
        Column("code", _("Code"), "text"),
        Column("name", _("Station"), "text"),
        Column("district", _("District"), "text"),
        Column("kind", _("Kind"), "text"),
        Column("visits", _("Visits"), "int"),
        Column("rating", _("Average rating"), "rating"),
        Column("ratings", _("Ratings"), "int"),
        Column("faults", _("Faults reported"), "int"),
        Column("fix_median_h", _("Median hours to fix"), "hours"),
    ]
    rows = [
        [
            rank,
            r.code,
            r.name,
            r.district,
            kinds.get(r.kind, r.kind),
            r.visits,
            r.rating,
            r.ratings,
            r.faults,
            r.fix_median_h,
        ]
        for rank, r in enumerate(report.ranking, 1)
    ]
    return Table("ranking", _("Model station ranking"), columns, rows)


def coverage(report: Report) -> Table:
    c = report.coverage
    columns = [
        Column("searches", _("Rider searches"), "int"),
        Column("served_1km", _("Served within 1 km"), "int"),
        Column("share_1km", _("Share within 1 km"), "pct"),
        Column("served_walk15", _("Served within 15 minutes' walk"), "int"),
        Column("share_walk15", _("Share within 15 minutes' walk"), "pct"),
        Column("hidden_cells", _("Cells not shown (fewer than 5 searches)"), "int"),
    ]
    row = [c.searches, c.served_1km, c.share_1km, c.served_walk15, c.share_walk15, c.hidden_cells]
    return Table("coverage", _("Coverage of rider searches"), columns, [row])


def unserved_cells(report: Report) -> Table:
    columns = [
        Column("lat", _("Latitude"), "coord"),
        Column("lon", _("Longitude"), "coord"),
        Column("district", _("District"), "text"),
        Column("searches", _("Unserved searches"), "int"),
        Column("total", _("All searches"), "int"),
    ]
    rows = [[c.lat, c.lon, c.district, c.searches, c.total] for c in report.coverage.unserved_cells]
    title = _("Where riders found no station within 1 km")
    return Table("unserved_cells", title, columns, rows, sheet=_("No station within 1 km"))


def candidates(report: Report) -> Table:
    columns = [
        Column("rank", _("Rank"), "int"),
        Column("district", _("District"), "text"),
        Column("lat", _("Latitude"), "coord"),
        Column("lon", _("Longitude"), "coord"),
        Column("would_serve", _("Unserved searches it would serve"), "int"),
    ]
    rows = [
        [rank, c.district, c.lat, c.lon, c.would_serve]
        for rank, c in enumerate(report.coverage.candidates, 1)
    ]
    title = _("Candidate sites for new stations")
    return Table("candidates", title, columns, rows, sheet=_("Candidate sites"))


BUILDERS: dict[str, Callable[[Report], Table]] = {
    "headline": headline,
    "stations": stations,
    "visits_by_group": by_group,
    "visits_by_source": by_source,
    "visits_by_day": by_day,
    "visits_by_month": by_month,
    "visits_heat": heat,
    "visits_by_district": by_district,
    "visits_by_station": by_station,
    "least_used": least_used,
    "feedback_by_category": by_category,
    "feedback_trend": feedback_trend,
    "top_faults": top_faults,
    "open_by_age": open_by_age,
    "open_problems": open_problems,
    "resolution": resolution,
    "ranking": ranking,
    "coverage": coverage,
    "unserved_cells": unserved_cells,
    "candidates": candidates,
}
KEYS = tuple(BUILDERS)


def tables(report: Report) -> list[Table]:
    """One table per figure on the page, in page order, in the current locale."""
    return [build(report) for build in BUILDERS.values()]


def table_by_key(report: Report, key: str) -> Table | None:
    build = BUILDERS.get(key)
    return build(report) if build else None
