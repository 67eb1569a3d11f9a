"""Every station as CSV (opens in Excel) or GeoJSON with OpenStreetMap tags, written as a stream
of text chunks: stations are read in batches of plain columns (no ORM object per station), so a
national list starts at once and memory stays flat whatever the count."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

from sqlalchemy import String, bindparam, case, func, select, type_coerce

from ..extensions import db
from ..models import Facility, FacilityState, Station, StationFacility
from ..reports.exports import RISKY, safe_text

BATCH = 2000  # stations per query: one chunk of output each
FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "kind",
    "address",
    "district",
    "street",
    "lat",
    "lon",
    "opening_hours",
    "phone",
    "operator_org",
)
OSM_FACILITY_TAGS = {
    "drinking_water": ("drinking_water", "yes"),
    "toilet": ("toilets", "yes"),
    "accessible_toilet": ("toilets:wheelchair", "yes"),
    "baby_care": ("changing_table", "yes"),
    "wifi": ("internet_access", "wlan"),
    "aed": ("defibrillator", "yes"),
    "seating": ("bench", "yes"),
    "microwave": ("microwave", "yes"),
}
_COLUMNS = [
    type_coerce(getattr(Station, name), String) if name == "kind" else getattr(Station, name)
    for name in FIELDS
] + [type_coerce(Station.status, String), Station.id]  # enums as their stored text
_STATUS, _ID = len(FIELDS), len(FIELDS) + 1
_AT = {name: index for index, name in enumerate(FIELDS)}
Batch = list[tuple[tuple, str, str]]  # each station's columns, facilities, working facilities


def station_batches() -> Iterator[Batch]:
    """Stations in code order, `BATCH` at a time, read as plain tuples through Core: each with
    its facilities that are not removed, and those working (codes joined by commas)."""
    connection, last = db.session.connection(), None
    while True:
        query = select(*_COLUMNS).order_by(Station.code).limit(BATCH)
        if last is not None:
            query = query.where(Station.code > last)
        rows = connection.execute(query).all()
        if not rows:
            return
        ids = [row[_ID] for row in rows]
        facilities = {sid: (codes or "", on or "") for sid, codes, on in
                      connection.execute(_FACILITIES, {"ids": ids})}  # fmt: skip
        yield [(row, *facilities.get(row[_ID], ("", ""))) for row in rows]
        last = rows[-1][0]


def _facilities_query():
    """Facilities of some stations, not removed and working, as comma-joined codes; the ids
    are bound when it runs (built once: 2,000 ids are not compiled into each batch's query)."""
    state = type_coerce(StationFacility.state, String)
    working = case((state == FacilityState.WORKING.value, Facility.code))
    query = (
        select(
            StationFacility.station_id,
            func.aggregate_strings(Facility.code, ","),
            func.aggregate_strings(working, ","),
        )
        .join(Facility, Facility.id == StationFacility.facility_id)
        .where(StationFacility.station_id.in_(bindparam("ids", expanding=True)))
        .where(state != FacilityState.REMOVED.value)
        .group_by(StationFacility.station_id)
    )
    return query


_FACILITIES = _facilities_query()


def csv_chunks() -> Iterator[str]:
    """UTF-8 text with a byte-order mark first, so Excel opens the Chinese text correctly; no
    cell starts a formula in the union's Excel (CSV injection), and the importer takes the
    guarding apostrophe off again."""
    yield "\ufeff" + _csv_text([[*FIELDS, "status", "facilities"]])
    for batch in station_batches():
        yield _csv_text(_csv_row(*item) for item in batch)


def _csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


_TEXT = [index for index, name in enumerate(FIELDS) if name not in ("lat", "lon")] + [_STATUS]
_GUARDED_FIRST = frozenset("".join(RISKY))


def _csv_row(station: tuple, facilities: str, _working: str) -> list:
    row = list(station[: _STATUS + 1])
    row.append(",".join(sorted(facilities.split(","))))
    for index in (*_TEXT, -1):
        value = row[index]
        # most cells need no guard: call safe_text only where it could change something
        if value and (value[0] in _GUARDED_FIRST or not value.isprintable()):
            row[index] = safe_text(value)
    return row


def geojson_chunks() -> Iterator[str]:
    """One FeatureCollection, written a batch of features at a time: valid JSON when whole."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for batch in station_batches():
        text = _dumps([_feature(*item) for item in batch])[1:-1]  # one C call per batch
        yield text if first else ", " + text
        first = False
    yield "]}"


_dumps = json.JSONEncoder(ensure_ascii=False).encode


def export_csv() -> str:
    return "".join(csv_chunks())


def export_geojson() -> dict:
    return json.loads("".join(geojson_chunks()))


_TAGS = [  # OSM tag and column, in the order the features always had
    ("name", "name_zh"),
    ("name:zh", "name_zh"),
    ("name:en", "name_en"),
    ("opening_hours", "opening_hours"),
    ("phone", "phone"),
    ("operator", "operator_org"),
    ("addr:full", "address"),
    ("addr:district", "district"),
    ("addr:subdistrict", "street"),
    ("kind", "kind"),
]
_TAG_AT = [(tag, _AT[name]) for tag, name in _TAGS]


def _feature(station: tuple, facilities: str, working: str) -> dict:
    """A station as an OSM-tagged Feature; empty tags are left out."""
    tags = {"ref": station[0]}
    for tag, index in _TAG_AT:
        if station[index]:
            tags[tag] = station[index]
    tags["amenity"] = "toilets" if station[_AT["kind"]] == "toilet_station" else "shelter"
    if station[_STATUS] == "closed":
        tags["disused"] = "yes"
    for code in sorted(working.split(",")):
        if code in OSM_FACILITY_TAGS:
            key, value = OSM_FACILITY_TAGS[code]
            tags[key] = value
    if facilities:
        tags["facilities"] = ",".join(sorted(facilities.split(",")))
    return {
        "type": "Feature",
        "id": station[0],
        "geometry": {"type": "Point", "coordinates": [station[_AT["lon"]], station[_AT["lat"]]]},
        "properties": tags,
    }
