"""Rows of a table as people save them: CSV with any line ends and delimiter, or an Excel
workbook (.xlsx, also one saved as .xls by WPS). Each record maps header to cell text."""

from __future__ import annotations

import csv
import io
import itertools
import warnings
from collections.abc import Callable
from datetime import date, datetime, time

from .messages import ImportRefused, _n

MAX_ROWS = 200_000
MAX_FIELD = 20 * 1024 * 1024  # a cell may be as long as the largest upload; rows check length
Record = tuple[int, dict[str, str]]  # the row number people see, and header -> cell text
Progress = Callable[[int], None]  # told the number of rows read so far, now and then
EVERY = 1000  # rows between two progress calls

csv.field_size_limit(MAX_FIELD)


def is_workbook(data: bytes) -> bool:
    return data.startswith(b"PK\x03\x04")


def is_old_excel(data: bytes) -> bool:
    return data.startswith(b"\xd0\xcf\x11\xe0")  # the OLE2 container of .xls (Excel 97-2003)


def csv_records(text: str, progress: Progress | None = None, is_header=None) -> list[Record]:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # newline="" splits lines on \n, \r\n and a bare \r (old Mac CSV) and keeps quoted ones
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        return _records(reader, progress, is_header)
    except csv.Error as error:
        raise ImportRefused(
            _n("The CSV file cannot be read near line %(line)d.", line=reader.line_num)
        ) from error


def workbook_records(data: bytes, progress: Progress | None = None, is_header=None) -> list[Record]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                return _records(
                    ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)),
                    progress,
                    is_header,
                )
            finally:
                book.close()
    except ImportRefused:
        raise
    except Exception:  # openpyxl on an untrusted file raises zip, XML and
        # attribute errors of every kind; each means the same to the clerk
        raise ImportRefused(
            _n("The Excel file cannot be read. Open it in Excel or WPS and save it again as .xlsx.")
        ) from None


def _records(rows, progress: Progress | None = None, is_header=None) -> list[Record]:
    """The header is the first row `is_header` accepts among the first few with two cells or
    more (a title row, or a row of merged group names above it, is skipped); without one, the
    first row with two cells or more."""
    numbered = enumerate(rows, start=1)
    header, looked = _header(numbered, is_header or (lambda _cells: True))
    if header is None:
        return []
    numbered = itertools.chain(looked, numbered)
    names = [cell.strip() for cell in header]
    records = []
    for number, row in numbered:
        if progress is not None and number % EVERY == 0:
            progress(number)
        if not any(cell.strip() for cell in row):
            continue
        if len(records) >= MAX_ROWS:
            raise ImportRefused(
                _n(
                    "The file has more than %(limit)d rows. Split it into smaller files.",
                    limit=MAX_ROWS,
                )
            )
        cells = dict(zip(names, (_unguarded(cell) for cell in row), strict=False))
        records.append((number, {name: cells.get(name, "") for name in names if name}))
    return records


HEADER_SEARCH = 10  # rows with two cells or more in which the header is looked for


def _header(numbered, is_header) -> tuple[list[str] | None, list]:
    """The header row, and the rows read past it while looking for it."""
    looked: list[tuple[int, list[str]]] = []
    for number, row in numbered:
        looked.append((number, row))
        if _filled(row) and is_header(row):
            return row, []
        if sum(_filled(r) for _n, r in looked) >= HEADER_SEARCH:
            break
    for index, (_number, row) in enumerate(looked):
        if _filled(row):
            return row, looked[index + 1 :]
    return None, []


def _filled(row: list[str]) -> bool:
    return sum(bool(cell.strip()) for cell in row) >= 2


def _unguarded(cell: str) -> str:
    """A cell our own export guarded against formulas ("'+86 571…") reads as written."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


FORMULA_STARTS = "=+-@\t\r"


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
