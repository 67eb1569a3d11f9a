"""The report as files: XLSX (a sheet per table), CSV (UTF-8 with a BOM, for Excel and WPS)
and JSON (the figures for machines). All render the same `tables()` or `Report`."""

from __future__ import annotations

import csv
import dataclasses
import io
import unicodedata
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .model import Report
from .periods import CHINA
from .tables import Table, period_label, table_by_key, tables, text

NUMBER_FORMATS = {
    "int": "0",
    "pct": "0.0%",
    "rating": "0.0",
    "hours": "0.0",
    "coord": "0.0000",
    "date": "yyyy-mm-dd",
    "month": "yyyy-mm",
}
RISKY = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would read these as a formula
SHEET_NAME = 31
WIDTH_SAMPLE = 2000  # rows looked at to size columns: enough, and fast at national scale
BOM = "\ufeff"


def safe_text(value: str) -> str:
    """Text that no spreadsheet will run as a formula (CSV/formula injection), without the
    control characters a workbook cannot hold."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + value if value.startswith(RISKY) else value


def title(report: Report) -> str:
    return _("%(period)s station service report", period=period_label(report.scope.period))


def scope_text(report: Report) -> str:
    if report.scope_label:
        return report.scope_label
    return _("My stations") if report.scope.station_ids is not None else _("Every station")


def generated_text(report: Report) -> str:
    return f"{report.generated_at.astimezone(CHINA):%Y-%m-%d %H:%M}"


def coverage_note() -> str:
    return _(
        "Coverage counts only the searches made on this site: it is the demand this site "
        "saw, not the whole city's."
    )


def summary_rows(report: Report) -> list[tuple[str, object]]:
    period = report.scope.period
    rows = [
        (_("Report"), title(report)),
        (_("Period"), period_label(period)),
        (_("From"), period.start),
        (_("To"), period.end),
        (_("Scope"), scope_text(report)),
        (_("Generated at (China time)"), generated_text(report)),
        (_("Note"), coverage_note()),
    ]
    return rows + [(_("Note"), str(note)) for note in report.notes]


# --- XLSX --------------------------------------------------------------------------------


def display_width(value) -> int:
    """Columns in Excel's units: CJK characters take two."""
    shown = value if isinstance(value, str) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in shown)


def _widths(table: Table) -> list[float]:
    widths = [display_width(column.label) for column in table.columns]
    for row in table.rows[:WIDTH_SAMPLE]:
        for index, value in enumerate(row):
            if value is not None:
                shown = f"{value:.4f}" if isinstance(value, float) else value
                widths[index] = max(widths[index], display_width(shown))
    return [min(max(width + 2, 6), 60) for width in widths]


def _sheet_name(name: str, used: set[str]) -> str:
    clean = "".join(" " if ch in "[]:*?/\\" else ch for ch in name).strip("' ") or "Sheet"
    candidate, number = clean[:SHEET_NAME], 2
    while candidate.lower() in used:
        suffix = f" ({number})"
        candidate, number = clean[: SHEET_NAME - len(suffix)] + suffix, number + 1
    used.add(candidate.lower())
    return candidate


def _header(sheet, labels: list[str]) -> list[WriteOnlyCell]:
    cells = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=safe_text(label))
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="center", wrap_text=False)
        cells.append(cell)
    return cells


def _set_widths(sheet, widths: list[float]) -> None:
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _write_table(book: Workbook, table: Table, used: set[str]) -> None:
    sheet = book.create_sheet(_sheet_name(table.sheet or table.title, used))
    sheet.freeze_panes = "A2"
    _set_widths(sheet, _widths(table))
    sheet.append(_header(sheet, [column.label for column in table.columns]))
    # One styled cell per number column, reused row after row: write-only mode serialises
    # each row as it is appended, so this is safe, and 200,000 rows stay fast.
    styled: list[WriteOnlyCell | None] = []
    for column in table.columns:
        number_format = NUMBER_FORMATS.get(column.fmt)
        if number_format:
            cell = WriteOnlyCell(sheet)
            cell.number_format = number_format
            styled.append(cell)
        else:
            styled.append(None)
    for row in table.rows:
        sheet.append([_xlsx_value(value, cell) for value, cell in zip(row, styled, strict=True)])


def _xlsx_value(value, cell: WriteOnlyCell | None):
    if cell is None:
        return safe_text(str(value)) if value is not None else None
    if value is None:
        return None  # an empty cell, not a dash: sums and charts in Excel keep working
    cell.value = value
    return cell


