"""Server-drawn SVG charts (pygal): no script, no network, and they print.

Each chart has its table on the page (tables.py); here only the picture. Zero is drawn as
zero, never as "no data".
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date

import pygal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from .. import labels
from .memo import drawings
from .model import Report

# pygal appends a legacy import hook for its map plugins (unused here) to sys.meta_path; Python
# then warns (ImportWarning) on every later import that reaches it. Take it back out.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]

FONTS = "'Noto Sans CJK SC', 'Source Han Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif"
STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#222",
    foreground_strong="#111",
    foreground_subtle="#666",
    colors=("#b8420c", "#1f5f8b", "#2e7d32", "#8e44ad", "#c0392b", "#7f6000", "#555"),
    font_family=FONTS,
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    tooltip_font_size=13,
)


def _without_scripts(root):
    """pygal writes its tooltip settings into each SVG as an inline script: nothing reads
    them here (no tooltip script is loaded), and the page's Content-Security-Policy refuses
    inline scripts, so each chart logged a violation. Dropped before the SVG is written."""
    for parent in root.iter():
        for child in [child for child in parent if str(child.tag).endswith("script")]:
            parent.remove(child)
    return root


class _Lighter:
    """pygal's bar charts, with two costs taken out of every drawing (a report's charts are
    drawn in about two thirds of the time, to the same picture less the tooltip figures):

    - pygal reads each of its settings through a `__getattribute__` that looks the name up
      in its drawing state with three nested attribute reads (thousands per chart); here
      one dictionary look-up, the same rule (state first, never for `state` or dunders);
    - it writes each bar's tooltip figures into `<desc>` elements for a tooltip script that
      is never loaded here (no script runs in these charts: see `_without_scripts`).
    The class names stay pygal's: they name the chart's CSS classes (`bar-graph`)."""

    def __getattribute__(self, name: str):
        state = object.__getattribute__(self, "__dict__").get("state")
        if state is not None and name != "state" and not name.startswith("__"):
            drawing = state.__dict__
            if name in drawing:
                return drawing[name]
        return object.__getattribute__(self, name)

    def _tooltip_data(self, *_args, **_kwargs) -> None:
        return None

    def _draw(self) -> None:
        super()._draw()
        # Next pygal writes its settings as JSON into an inline script for the same tooltip
        # script (a walk over every setting, a quarter of a chart's time); the script is
        # dropped unread (`_without_scripts`), so it is not written.
        self.svg.add_scripts = _no_scripts


def _no_scripts() -> None:
    return None


class Bar(_Lighter, pygal.Bar):
    pass


class HorizontalBar(_Lighter, pygal.HorizontalBar):
    pass


def _chart(kind, **options):
    chart = kind(
        style=STYLE,
        js=[],  # pygal's tooltips load a script from the internet: never
        disable_xml_declaration=True,
        show_legend=options.pop("show_legend", False),
        print_values=options.pop("print_values", True),
        print_zeroes=True,
        width=options.pop("width", 720),
        height=options.pop("height", 320),
        margin=8,
        truncate_label=-1,
        truncate_legend=-1,
        no_data_text=_("No data"),
        **options,
    )
    chart.add_xml_filter(_without_scripts)
    return chart


def _svg(chart, title: str) -> Markup:
    svg = chart.render(is_unicode=True)
    # The SVG is a picture of the table beside it: named for screen readers, not read twice.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{title}" ', 1))


def _day_label(day: date, grain: str) -> str:
    return f"{day:%Y-%m}" if grain == "month" else f"{day.month}/{day.day}"


def visits_trend(report: Report) -> Markup:
    period = report.scope.period
    monthly = period.days > 62
    points = report.visits.by_month if monthly else report.visits.by_day
    chart = _chart(
        Bar,
        print_values=len(points) <= 16,
        x_label_rotation=0 if len(points) <= 16 else 45,
        show_minor_x_labels=len(points) <= 16,
        x_labels_major_every=max(1, len(points) // 10),
    )
    chart.x_labels = [_day_label(day, "month" if monthly else "day") for day, _v in points]
    chart.add(_("Visits"), [value for _d, value in points])
    return _svg(chart, _("Visits per month") if monthly else _("Visits per day"))


def _wide_characters(text: str) -> int:
    return sum(1 for char in text if ord(char) > 0x2E80)


def _horizontal(pairs: list[tuple[str, int]], title: str, series: str) -> Markup:
    # pygal sizes label space for Latin letters; a Chinese character is about twice as wide.
    wide = max((_wide_characters(name) for name, _v in pairs), default=0)
    chart = _chart(
        HorizontalBar,
        height=max(140, 34 * len(pairs) + 40),
        margin_left=8 + wide * STYLE.label_font_size // 2,
    )
    chart.x_labels = [name for name, _v in pairs]
    chart.add(series, [value for _n, value in pairs])
    return _svg(chart, title)


def by_group(report: Report) -> Markup:
    pairs = [(str(labels.VISITOR_GROUP[g]), n) for g, n in report.visits.by_group.items()]
    return _horizontal(pairs, _("Visits by visitor group"), _("Visits"))


def by_source(report: Report) -> Markup:
    names = {"checkin": _("QR check-ins"), "tally": _("Operator tallies"), "import": _("Imported")}
    pairs = [(names[s], n) for s, n in report.visits.by_source.items() if s != "import" or n]
    return _horizontal(pairs, _("Visits by source"), _("Visits"))


def by_district(report: Report) -> Markup | None:
    """None for a single district (a district's own report): one bar says nothing that its
    one-row table does not."""
    pairs = report.visits.by_district[:15]
    if len(pairs) < 2:
        return None
    return _horizontal(pairs, _("Visits by district"), _("Visits"))


def feedback_trend(report: Report) -> Markup:
    figures = report.feedback
    monthly = figures.trend_grain == "month"
    chart = _chart(
        Bar,
        print_values=False,
        show_legend=True,
        legend_at_bottom=True,
        x_label_rotation=0 if len(figures.trend) <= 16 else 45,
        x_labels_major_every=max(1, len(figures.trend) // 10),
        show_minor_x_labels=len(figures.trend) <= 16,
        secondary_range=(0, 5),
    )
    chart.x_labels = [_day_label(d, "month" if monthly else "day") for d, _c, _a in figures.trend]
    chart.add(_("Feedback items"), [count for _d, count, _a in figures.trend])
    # Two scales, one picture: the legend says which axis the ratings are read on.
    chart.add(
        _("Average rating (right axis, 1–5)"),
        [avg for _d, _c, avg in figures.trend],
        secondary=True,
    )
    return _svg(chart, _("Feedback and average rating"))


def by_category(report: Report) -> Markup:
    pairs = [(str(labels.FEEDBACK_CATEGORY[c]), n) for c, n in report.feedback.by_category.items()]
    return _horizontal(pairs, _("Feedback by category"), _("Feedback items"))


def coverage(report: Report) -> Markup:
    """Searches by how far the nearest suitable station was: 15 minutes' walk by street is
    about 865 m in a straight line, so it comes before 1 km."""
    figures = report.coverage
    walk, km = sorted((figures.served_walk15, figures.served_1km))
    pairs = [
        (_("Within 15 minutes' walk"), walk),
        (_("Up to 1 km"), km - walk),
        (_("Further than 1 km, or none"), figures.searches - km),
    ]
    return _horizontal(pairs, _("Rider searches by distance to a suitable station"), _("Searches"))


def _charts(report: Report) -> dict[str, tuple[Callable[[Report], Markup | None], tuple]]:
    """Each chart, and what it is drawn from: a chart is drawn again only when its own figures
    change (a new visit redraws the visit charts, not the feedback and coverage ones)."""
    visits, feedback, cover = report.visits, report.feedback, report.coverage
    return {
        "visits_trend": (visits_trend, (report.scope.period, visits.by_day, visits.by_month)),
        "by_group": (by_group, (visits.by_group,)),
        "by_source": (by_source, (visits.by_source,)),
        "by_district": (by_district, (visits.by_district[:15],)),
        "feedback_trend": (feedback_trend, (feedback.trend, feedback.trend_grain)),
        "by_category": (by_category, (feedback.by_category,)),
        "coverage": (coverage, (cover.searches, cover.served_1km, cover.served_walk15)),
    }


def all_charts(report: Report) -> dict[str, Markup | None]:
    """The seven charts, each drawn once for the figures it shows (see memo.py)."""
    language = (report.lang, str(get_locale()))
    return {
        name: drawings.get(("chart", name, *language, *parts), lambda draw=draw: draw(report))
        for name, (draw, parts) in _charts(report).items()
    }
