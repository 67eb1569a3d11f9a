"""The report leaving the site: XLSX, CSV, the printable A4 report and its PDF.

Same query string and the same permissions as /reports/ (`scope_from_request`); bad input
is a 400 with a short message, never a 500.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import login_required

from ..i18n import current_lang
from ..static_files import plain_names
from . import charts, exports, figures
from .model import Report
from .pdf import PdfUnavailable, to_pdf
from .periods import ACCEPTED, PeriodError
from .tables import KEYS, tables, text
from .views import ScopeError, bp, query_string, scope_from_request

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PRINT_ROWS = 20  # rows of each long table on paper; the XLSX has them all


def _bad_query(form) -> str:
    problems = [
        f"{form[name].label.text}: {' '.join(map(str, errors))}"
        for name, errors in form.errors.items()
    ]
    return _("This report query is not valid.") + " " + " ".join(problems)


def _report() -> Report:
    try:
        scope, _form = scope_from_request()
    except ScopeError as error:
        abort(400, description=_bad_query(error.form))
    except PeriodError:
        abort(400, description=_("Not a period. Use one of: %(accepted)s", accepted=ACCEPTED))
    # the model-station table in the order the page shows it
    return figures.build_report(scope, current_lang(), sort=request.args.get("sort", "visits"))


def file_name(report: Report, ext: str, suffix: str = "", ascii_only: bool = False) -> str:
    """驿站报告-2026-11.xlsx (or station-report-2026-11.xlsx: the ASCII fallback), with what
    the report is narrowed to: 驿站报告-2026-11-西湖区-courier.xlsx, so two downloads of one
    month for different districts are not told apart by their order alone."""
    stem = "station-report" if ascii_only else _("station-report")
    scope = report.scope
    parts = [scope.period.key.replace("..", "_")]
    parts += [p for p in (scope.district, scope.kind, scope.station_code, scope.visitor_group) if p]
    named = "-".join(filter(None, (_file_part(part, ascii_only) for part in parts)))
    return f"{stem}-{named}{suffix}.{ext}"


def _file_part(text: str, ascii_only: bool) -> str:
    """Letters, digits, CJK and - _ only (no path, quote or control character); the ASCII
    fallback keeps only what is ASCII."""
    kept = "".join(
        char if (char.isalnum() or char in "-_") and (char.isascii() or not ascii_only) else ""
        for char in text
    )
    return kept[:40]


def _download(body, content_type: str, report: Report, ext: str, suffix: str = "") -> Response:
    name = file_name(report, ext, suffix)
    fallback = file_name(report, ext, suffix, ascii_only=True)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    response = Response(body, content_type=content_type)
    response.headers["Content-Disposition"] = disposition
    response.headers["Cache-Control"] = "private, no-store"
    return response


def print_html(report: Report) -> str:
    """The printable report (needs a request context: the page and the PDF share it)."""
    return render_template(
        "reports/print.html",
        report=report,
        title=exports.title(report),
        scope_text=exports.scope_text(report),
        generated=exports.generated_text(report),
        coverage_note=exports.coverage_note(),
        tables={table.key: table for table in tables(report)},
        charts=charts.all_charts(report),
        cell=text,
        print_rows=PRINT_ROWS,
        heat_peak=max((max(day) for day in report.visits.heat), default=0),
        query=query_string(),
    )


@bp.get("/export.xlsx")
@login_required
def export_xlsx():
    report = _report()
    return _download(exports.to_xlsx(report), XLSX, report, "xlsx")


@bp.get("/export.csv")
@login_required
def export_csv():
    table = request.args.get("table") or None
    if table is not None and table not in KEYS:
        abort(400, description=_("No such table: %(table)s", table=table[:40]))
    report = _report()
    body = exports.to_csv(report, table)
    suffix = f"-{table}" if table else ""
    return _download(body, "text/csv; charset=utf-8", report, "csv", suffix)


@bp.get("/print")
@login_required
def print_page():
    return print_html(_report())


@bp.get("/print.pdf")
@login_required
def print_pdf():
    report = _report()
    html = print_html(report)
    try:
        body = to_pdf(html, request.url_root, current_app.static_folder, plain_names(current_app))
    except PdfUnavailable as error:
        current_app.logger.warning("PDF unavailable: %s", error)
        abort(503, description=pdf_unavailable_message())
    return _download(body, "application/pdf", report, "pdf")


def pdf_unavailable_message() -> str:
    return _(
        "PDF cannot be made on this server (WeasyPrint or Pango is missing). Open the "
        "printable report at /reports/print and use your browser's Print, Save as PDF."
    )