def _write_summary(book: Workbook, report: Report, used: set[str]) -> None:
    sheet = book.create_sheet(_sheet_name(_("Summary"), used))
    rows = summary_rows(report)
    _set_widths(sheet, [max(display_width(k) for k, _v in rows) + 2, 80])
    for key, value in rows:
        label = WriteOnlyCell(sheet, value=key)
        label.font = Font(bold=True)
        if isinstance(value, date):
            shown = WriteOnlyCell(sheet, value=value)
            shown.number_format = NUMBER_FORMATS["date"]
        else:
            shown = safe_text(str(value))
        sheet.append([label, shown])


def to_xlsx(report: Report, report_tables: list[Table] | None = None) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    _write_summary(book, report, used)
    for table in report_tables if report_tables is not None else tables(report):
        _write_table(book, table, used)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- CSV ---------------------------------------------------------------------------------


def csv_value(value, fmt: str) -> str:
    """As people read it (tables.text), but numbers plain (no thousands separators) so Excel
    and WPS read them as numbers, none as an empty cell, and text safe from formulas."""
    if value is None:
        return ""
    if fmt in ("int", "date"):
        return value.isoformat() if isinstance(value, date) else str(value)
    if fmt in ("pct", "rating", "hours", "coord", "month"):
        return text(value, fmt)
    return safe_text(str(value))


def _csv_rows(writer, table: Table) -> None:
    writer.writerow([safe_text(column.label) for column in table.columns])
    formats = [column.fmt for column in table.columns]
    for row in table.rows:
        writer.writerow([csv_value(v, f) for v, f in zip(row, formats, strict=True)])


def to_csv(report: Report, table_key: str | None = None) -> str:
    """One table, or the summary and every table, each under its title with a blank line
    between.

    KeyError for an unknown `table_key`.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if table_key is not None:
        table = table_by_key(report, table_key)
        if table is None:
            raise KeyError(table_key)
        _csv_rows(writer, table)
        return BOM + out.getvalue()
    # what the file covers first, as the workbook's Summary sheet says it: a district's or a
    # visitor group's CSV reads like any other without it
    writer.writerow([safe_text(_("Summary"))])
    for label, value in summary_rows(report):
        writer.writerow(
            [safe_text(label), csv_value(value, "date" if isinstance(value, date) else "text")]
        )
    for table in tables(report):
        writer.writerow([])
        writer.writerow([safe_text(table.title)])
        _csv_rows(writer, table)
    return BOM + out.getvalue()


# --- JSON --------------------------------------------------------------------------------


def _plain(value):
    """Dataclasses, tuples and dates as JSON-ready dicts, lists and ISO strings."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if not f.metadata.get("internal")
        }
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(CHINA).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _period(period) -> dict:
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "key": period.key,
        "grain": period.grain,
    }


def _comparison(comparison) -> dict:
    figures = {"visits": comparison.visits, "feedback": comparison.feedback}
    return {"period": _period(comparison.period), **figures, "rating": comparison.rating}


def to_json(report: Report) -> dict:
    """The SPEC's keys (period, stations, visits, feedback, coverage) and the rest."""
    v, f, c, scope = report.visits, report.feedback, report.coverage, report.scope
    visits = _plain(v)
    visits["by_day"] = [{"date": d.isoformat(), "visits": n} for d, n in v.by_day]
    visits["by_month"] = [{"month": f"{d:%Y-%m}", "visits": n} for d, n in v.by_month]
    visits["by_district"] = [{"district": d, "visits": n} for d, n in v.by_district]
    feedback = _plain(f)
    feedback["trend"] = [
        {"date": d.isoformat(), "count": n, "average": avg} for d, n, avg in f.trend
    ]
    coverage = _plain(c)
    coverage.update(share_1km=c.share_1km, share_walk15=c.share_walk15)
    return {
        "period": _period(scope.period),
        "scope": {
            "label": report.scope_label,
            "district": scope.district,
            "kind": scope.kind,
            "station": scope.station_code,
            "visitor_group": scope.visitor_group,
            "own_stations_only": scope.station_ids is not None,
        },
        "lang": report.lang,
        "generated_at": _plain(report.generated_at),
        "stations": _plain(report.stations),
        "visits": visits,
        "feedback": feedback,
        "ranking": _plain(report.ranking),
        "coverage": coverage,
        "comparison": {
            "this_period": _comparison(report.base),
            "previous": _comparison(report.previous),
            "year_before": _comparison(report.year_before),
        },
        "notes": [str(note) for note in report.notes],
    }
