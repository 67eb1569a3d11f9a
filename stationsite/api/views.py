from flask import abort, jsonify, request

from .. import geo
from ..feedback.faults import public_reports
from ..hours import this_minute
from ..i18n import current_lang
from ..locator import index as idx
from ..locator.queries import nearby_records, viewport
from ..records import record_by_code
from ..reports.coverage import record_search
from ..stations.services import facility_catalogue, station_status
from . import bp, params
from .geojson import feature, nearby_feature
from .openapi import document


def _filters(args, open_filter: str | None = None) -> idx.Filters:
    return idx.Filters(
        kind=params.kind(args.get("kind")),
        facilities=params.facilities(args.get("facility")),
        open=open_filter,
        h24=bool(params.boolean("h24", args.get("h24"))),
        mode=params.choice("mode", args.get("mode"), ("ebike", "walk"), "ebike"),
    )


def _collection(features: list, **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


@bp.get("/stations")
def stations():
    args, now, lang = request.args, this_minute(), current_lang()
    bbox = params.bbox(args.get("bbox")) or params.BBox(-180, -90, 180, 90)
    zoom = params.integer("zoom", args.get("zoom"), default=12, low=0, high=22)
    open_now = params.boolean("open_now", args.get("open_now"))
    open_filter = {True: "now", False: "closed", None: None}[open_now]
    box = (bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat)
    view = viewport(box, zoom, _filters(args, open_filter), now)
    features = [feature(s, station_status(s, now), now, lang) for s in view.stations]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(c.lon, 5), round(c.lat, 5)]},
            "properties": {"cluster": True, "count": c.count},
        }
        for c in view.clusters
    ]
    return jsonify(_collection(features, total=view.total, clustered=bool(view.clusters)))


@bp.get("/stations/nearby")
def nearby():
    args, now, lang = request.args, this_minute(), current_lang()
    lat = params.coordinate("lat", args.get("lat"), 90)
    lon = params.coordinate("lon", args.get("lon"), 180)
    coord = params.choice("coord", args.get("coord"), ("wgs84", "gcj02", "bd09"), "wgs84")
    lat, lon = geo.to_wgs84(lat, lon, coord)
    open_filter = None
    if params.boolean("open_on_arrival", args.get("open_on_arrival")):
        open_filter = "arrival"
    elif params.boolean("open_now", args.get("open_now")):
        open_filter = "now"
    filters = _filters(args, open_filter)
    found = nearby_records(
        lat,
        lon,
        now,
        limit=params.integer("limit", args.get("limit"), default=10, low=1, high=50),
        radius_m=params.integer("radius_m", args.get("radius_m"), default=3000, low=1, high=50_000),
        filters=filters,
    )
    record_search(lat, lon, filters, now, source="api")
    links = bool(params.boolean("links", args.get("links")))
    features = [nearby_feature(s, hit, now, lang, (lat, lon), links) for s, hit in found]
    return jsonify(_collection(features, origin={"lat": round(lat, 6), "lon": round(lon, 6)}))


@bp.get("/stations/<code>")
def station(code: str):
    found = record_by_code(code)
    if found is None:
        abort(404)
    now = this_minute()
    body = feature(found, station_status(found, now), now, current_lang())
    body["properties"]["reports"] = public_reports(found.id)  # what visitors reported
    return jsonify(body)


@bp.get("/facilities")
def facilities():
    lang = current_lang()
    catalogue = [
        {
            "code": f.code,
            "name": f.name(lang),
            "name_zh": f.name_zh,
            "name_en": f.name_en,
            "lendable": f.lendable,
        }
        for f in facility_catalogue()
    ]
    return jsonify({"facilities": catalogue})


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
