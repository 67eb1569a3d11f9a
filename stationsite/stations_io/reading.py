"""Reading station files as councils and OpenStreetMap write them: CSV or GeoJSON, any of the
usual Chinese encodings, Chinese or English column names, hours in free text. Plain module.

Every row becomes a `Row` with the station's fields, or errors that say what is wrong with it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field

from .. import geo, hours

ENCODINGS = ("utf-8-sig", "gb18030", "big5")
COLUMNS = {
    "code": ("code", "ref", "编号", "驿站编号", "id"),
    "name_zh": ("name_zh", "name", "name:zh", "名称", "驿站名称"),
    "name_en": ("name_en", "name:en", "英文名称"),
    "kind": ("kind", "type", "类型", "驿站类型"),
    "address": ("address", "addr:full", "地址", "详细地址"),
    "district": ("district", "addr:district", "区", "区县", "所属区县"),
    "street": ("street", "addr:subdistrict", "街道", "所属街道"),
    "lat": ("lat", "latitude", "纬度"),
    "lon": ("lon", "lng", "longitude", "经度"),
    "opening_hours": ("opening_hours", "hours", "开放时间", "营业时间"),
    "phone": ("phone", "contact:phone", "电话", "联系电话"),
    "operator_org": ("operator", "operator_org", "运营单位", "管理单位"),
    "facilities": ("facilities", "设施", "配套设施"),
    "coord": ("coord", "coordinate_system", "坐标系"),
}
KINDS = {
    "warm_station": "warm_station",
    "toilet_station": "toilet_station",
    "暖心驿站": "warm_station",
    "爱心驿站": "warm_station",
    "户外劳动者驿站": "warm_station",
    "公厕驿站": "toilet_station",
    "公厕": "toilet_station",
    "toilets": "toilet_station",
}
DATUMS = {
    "wgs84": "wgs84",
    "gcj02": "gcj02",
    "bd09": "bd09",
    "gcj-02": "gcj02",
    "bd-09": "bd09",
    "高德": "gcj02",
    "百度": "bd09",
    "": "wgs84",
}
CHINA = (3.0, 54.0, 73.0, 136.0)  # lat and lon bounds; anything outside is a mistake


@dataclass(frozen=True)
class Message:
    """A message about a row: English here and in the CLI, translated where it is shown."""

    text: str
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


def _n(text: str, **params) -> Message:
    return Message(text, tuple(params.items()))


@dataclass
class Row:
    number: int  # as people count rows: the first data row of a CSV is 2
    fields: dict = field(default_factory=dict)
    facilities: list[str] = field(default_factory=list)
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("the file is in an encoding we cannot read (try UTF-8 or GBK)")


def read(data: bytes, name: str, facility_names: dict[str, str]) -> list[Row]:
    """`facility_names` maps codes and Chinese names to catalogue codes."""
    text = decode(data)
    stripped = text.lstrip()
    if name.lower().endswith((".geojson", ".json")) or stripped.startswith("{"):
        return [_clean(row, facility_names) for row in _geojson_rows(text)]
    return [_clean(row, facility_names) for row in _csv_rows(text)]


def _csv_rows(text: str) -> list[Row]:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    return [Row(number, _by_alias(record)) for number, record in enumerate(reader, start=2)]


def _geojson_rows(text: str) -> list[Row]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid GeoJSON: {error.msg} at line {error.lineno}") from None
    rows = []
    for number, feature in enumerate(document.get("features") or [], start=1):
        properties = dict(feature.get("properties") or {})
        geometry = feature.get("geometry") or {}
        if geometry.get("type") == "Point" and len(geometry.get("coordinates") or []) >= 2:
            properties.setdefault("lon", geometry["coordinates"][0])
            properties.setdefault("lat", geometry["coordinates"][1])
        if "code" not in properties and "ref" not in properties and feature.get("id"):
            properties["code"] = "OSM-" + str(feature["id"]).replace("/", "-")
        if properties.get("amenity") == "toilets":
            properties.setdefault("kind", "toilet_station")
        properties.setdefault("facilities", ",".join(_osm_facilities(properties)))
        rows.append(Row(number, _by_alias(properties)))
    return rows


def _osm_facilities(tags: dict) -> list[str]:
    mapping = {
        "drinking_water": "drinking_water",
        "toilets": "toilet",
        "wheelchair": None,
        "changing_table": "baby_care",
        "internet_access": "wifi",
        "defibrillator": "aed",
        "microwave": "microwave",
        "bench": "seating",
    }
    found = [code for tag, code in mapping.items() if code and tags.get(tag) in ("yes", "wlan")]
    if tags.get("toilets:wheelchair") == "yes":
        found.append("accessible_toilet")
    return found


def _by_alias(record: dict) -> dict:
    lowered = {str(k).strip().lower(): v for k, v in record.items() if k is not None}
    found = {}
    for name, aliases in COLUMNS.items():
        for alias in aliases:
            value = lowered.get(alias.lower())
            if value not in (None, ""):
                found[name] = str(value).strip()
                break
    return found


def _clean(row: Row, facility_names: dict[str, str]) -> Row:
    values = row.fields
    for required in ("code", "name_zh"):
        if not values.get(required):
            row.errors.append(_n("missing %(field)s", field=required))
    kind = KINDS.get(values.get("kind", "warm_station").strip().lower()) or KINDS.get(
        values.get("kind", "")
    )
    if kind is None:
        row.errors.append(_n("unknown kind: %(kind)s", kind=values.get("kind")))
    values["kind"] = kind
    _coordinates(row)
    _hours(row)
    for token in re.split(r"[,，、;；/ ]+", values.pop("facilities", "")):
        if token:
            code = facility_names.get(token) or facility_names.get(token.lower())
            if code:
                row.facilities.append(code)
            else:
                row.warnings.append(_n("unknown facility skipped: %(name)s", name=token))
    return row


def _coordinates(row: Row) -> None:
    values = row.fields
    try:
        lat, lon = float(values.get("lat", "")), float(values.get("lon", ""))
    except ValueError:
        row.errors.append(_n("lat and lon must be numbers"))
        return
    datum = DATUMS.get(values.pop("coord", "").strip().lower())
    if datum is None:
        row.errors.append(_n("unknown coordinate system (use wgs84, gcj02 or bd09)"))
        return
    if not (CHINA[0] <= lat <= CHINA[1] and CHINA[2] <= lon <= CHINA[3]):
        row.errors.append(
            _n(
                "position %(lat)s, %(lon)s is outside China (are lat and lon swapped?)",
                lat=lat,
                lon=lon,
            )
        )
        return
    values["lat"], values["lon"] = geo.to_wgs84(lat, lon, datum)


_TIME = r"(\d{1,2})(?:[:：点时](\d{2})?分?)?"
_SPAN = re.compile(rf"(?:早|上午)?{_TIME}\s*(?:-|–|~|～|至|到)\s*(?:晚|下午)?{_TIME}")


def free_text_hours(text: str) -> str | None:
    """OSM syntax for what councils write: "全天24小时", "早7点至晚7点", "7:00～19:00"."""
    text = text.strip()
    if not text:
        return None
    if hours.is_valid(text):
        return text
    if re.search(r"24\s*小时|全天|24h", text, re.IGNORECASE):
        return "24/7"
    match = _SPAN.search(text)
    if not match:
        return None
    start_h, start_m, end_h, end_m = match.groups()
    end = int(end_h)
    if ("晚" in text or "下午" in text) and end < 12:
        end += 12
    candidate = f"Mo-Su {int(start_h):02d}:{start_m or '00'}-{end:02d}:{end_m or '00'}"
    return candidate if hours.is_valid(candidate) else None


def _hours(row: Row) -> None:
    raw = row.fields.get("opening_hours", "")
    if not raw:
        return
    converted = free_text_hours(raw)
    if converted is None:
        row.warnings.append(_n("opening hours not understood, left empty: %(raw)s", raw=raw))
        row.fields["opening_hours"] = ""
    elif converted != raw:
        row.warnings.append(_n("opening hours read as %(hours)s", hours=converted))
        row.fields["opening_hours"] = converted
