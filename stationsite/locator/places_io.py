"""A real gazetteer: named places read from an OpenStreetMap extract or a simple CSV.

OSM extracts come as `.osm` XML, `.osm.pbf` (pyosmium) or GeoJSON (as `osmium export` or
Overpass write them): named POIs, metro and railway stations, parks, lakes and roads. A road
is split into many ways in OSM; the ways of one name (and city or district, when tagged) that
touch or nearly touch become one place kept as its line (shapely), with its point at the middle
of the line, marked "road", so a rider can be put on the nearest point of the road to them. A
name used by roads far apart (two 中山路 in different districts) gives one place each. CSV
columns: name (or name_zh), name_en, kind, aliases (comma- or |-separated), district, city,
lat, lon, and optionally line (WKT).
Every row that cannot be used is reported with its number and why; nothing is guessed.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy
import osmium
import shapely
import shapely.errors
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as ET
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from shapely.ops import nearest_points

if TYPE_CHECKING:
    from ..stations_io.messages import Message

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
KINDS = frozenset({"park", "scenic", "landmark", "transit", "metro", "road", "lake", "area"})
JOIN_M = 1000  # ways of one road name nearer each other than this are one road
LINE_DECIMALS = 6  # about 0.1 m


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
    line: str = ""  # a road's course: WKT MULTILINESTRING / LINESTRING of lon lat


@dataclass(frozen=True)
class RowError:
    row: str  # a CSV line number, a GeoJSON feature number or an OSM id; "-" for the file
    message: Message  # English as str(); the admin page says it in the reader's language


def _n(text: str, **params) -> Message:
    """The station import's message (stations_io.messages), imported late: that package's
    start-up imports the site's blueprints, which import this module."""
    from ..stations_io.messages import _n as message

    return message(text, **params)


class Problem(ValueError):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.message = message


SUFFIXES = (".csv", ".geojson", ".json", ".osm", ".xml")


def read_places(path: str | Path) -> tuple[list[PlaceRow], list[RowError]]:
    path = Path(path)
    return read_data(path.read_bytes(), path.name)


# What no text column can hold (PostgreSQL refuses NUL, UTF-8 a lone surrogate) and what no
# name shows: dropped from every text field, as the station import does.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
TEXT_FIELDS = ("name_zh", "kind", "name_en", "aliases", "district", "city", "line")


def read_data(data: bytes, filename: str) -> tuple[list[PlaceRow], list[RowError]]:
    """A places file by its name's ending: CSV or GeoJSON in any encoding the station import
    reads (UTF-8, UTF-16, GBK, Big5), or OSM XML; control characters and lone surrogates
    are dropped from every text (a row left without a name is not a place)."""
    rows, errors = _read_data(data, filename)
    cleaned = []
    for row in rows:
        texts = {name: getattr(row, name) for name in TEXT_FIELDS}
        if any(UNSTORABLE.search(text) for text in texts.values()):
            texts = {name: UNSTORABLE.sub("", text).strip() for name, text in texts.items()}
            if not texts["name_zh"]:
                continue
            row = replace(row, **texts)
        cleaned.append(row)
    return cleaned, errors


def _read_data(data: bytes, filename: str) -> tuple[list[PlaceRow], list[RowError]]:
    from ..stations_io.messages import ImportRefused

    suffix = Path(filename).suffix.lower()
    try:
        if suffix == ".csv":
            return read_csv(_text(data))
        if suffix in (".geojson", ".json"):
            return _read_json(_text(data))
    except ImportRefused as refused:
        return [], [RowError("-", refused.message)]
    if suffix in (".osm", ".xml"):
        return read_osm_xml(data)
    if suffix == ".pbf":
        return read_osm_pbf(data)
    unknown = _n(
        "unknown file type %(suffix)s: use .csv, .geojson, .osm or .osm.pbf", suffix=suffix
    )
    return [], [RowError("-", unknown)]


def _read_json(text: str) -> tuple[list[PlaceRow], list[RowError]]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        return [], [RowError("-", _n("not JSON: %(error)s", error=str(error)))]
    return read_geojson(data)


