"""OpenStreetMap and GeoJSON files as they come: a FeatureCollection (overpass-turbo,
osmium `export`, QGIS, our own export), a bare array of features, or Overpass API JSON.

Each feature becomes a `Row` holding its tags, with `lat`/`lon`, a stable `code` derived from
the OSM type and id, and facility codes read from the tags.
"""

from __future__ import annotations

import re

from .messages import ImportRefused, Message, Row, _n
from .tables import MAX_ROWS

OSM_TYPES = {"n": "node", "w": "way", "r": "relation"}
FACILITY_TAGS = {
    "drinking_water": "drinking_water",
    "toilets": "toilet",
    "changing_table": "baby_care",
    "internet_access": "wifi",
    "defibrillator": "aed",
    "microwave": "microwave",
    "bench": "seating",
    "toilets:wheelchair": "accessible_toilet",
}
YES = {"yes", "wlan", "wifi", "designated", "limited"}


def rows(document) -> list[Row]:
    features = _features(document)
    if len(features) > MAX_ROWS:
        raise ImportRefused(
            _n(
                "The file has more than %(limit)d rows. Split it into smaller files.",
                limit=MAX_ROWS,
            )
        )
    return [_row(number, feature) for number, feature in enumerate(features, start=1)]


def _features(document) -> list:
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and isinstance(document.get("elements"), list):
        return [_overpass_feature(element) for element in document["elements"]]
    if isinstance(document, dict) and isinstance(document.get("features"), list):
        return document["features"]
    if isinstance(document, dict) and document.get("type") == "Feature":
        return [document]
    raise ImportRefused(
        _n(
            "The JSON file holds no stations: expected a GeoJSON FeatureCollection or an "
            "Overpass API answer with elements."
        )
    )


def xml_elements(data: bytes) -> dict:
    """An OpenStreetMap XML file (JOSM, the OSM API, Overpass's default output) as Overpass
    JSON: tagged nodes, and ways and relations at their `<center>` or the mean of their
    nodes in the file. Untagged nodes are only the corners of ways, not stations."""
    from defusedxml import DefusedXmlException
    from defusedxml import ElementTree as ET

    try:
        root = ET.fromstring(data)
    except (ET.ParseError, DefusedXmlException):
        raise ImportRefused(_n("This is not a valid OpenStreetMap XML file.")) from None
    nodes = {n.get("id"): n for n in root.iter("node")}
    elements = []
    for item in root:
        tags = {t.get("k"): t.get("v") for t in item.iter("tag")}
        if item.tag not in OSM_TYPES.values() or not tags:
            continue
        element = {"type": item.tag, "id": item.get("id"), "tags": tags}
        where = item if item.tag == "node" else item.find("center")
        corners = [nodes[nd.get("ref")] for nd in item.iter("nd") if nd.get("ref") in nodes]
        point = _xml_point(where) or _mean([_xml_point(n) for n in corners])
        if point:
            element["lat"], element["lon"] = point
        elements.append(element)
    return {"elements": elements}


def _xml_point(item) -> tuple[float, float] | None:
    try:
        return float(item.get("lat")), float(item.get("lon"))
    except (AttributeError, TypeError, ValueError):
        return None


def _mean(points: list) -> tuple[float, float] | None:
    points = [p for p in points if p]
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _overpass_feature(element) -> dict | None:
    """Overpass `out center` JSON: nodes have lat/lon, ways and relations a `center`."""
    if not isinstance(element, dict):
        return None
    where = element if "lat" in element else element.get("center") or {}
    point = None
    if isinstance(where, dict) and "lat" in where and "lon" in where:
        point = {"type": "Point", "coordinates": [where["lon"], where["lat"]]}
    return {
        "type": "Feature",
        "id": f"{element.get('type')}/{element.get('id')}",
        "geometry": point,
        "properties": element.get("tags") if isinstance(element.get("tags"), dict) else {},
    }


def _row(number: int, feature) -> Row:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties") or {}, dict):
        return Row(number, errors=[_n("this entry is not a GeoJSON feature")])
    tags = {str(k): v for k, v in _tags(feature.get("properties") or {}).items()}
    row = Row(number, dict(tags))
    _position(row, feature.get("geometry"))
    code = osm_code(feature, tags)
    if code and not ("code" in tags or "ref" in tags):
        row.fields["code"] = code
    if tags.get("amenity") == "toilets":
        row.fields.setdefault("kind", "toilet_station")
        _name_unnamed_toilet(row, tags)
    if "facilities" not in tags:
        row.fields["facilities"] = ",".join(facilities(tags))
    return row


def _tags(properties: dict) -> dict:
    """osmtogeojson without flat properties (older overpass-turbo, Overpass GeoJSON tools)
    nests the tags: {"type": "node", "id": 1, "tags": {...}, "meta": {...}}."""
    nested = properties.get("tags")
    if isinstance(nested, dict) and properties.get("type") in OSM_TYPES.values():
        return {**nested, "@id": f"{properties['type']}/{properties.get('id')}"}
    return properties


def osm_code(feature: dict, tags: dict) -> str | None:
    """`node/123` (overpass-turbo), `n123` (osmium --add-unique-id), or @type and @id."""
    raw = tags.get("@id") or feature.get("id")
    if tags.get("@type") and isinstance(raw, int | str) and str(raw).isdigit():
        raw = f"{tags['@type']}/{raw}"
    if raw is None:
        return None
    text = str(raw)
    short = re.fullmatch(r"([nwr])(\d+)", text)
    if short:
        text = f"{OSM_TYPES[short.group(1)]}/{short.group(2)}"
    return "OSM-" + re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def facilities(tags: dict) -> list[str]:
    found = [code for tag, code in FACILITY_TAGS.items() if str(tags.get(tag, "")).lower() in YES]
    if tags.get("amenity") == "toilets":
        found.append("toilet")
        if str(tags.get("wheelchair", "")).lower() in YES:
            found.append("accessible_toilet")
    return list(dict.fromkeys(found))


def _name_unnamed_toilet(row: Row, tags: dict) -> None:
    if tags.get("name") or tags.get("name:zh"):
        return
    street = tags.get("addr:street") or tags.get("addr:place") or tags.get("addr:suburb")
    if street:
        name_generated(row, f"公厕（{street}）", FROM_STREET)
    else:
        row.unnamed = True


NO_POSITION = _n("this feature has no position")
FROM_STREET = _n("no name in the file: named %(name)s from its street")
FROM_PLACE = _n("no name in the file: named %(name)s from the nearest place")


def name_generated(row: Row, name: str, how: Message) -> None:
    """A made-up name is always said to be made up."""
    row.fields["name"] = name
    row.warnings.append(Message(how.text, (("name", name),)))


def _position(row: Row, geometry) -> None:
    point = _centre(geometry) if isinstance(geometry, dict) else None
    if point is None:
        row.errors.append(NO_POSITION)
        return
    row.fields.setdefault("lon", point[0])
    row.fields.setdefault("lat", point[1])


def _centre(geometry: dict) -> tuple[float, float] | None:
    """A Point as it is; a shape (a toilet mapped as a building) by its vertices' mean."""
    points = list(_points(geometry.get("coordinates")))
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def _points(coordinates):
    if (
        isinstance(coordinates, list)
        and len(coordinates) >= 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates[:2])
    ):
        yield float(coordinates[0]), float(coordinates[1])
    elif isinstance(coordinates, list):
        for part in coordinates:
            yield from _points(part)
