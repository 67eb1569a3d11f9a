"""Reading station files as councils and OpenStreetMap write them: CSV (any line ends and
the usual Chinese encodings), Excel workbooks, GeoJSON and Overpass JSON; Chinese or English
column names; hours in free text. Plain module.

Every row becomes a `Row` with the station's fields, or errors that say what is wrong with it.
A file that cannot be read at all raises `ImportRefused` with one message; nothing else escapes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from .. import hours
from . import free_hours, osm
from .decoding import decode
from .messages import ImportRefused, Message, Row, _n
from .positions import CHINA, ServiceArea, check_position
from .tables import EVERY, csv_records, is_old_excel, is_workbook, workbook_records

__all__ = ["ImportRefused", "Message", "Progress", "Row", "read"]

COLUMNS = {  # the first two names are the ones messages show: Chinese, then English
    "code": ("编号", "code", "ref", "驿站编号", "id", "編號"),
    "name_zh": ("名称", "name", "name_zh", "name:zh", "驿站名称", "名稱"),
    "name_en": ("英文名称", "name_en", "name:en", "英文名稱"),
    "kind": ("类型", "kind", "type", "驿站类型", "類型"),
    "address": ("地址", "address", "addr:full", "详细地址", "詳細地址"),
    "district": ("区县", "district", "addr:district", "区", "所属区县", "區"),
    "street": ("街道", "street", "addr:subdistrict", "所属街道"),
    "lat": ("纬度", "lat", "latitude", "緯度"),
    "lon": ("经度", "lon", "lng", "longitude", "經度"),
    "opening_hours": (
        "开放时间",
        "opening_hours",
        "hours",
        "营业时间",
        "服务时间",
        "开放时段",
        "開放時間",
        "營業時間",
    ),
    "phone": ("电话", "phone", "contact:phone", "联系电话", "電話"),
    "operator_org": ("运营单位", "operator", "operator_org", "管理单位", "運營單位"),
    "facilities": ("设施", "facilities", "配套设施", "設施"),
    "coord": ("坐标系", "coord", "coordinate_system", "座標系"),
}
REQUIRED_COLUMNS = ("code", "name_zh", "lat", "lon")
MAX_LENGTH = {
    "code": 32,
    "name_zh": 120,
    "name_en": 160,
    "address": 255,
    "district": 64,
    "street": 64,
    "phone": 40,
    "operator_org": 120,
    "opening_hours": 255,
}
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
KINDS = {
    "warm_station": "warm_station",
    "toilet_station": "toilet_station",
    "暖心驿站": "warm_station",
    "爱心驿站": "warm_station",
    "户外劳动者驿站": "warm_station",
    "公厕驿站": "toilet_station",
    "公厕": "toilet_station",
    "toilets": "toilet_station",
    "暖心驛站": "warm_station",
    "公廁驛站": "toilet_station",
    "公廁": "toilet_station",
}
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


NearestPlace = Callable[[float, float], str | None]


class Progress:
    """How far reading has come, for a page or a progress bar: rows read from the file (the
    total is not known yet), then rows checked of the total. The default tells no one."""

    def reading(self, rows: int) -> None:
        pass

    def checking(self, done: int, total: int) -> None:
        pass


def read(
    data: bytes,
    name: str,
    facility_names: dict[str, str],
    area: ServiceArea = CHINA,
    nearest_place: NearestPlace = lambda _lat, _lon: None,
    progress: Progress | None = None,
) -> list[Row]:
    """`facility_names` maps codes and Chinese names to catalogue codes; positions outside
    `area` are row errors; `nearest_place` names an unnamed OSM toilet near a known place."""
    progress = progress or Progress()
    rows = _rows(data, name, progress)
    if not rows:
        raise ImportRefused(_n("The file holds no stations: it has no rows under its header."))
    for row in rows:
        if row.unnamed:
            _name_from_place(row, nearest_place)
    _flag_duplicates(rows)
    checked = Rows(notes=getattr(rows, "notes", []))
    for row in rows:
        checked.append(_clean(row, facility_names, area) if row.fields else row)
        if len(checked) % EVERY == 0:
            progress.checking(len(checked), len(rows))
    progress.checking(len(rows), len(rows))
    return checked


def _rows(data: bytes, name: str, progress: Progress) -> list[Row]:
    if is_old_excel(data):
        raise ImportRefused(
            _n("Excel 97-2003 workbooks (.xls) cannot be read. Save the file as .xlsx or CSV.")
        )
    if is_workbook(data):
        return _table_rows(workbook_records(data, progress.reading, _is_header))
    text = decode(data)
    if name.lower().endswith((".osm", ".xml")) or text.lstrip()[:1] == "<":
        return osm.rows(osm.xml_elements(data))
    if name.lower().endswith((".geojson", ".json")) or text.lstrip()[:1] in ("{", "["):
        return osm.rows(_json(text))
    return _table_rows(csv_records(text, progress.reading, _is_header))


_ALIASES = {alias.lower() for aliases in COLUMNS.values() for alias in aliases}


def _is_header(cells: list[str]) -> bool:
    """A row naming two known columns: not a title, nor a row of merged group names."""
    return sum(cell.strip().lower() in _ALIASES for cell in cells) >= 2


def _name_from_place(row: Row, nearest_place: NearestPlace) -> None:
    try:
        place = nearest_place(float(row.fields["lat"]), float(row.fields["lon"]))
    except (KeyError, TypeError, ValueError):
        return
    if place:
        osm.name_generated(row, f"公厕（{place}附近）", osm.FROM_PLACE)


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ImportRefused(
            _n(
                "This is not valid GeoJSON: the error is at line %(line)d, character %(char)d.",
                line=error.lineno,
                char=error.colno,
            )
        ) from None
    except RecursionError:
        raise ImportRefused(_n("This is not valid GeoJSON: it is nested too deeply.")) from None


class Rows(list):
    """The rows of a file, and messages about the file as a whole (columns not used)."""

    def __init__(self, rows=(), notes: list[Message] | None = None) -> None:
        super().__init__(rows)
        self.notes = list(notes or [])


def _table_rows(records) -> Rows:
    headers = list(dict.fromkeys(name for _n, record in records for name in record))
    if records:
        _check_columns(headers)
    return Rows((Row(number, record) for number, record in records), _unused(headers))


def _unused(headers: list[str]) -> list[Message]:
    """One message naming every column whose name is not recognised: nothing in it is
    imported, so a clerk whose hours sit under another name can rename the column."""
    unused = [h for h in headers if h.strip() and h.strip().lower() not in _ALIASES]
    if not unused:
        return []
    return [
        _n(
            "These columns are not imported, their names are not recognised: %(found)s. "
            "Accepted names: %(accepted)s.",
            found="、".join(unused),
            accepted="、".join(f"{names[0]} ({names[1]})" for names in COLUMNS.values()),
        )
    ]


def _check_columns(headers: list[str]) -> None:
    lowered = {header.strip().lower() for header in headers}
    missing = [
        name
        for name in REQUIRED_COLUMNS
        if not any(alias.lower() in lowered for alias in COLUMNS[name])
    ]
    if missing:
        raise ImportRefused(
            _n(
                "The columns were not recognised. Found: %(found)s. Needed: %(needed)s.",
                found="、".join(headers) or "—",
                needed="、".join(f"{COLUMNS[n][0]} ({COLUMNS[n][1]})" for n in missing),
            )
        )


def _by_alias(record: dict) -> dict:
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    found = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            value = lowered.get(alias.lower())
            if value not in (None, "") and not isinstance(value, dict | list):
                found[name] = CONTROL.sub("", str(value)).strip()
                break
    return found


def _flag_duplicates(rows: list[Row]) -> None:
    first: dict[str, int] = {}
    for row in rows:
        row.fields = _by_alias(row.fields)
        code = row.fields.get("code")
        if code and code in first:
            row.errors.append(
                _n("code %(code)s appears again (first in row %(row)d)", code=code, row=first[code])
            )
        elif code:
            first[code] = row.number


def _clean(row: Row, facility_names: dict[str, str], area: ServiceArea) -> Row:
    values = row.fields
    for required in ("code", "name_zh"):
        if not values.get(required):
            row.errors.append(_n("missing %(column)s", column=required))
    _lengths(row)
    if values.get("code") and not CODE.fullmatch(values["code"]):
        row.errors.append(
            _n("code %(value)s may only hold letters, digits, - and _", value=values["code"][:40])
        )
    _kind(row)
    if osm.NO_POSITION not in row.errors:
        check_position(row, area)
    _hours(row)
    _facilities(row, facility_names)
    return row


def _lengths(row: Row) -> None:
    for name, limit in MAX_LENGTH.items():
        if len(row.fields.get(name, "")) > limit:
            row.errors.append(
                _n(
                    "%(column)s is longer than %(limit)d characters: %(value)s…",
                    column=name,
                    limit=limit,
                    value=row.fields[name][:20],
                )
            )
            row.fields[name] = row.fields[name][:limit]


def _kind(row: Row) -> None:
    raw = row.fields.get("kind", "warm_station")
    kind = KINDS.get(raw.strip().lower()) or KINDS.get(raw)
    if kind is None:
        row.errors.append(_n("unknown kind %(value)s (use 暖心驿站 or 公厕驿站)", value=raw[:40]))
    row.fields["kind"] = kind


def _facilities(row: Row, facility_names: dict[str, str]) -> None:
    for token in re.split(r"[,，、;；/ ]+", row.fields.pop("facilities", "")):
        if token:
            code = (
                facility_names.get(token)
                or facility_names.get(token.lower())
                or facility_names.get(token.translate(free_hours.TRADITIONAL))
            )
            if code and code not in row.facilities:
                row.facilities.append(code)
            elif not code:
                row.warnings.append(_n("unknown facility skipped: %(name)s", name=token[:40]))


def _unknown_to_engine(text: str) -> str:
    """Text kept as written that the hours engine would still read ("9:00-5:00" is valid OSM
    for nine to five the next morning) is stored as an OSM comment, which it answers as
    unknown; any other text is stored as it is."""
    if not hours.is_valid(text):
        return text
    return '"' + text.replace('"', "'")[: MAX_LENGTH["opening_hours"] - 2] + '"'


def _hours(row: Row) -> None:
    """Hours read with certainty are stored in OSM syntax; any other text is kept as written,
    which the hours engine answers as unknown."""
    raw = row.fields.get("opening_hours", "")
    row.original_hours = raw
    if not raw:
        return
    converted = free_hours.to_osm(raw)
    if converted is None:
        row.warnings.append(_n("opening hours not certain: kept as written and shown as unknown"))
        row.fields["opening_hours"] = _unknown_to_engine(raw)
    elif converted != raw:
        row.warnings.append(_n("opening hours read as %(hours)s", hours=converted))
        row.fields["opening_hours"] = converted