def _text(data: bytes) -> str:
    from ..stations_io.decoding import decode

    return decode(data)


# --- CSV ------------------------------------------------------------------------------------


def read_csv(text: str) -> tuple[list[PlaceRow], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = {(name or "").strip().lower() for name in reader.fieldnames or ()}
    for needed in (("name", "name_zh"), ("lat",), ("lon",)):
        if not columns & set(needed):
            return [], [RowError("-", _n("the file has no %(column)s column", column=needed[-1]))]
    rows, errors = [], []
    for number, record in enumerate(reader, start=2):
        record = {(k or "").strip().lower(): (v or "").strip() for k, v in record.items()}
        try:
            rows.append(_csv_row(record))
        except Problem as problem:
            errors.append(RowError(str(number), problem.message))
    return rows, errors


def _csv_row(record: dict[str, str]) -> PlaceRow:
    name = record.get("name_zh") or record.get("name")
    if not name:
        raise Problem(_n("no name"))
    kind = record.get("kind") or "landmark"
    if kind not in KINDS:
        raise Problem(
            _n("kind %(kind)s is not one of %(kinds)s", kind=kind, kinds=", ".join(sorted(KINDS)))
        )
    lat, lon = _coordinate(record, "lat", 90), _coordinate(record, "lon", 180)
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
        _csv_line(record.get("line", "")),
    )


def _csv_line(text: str) -> str:
    if not text:
        return ""
    try:
        geometry = shapely.from_wkt(text)
    except shapely.errors.ShapelyError:
        raise Problem(_n("line is not WKT")) from None
    if geometry.geom_type not in ("LineString", "MultiLineString") or geometry.is_empty:
        raise Problem(_n("line is not a LINESTRING or MULTILINESTRING"))
    if not _in_range(shapely.get_coordinates(geometry)):
        raise Problem(_n("line has a coordinate out of range"))
    return shapely.to_wkt(geometry, rounding_precision=LINE_DECIMALS, trim=True)


def _in_range(xy) -> bool:
    return bool(
        numpy.isfinite(xy).all() and (abs(xy[:, 0]) <= 180).all() and (abs(xy[:, 1]) <= 90).all()
    )


def _coordinate(record: dict[str, str], column: str, bound: float) -> float:
    text = record.get(column) or ""
    try:
        value = float(text)
    except ValueError:
        message = _n("%(column)s %(value)s is not a number", column=column, value=text)
        raise Problem(message) from None
    if not math.isfinite(value) or abs(value) > bound:
        raise Problem(_n("%(column)s %(value)s is out of range", column=column, value=text))
    return value


# --- OpenStreetMap --------------------------------------------------------------------------

Part = list[tuple[float, float]]  # (lat, lon) in order: a node, a way, a ring


def osm_kind(tags: dict[str, str]) -> str | None:
    """What a tagged OSM object is to a rider, or None for what nobody types as a place."""
    if tags.get("station") == "subway" or tags.get("railway") == "subway_entrance":
        return "metro"
    if tags.get("railway") == "station" or tags.get("public_transport") == "station":
        return "transit"
    if tags.get("aeroway") == "aerodrome":
        return "transit"
    if tags.get("highway") in ROADS:
        return "road"
    if tags.get("water") == "lake" or tags.get("natural") == "water":
        return "lake"
    if tags.get("boundary") in ("national_park", "protected_area"):
        return "scenic"
    if tags.get("leisure") in ("park", "nature_reserve"):
        return "park"
    if tags.get("place") == "square":
        return "landmark"
    if tags.get("place") in ("suburb", "quarter", "neighbourhood"):
        return "area"
    if any(key in tags for key in ("amenity", "tourism", "historic", "building", "shop")):
        return "landmark"
    return None


def _name(tags: dict[str, str]) -> str:
    return tags.get("name:zh") or tags.get("name") or ""


