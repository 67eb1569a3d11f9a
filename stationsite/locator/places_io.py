"""A real gazetteer: named places read from an OpenStreetMap extract or a simple CSV.

OSM extracts come as `.osm` XML or GeoJSON (as `osmium export` or overpass write them): named
POIs, metro and railway stations, parks, lakes and roads. A road is split into many ways in
OSM; all ways of one name become one place at the vertex nearest their middle, marked "road"
so the locator says it is a long place rather than pretending to a point. CSV columns:
name (or name_zh), name_en, kind, aliases (comma- or |-separated), district, city, lat, lon.
Every row that cannot be used is reported with its number and why; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

ROADS = frozenset(
    {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
    }
)
KINDS = frozenset({"park", "landmark", "transit", "metro", "road", "lake", "area"})


@dataclass(frozen=True)
class PlaceRow:
    name_zh: str
    lat: float
    lon: float
    kind: str = "landmark"
    name_en: str = ""
    aliases: str = ""
    district: str = ""
    city: str = ""


@dataclass(frozen=True)
class RowError:
    row: str  # a CSV line number or an OSM id
    message: str


def read_places(path: str | Path) -> tuple[list[PlaceRow], list[RowError]]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path.read_text(encoding="utf-8-sig"))
    if suffix in (".geojson", ".json"):
        return read_geojson(json.loads(path.read_text(encoding="utf-8")))
    if suffix in (".osm", ".xml"):
        return read_osm_xml(path.read_bytes())
    return [], [RowError("-", f"unknown file type {suffix!r}: use .csv, .geojson or .osm")]


# --- CSV ------------------------------------------------------------------------------------


def read_csv(text: str) -> tuple[list[PlaceRow], list[RowError]]:
    rows, errors = [], []
    for number, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
        try:
            rows.append(_csv_row(record))
        except ValueError as error:
            errors.append(RowError(str(number), str(error)))
    return rows, errors


def _csv_row(record: dict[str, str]) -> PlaceRow:
    name = record.get("name_zh") or record.get("name")
    if not name:
        raise ValueError("no name")
    kind = record.get("kind") or "landmark"
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(sorted(KINDS))}")
    lat, lon = _coordinate(record.get("lat"), 90), _coordinate(record.get("lon"), 180)
    aliases = record.get("aliases", "").replace("|", ",")
    return PlaceRow(
        name[:120],
        lat,
        lon,
        kind,
        record.get("name_en", "")[:160],
        aliases[:255],
        record.get("district", "")[:64],
        record.get("city", "")[:64],
    )


def _coordinate(text: str | None, bound: float) -> float:
    try:
        value = float(text or "")
    except ValueError:
        raise ValueError(f"coordinate {text!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > bound:
        raise ValueError(f"coordinate {text!r} is out of range")
    return value


# --- OpenStreetMap --------------------------------------------------------------------------


def osm_kind(tags: dict[str, str]) -> str | None:
    """What a tagged OSM object is to a rider, or None for what nobody types as a place."""
    if tags.get("station") == "subway" or tags.get("railway") == "subway_entrance":
        return "metro"
    if tags.get("railway") == "station" or tags.get("public_transport") == "station":
        return "transit"
    if tags.get("highway") in ROADS:
        return "road"
    if tags.get("water") == "lake" or tags.get("natural") == "water":
        return "lake"
    if tags.get("leisure") == "park":
        return "park"
    if tags.get("place") in ("suburb", "quarter", "neighbourhood"):
        return "area"
    if any(key in tags for key in ("amenity", "tourism", "historic", "building", "shop")):
        return "landmark"
    return None


def _osm_row(tags: dict[str, str], points: list[tuple[float, float]]) -> PlaceRow | None:
    name = tags.get("name:zh") or tags.get("name")
    kind = osm_kind(tags)
    if not name or not kind or not points:
        return None
    lat = sum(p[0] for p in points) / len(points)
    lon = sum(p[1] for p in points) / len(points)
    aliases = [tags[k] for k in ("alt_name", "short_name", "old_name", "name") if k in tags]
    return PlaceRow(
        name[:120],
        lat,
        lon,
        kind,
        tags.get("name:en", "")[:160],
        ",".join(a for a in aliases if a != name)[:255],
        tags.get("addr:district", "")[:64],
        tags.get("addr:city", "")[:64],
    )


def read_osm_xml(data: bytes) -> tuple[list[PlaceRow], list[RowError]]:
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        return [], [RowError("-", f"not OSM XML: {error}")]
    nodes: dict[str, tuple[float, float]] = {}
    found: list[tuple[dict[str, str], list[tuple[float, float]]]] = []
    errors: list[RowError] = []
    for element in root:
        tags = {t.get("k"): t.get("v") for t in element.iter("tag")}
        if element.tag == "node":
            try:
                point = (float(element.get("lat")), float(element.get("lon")))
            except (TypeError, ValueError):
                errors.append(RowError(f"node/{element.get('id')}", "no usable lat/lon"))
                continue
            nodes[element.get("id")] = point
            if tags:
                found.append((tags, [point]))
        elif element.tag == "way" and tags:
            refs = [nd.get("ref") for nd in element.iter("nd")]
            missing = [ref for ref in refs if ref not in nodes]
            if missing and "name" in tags:
                errors.append(RowError(f"way/{element.get('id')}", "its nodes are not in the file"))
            found.append((tags, [nodes[ref] for ref in refs if ref in nodes]))
    return _merge_roads(found), errors


def read_geojson(data) -> tuple[list[PlaceRow], list[RowError]]:
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        return [], [RowError("-", "not a GeoJSON FeatureCollection")]
    found, errors = [], []
    for number, feature in enumerate(data["features"], start=1):
        try:
            points = _points(feature.get("geometry") or {})
        except (TypeError, ValueError, KeyError, AttributeError):
            errors.append(RowError(str(number), "geometry is not a usable point, line or area"))
            continue
        properties = feature.get("properties") or {}
        found.append(({str(k): str(v) for k, v in properties.items()}, points))
    return _merge_roads(found), errors


def _points(geometry: dict) -> list[tuple[float, float]]:
    kind, coordinates = geometry["type"], geometry["coordinates"]
    flat = {"Point": [coordinates], "LineString": coordinates, "MultiPoint": coordinates}.get(kind)
    if flat is None and kind in ("Polygon", "MultiLineString"):
        flat = [c for ring in coordinates for c in ring]
    if flat is None and kind == "MultiPolygon":
        flat = [c for polygon in coordinates for ring in polygon for c in ring]
    if not flat:
        raise ValueError(kind)
    return [(float(c[1]), float(c[0])) for c in flat]


def _merge_roads(found) -> list[PlaceRow]:
    """Places as rows; every way of one road name becomes one place at its middle vertex."""
    rows, roads = [], defaultdict(list)
    for tags, points in found:
        if osm_kind(tags) == "road" and (tags.get("name:zh") or tags.get("name")):
            roads[tags.get("name:zh") or tags["name"]].append((tags, points))
            continue
        row = _osm_row(tags, points)
        if row:
            rows.append(row)
    for parts in roads.values():
        vertices = [p for _tags, points in parts for p in points]
        if vertices:
            rows.append(_osm_row(parts[0][0], [_middle(vertices)]))
    return rows


def _middle(vertices: list[tuple[float, float]]) -> tuple[float, float]:
    lat = sum(v[0] for v in vertices) / len(vertices)
    lon = sum(v[1] for v in vertices) / len(vertices)
    return min(vertices, key=lambda v: (v[0] - lat) ** 2 + (v[1] - lon) ** 2)
