"""Every station as CSV (opens in Excel) or GeoJSON with OpenStreetMap tags, written as a stream
of text chunks: stations are read in batches of plain columns (no ORM object per station), so a
national list starts at once and memory stays flat whatever the count."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator

from sqlalchemy import select

from ..extensions import db
from ..models import Facility, FacilityState, Station, StationFacility
from ..reports.exports import safe_text

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
_COLUMNS = [getattr(Station, name) for name in FIELDS] + [Station.status, Station.id]


def station_batches() -> Iterator[list[tuple[dict, list[tuple[str, str]]]]]:
    """Stations in code order, `BATCH` at a time: each its columns and its facilities that are
    not removed (code, state), in the order they were added."""
    last = None
    while True:
        query = select(*_COLUMNS).order_by(Station.code).limit(BATCH)
        if last is not None:
            query = query.where(Station.code > last)
        rows = [row._asdict() for row in db.session.execute(query)]
        if not rows:
            return
        facilities = _facilities([row["id"] for row in rows])
        yield [(row, facilities[row["id"]]) for row in rows]
        last = rows[-1]["code"]


def _facilities(station_ids: list[int]) -> dict[int, list[tuple[str, str]]]:
    query = (
        select(StationFacility.station_id, Facility.code, StationFacility.state)
        .join(Facility, Facility.id == StationFacility.facility_id)
        .where(StationFacility.station_id.in_(station_ids))
        .where(StationFacility.state != FacilityState.REMOVED)
        .order_by(StationFacility.id)
    )
    found = defaultdict(list)
    for station_id, code, state in db.session.execute(query):
        found[station_id].append((code, str(state)))
    return found


def csv_chunks() -> Iterator[str]:
    """UTF-8 text with a byte-order mark first, so Excel opens the Chinese text correctly; no
    cell starts a formula in the union's Excel (CSV injection), and the importer takes the
    guarding apostrophe off again."""
    yield "\ufeff" + _csv_text([[*FIELDS, "status", "facilities"]])
    for batch in station_batches():
        yield _csv_text(_csv_row(station, facilities) for station, facilities in batch)


def _csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _csv_row(station: dict, facilities: list[tuple[str, str]]) -> list:
    row = [
        *(station[name] for name in FIELDS),
        str(station["status"]),
        ",".join(sorted(code for code, _state in facilities)),
    ]
    row[FIELDS.index("kind")] = str(station["kind"]) if station["kind"] else None
    return [safe_text(value) if isinstance(value, str) else value for value in row]


def geojson_chunks() -> Iterator[str]:
    """One FeatureCollection, written a batch of features at a time: valid JSON when whole."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for batch in station_batches():
        text = ", ".join(json.dumps(_feature(*item), ensure_ascii=False) for item in batch)
        yield text if first else ", " + text
        first = False
    yield "]}"


def export_csv() -> str:
    return "".join(csv_chunks())


def export_geojson() -> dict:
    return json.loads("".join(geojson_chunks()))


def _feature(station: dict, facilities: list[tuple[str, str]]) -> dict:
    kind = str(station["kind"])
    tags = {
        "ref": station["code"],
        "name": station["name_zh"],
        "name:zh": station["name_zh"],
        "name:en": station["name_en"],
        "opening_hours": station["opening_hours"] or None,
        "phone": station["phone"] or None,
        "operator": station["operator_org"] or None,
        "addr:full": station["address"] or None,
        "addr:district": station["district"] or None,
        "addr:subdistrict": station["street"] or None,
        "kind": kind,
        "amenity": "toilets" if kind == "toilet_station" else "shelter",
        "disused": "yes" if str(station["status"]) == "closed" else None,
    }
    for code, state in facilities:
        if state == FacilityState.WORKING and code in OSM_FACILITY_TAGS:
            key, value = OSM_FACILITY_TAGS[code]
            tags[key] = value
    tags["facilities"] = ",".join(sorted(code for code, _state in facilities))
    return {
        "type": "Feature",
        "id": station["code"],
        "geometry": {"type": "Point", "coordinates": [station["lon"], station["lat"]]},
        "properties": {k: v for k, v in tags.items() if v not in (None, "")},
    }