def _osm_row(tags: dict[str, str], parts: list[Part], line: str = "") -> PlaceRow | None:
    name, kind = _name(tags), osm_kind(tags)
    points = [p for part in parts for p in part]
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
        ",".join(dict.fromkeys(a for a in aliases if a != name))[:255],
        tags.get("addr:district", "")[:64],
        tags.get("addr:city", "")[:64],
        line,
    )


def read_osm_xml(data: bytes) -> tuple[list[PlaceRow], list[RowError]]:
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, DefusedXmlException) as error:  # an upload is not trusted
        return [], [RowError("-", _n("not OSM XML: %(error)s", error=str(error)))]
    nodes: dict[str, tuple[float, float]] = {}
    found: list[tuple[dict[str, str], list[Part]]] = []
    errors: list[RowError] = []
    for element in root:
        tags = {t.get("k"): t.get("v") for t in element.iter("tag")}
        if element.tag == "node":
            try:
                point = (float(element.get("lat")), float(element.get("lon")))
            except (TypeError, ValueError):
                errors.append(RowError(f"node/{element.get('id')}", _n("no usable lat/lon")))
                continue
            nodes[element.get("id")] = point
            if tags:
                found.append((tags, [[point]]))
        elif element.tag == "way" and tags:
            refs = [nd.get("ref") for nd in element.iter("nd")]
            missing = [ref for ref in refs if ref not in nodes]
            if missing and "name" in tags:
                missed = _n("its nodes are not in the file")
                errors.append(RowError(f"way/{element.get('id')}", missed))
            found.append((tags, [[nodes[ref] for ref in refs if ref in nodes]]))
    return _merge_roads(found), errors


def read_osm_pbf(data: bytes) -> tuple[list[PlaceRow], list[RowError]]:
    """An OpenStreetMap extract in PBF, as Geofabrik and osmium write them (pyosmium)."""
    found: list[tuple[dict[str, str], list[Part]]] = []
    errors: list[RowError] = []
    objects = osmium.FileProcessor(osmium.io.FileBuffer(data, "pbf")).with_locations()
    try:
        for item in objects:
            tags = {tag.k: tag.v for tag in item.tags}
            if not tags or not (item.is_node() or item.is_way()):
                continue
            if item.is_node():
                found.append((tags, [[(item.location.lat, item.location.lon)]]))
                continue
            points = [(n.lat, n.lon) for n in item.nodes if n.location.valid()]
            if len(points) < len(item.nodes) and "name" in tags:
                missed = _n("its nodes are not in the file")
                errors.append(RowError(f"way/{item.id}", missed))
            found.append((tags, [points]))
    except RuntimeError as error:  # what libosmium says of a broken file
        return [], [RowError("-", _n("not an OSM PBF file: %(error)s", error=str(error)))]
    return _merge_roads(found), errors


def read_geojson(data) -> tuple[list[PlaceRow], list[RowError]]:
    if not isinstance(data, dict) or not isinstance(data.get("features"), list):
        return [], [RowError("-", _n("not a GeoJSON FeatureCollection"))]
    found, errors = [], []
    for number, feature in enumerate(data["features"], start=1):
        try:
            parts = _parts(feature.get("geometry") or {})
        except (TypeError, ValueError, KeyError, AttributeError, IndexError):
            unusable = _n("geometry is not a usable point, line or area")
            errors.append(RowError(str(number), unusable))
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            errors.append(RowError(str(number), _n("properties are not an object")))
            continue
        found.append(({str(k): str(v) for k, v in properties.items()}, parts))
    return _merge_roads(found), errors


def _parts(geometry: dict) -> list[Part]:
    kind, coordinates = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        parts = [[coordinates]]
    elif kind == "MultiPoint":
        parts = [[c] for c in coordinates]
    elif kind == "LineString":
        parts = [coordinates]
    elif kind in ("Polygon", "MultiLineString"):
        parts = coordinates
    elif kind == "MultiPolygon":
        parts = [ring for polygon in coordinates for ring in polygon]
    else:
        raise ValueError(kind)
    found = [[(_latlon(c[1], 90), _latlon(c[0], 180)) for c in part] for part in parts]
    if not any(found):
        raise ValueError(kind)
    return found


def _latlon(value, bound: float) -> float:
    value = float(value)
    if not math.isfinite(value) or abs(value) > bound:
        raise ValueError(value)
    return value


# --- Roads as lines -------------------------------------------------------------------------


def _merge_roads(found) -> list[PlaceRow]:
    """Places as rows; the ways of one road name that (nearly) touch become one road."""
    rows, roads = [], defaultdict(list)
    for tags, parts in found:
        if osm_kind(tags) == "road" and _name(tags):
            key = (_name(tags), tags.get("addr:city", ""), tags.get("addr:district", ""))
            roads[key] += [(tags, part) for part in parts if part]
            continue
        row = _osm_row(tags, parts)
        if row:
            rows.append(row)
    for ways in roads.values():
        rows += [_road_row(road) for road in _touching(ways)] if ways else []
    return rows


def _metres(lat0: float):
    """A local flat projection, lon/lat degrees to metres (x east, y north): enough within a
    city for nearest points and gaps between ways."""
    kx, ky = 111_320 * math.cos(math.radians(lat0)), 110_574
    return (lambda xy: xy * (kx, ky)), (lambda xy: xy / (kx, ky))


def _geometry(part: Part):
    coordinates = [(lon, lat) for lat, lon in part]
    return shapely.LineString(coordinates) if len(part) > 1 else shapely.Point(coordinates[0])


def _touching(ways) -> list[list]:
    """The ways grouped into roads: connected through gaps of less than JOIN_M."""
    to_m, _back = _metres(ways[0][1][0][0])
    shapes = [shapely.transform(_geometry(part), to_m) for _tags, part in ways]
    left, right = shapely.STRtree(shapes).query(shapes, predicate="dwithin", distance=JOIN_M)
    graph = coo_matrix((numpy.ones(len(left)), (left, right)), shape=(len(ways), len(ways)))
    count, labels = connected_components(graph, directed=False)
    roads: list[list] = [[] for _n in range(count)]
    for way, label in zip(ways, labels, strict=True):
        roads[label].append(way)
    return roads


def _road_row(ways) -> PlaceRow:
    tags = dict(ways[0][0])
    for other, _part in ways:  # a name:en or a district on any of its ways counts
        for key, value in other.items():
            tags.setdefault(key, value)
    lines = [_geometry(part) for _tags, part in ways if len(part) > 1]
    if not lines:
        return _osm_row(tags, [part for _tags, part in ways])
    line = shapely.line_merge(shapely.MultiLineString(lines))
    lat, lon = _middle(line)
    wkt = shapely.to_wkt(line, rounding_precision=LINE_DECIMALS, trim=True)
    return _osm_row(tags, [[(lat, lon)]], wkt)


def _middle(line) -> tuple[float, float]:
    """Halfway along a road; for a road in pieces, its point nearest the middle of them all."""
    to_m, back = _metres(line.centroid.y)
    flat = shapely.transform(line, to_m)
    if flat.geom_type == "LineString":
        middle = flat.interpolate(0.5, normalized=True)
    else:
        middle = nearest_points(flat, flat.centroid)[0]
    lon, lat = back(numpy.array([[middle.x, middle.y]]))[0]
    return round(float(lat), LINE_DECIMALS), round(float(lon), LINE_DECIMALS)


@lru_cache(maxsize=1024)
def _line(wkt: str):
    return shapely.from_wkt(wkt)


def nearest_on_line(wkt: str, lat: float, lon: float) -> tuple[float, float]:
    """The point of a road's line nearest to (lat, lon)."""
    to_m, back = _metres(lat)
    flat = shapely.transform(_line(wkt), to_m)
    here = shapely.transform(shapely.Point(lon, lat), to_m)
    point = nearest_points(flat, here)[0]
    x, y = back(numpy.array([[point.x, point.y]]))[0]
    return round(float(y), LINE_DECIMALS), round(float(x), LINE_DECIMALS)
