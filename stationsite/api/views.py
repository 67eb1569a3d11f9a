"""The read side of /api/v1: stations in a view, nearest stations, one station, facilities."""

from flask import abort, jsonify

from .. import geo
from ..catalogue import facility_list
from ..feedback.faults import public_reports
from ..hours import this_minute
from ..i18n import current_lang
from ..locator import index as idx
from ..locator.queries import nearby_records, viewport
from ..records import record_by_code
from ..reports.coverage import record_search
from ..stations.services import BBox, station_status
from . import bp, schemas
from .contract import contract
from .geojson import feature, kept_feature, nearby_feature
from .openapi import document

WORLD = BBox(-180, -90, 180, 90)
FEATURE_ERRORS = (400, 422, 429)


def _filters(query, open_filter: str | None = None) -> idx.Filters:
    return idx.Filters(
        kind=query.kind, facilities=query.facility, open=open_filter, h24=query.h24, mode=query.mode
    )


def _collection(features: list, **extra) -> dict:
    return {"type": "FeatureCollection", "features": features, **extra}


@bp.get("/stations")
@contract(
    query=schemas.ViewportQuery,
    answers={200: schemas.ViewportCollection},
    errors=FEATURE_ERRORS,
)
def stations(query: schemas.ViewportQuery):
    """Stations in a map view, or clusters when it holds too many

    Above MAP_MAX_FEATURES (500) stations in the view, the answer is clusters: Features with
    properties {cluster: true, count} and no station properties."""
    now, lang = this_minute(), current_lang()
    bbox = query.bbox or WORLD
    open_filter = {True: "now", False: "closed", None: None}[query.open_now]
    box = (bbox.min_lon, bbox.min_lat, bbox.max_lon, bbox.max_lat)
    view = viewport(box, query.zoom, _filters(query, open_filter), now)
    features = [kept_feature(s, station_status(s, now), now, lang) for s in view.stations]
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
@contract(
    query=schemas.NearbyQuery,
    answers={200: schemas.NearbyCollection},
    errors=FEATURE_ERRORS,
)
def nearby(query: schemas.NearbyQuery):
    """The nearest stations that pass the filters, nearest first

    Searches an in-memory spatial index, never a scan of all stations. Each station carries
    distance_m, walk_min, ebike_min and open_on_arrival; navigation links on request. Output
    is always WGS-84."""
    now, lang = this_minute(), current_lang()
    lat, lon = geo.to_wgs84(query.lat, query.lon, query.coord)
    open_filter = "arrival" if query.open_on_arrival else "now" if query.open_now else None
    filters = _filters(query, open_filter)
    found = nearby_records(
        lat, lon, now, limit=query.limit, radius_m=query.radius_m, filters=filters
    )
    record_search(lat, lon, filters, now, source="api")
    features = [nearby_feature(s, hit, now, lang, (lat, lon), query.links) for s, hit in found]
    return jsonify(_collection(features, origin={"lat": round(lat, 6), "lon": round(lon, 6)}))


@bp.get("/stations/<code>")
@contract(answers={200: schemas.StationFeature}, errors=(404,))
def station(code: str):
    """One station with facilities, hours, its state now and open visitor reports"""
    found = record_by_code(code)
    if found is None:
        abort(404)
    now = this_minute()
    body = feature(found, station_status(found, now), now, current_lang())
    body["properties"]["reports"] = public_reports(found.id)  # what visitors reported
    return jsonify(body)


@bp.get("/facilities")
@contract(answers={200: schemas.Catalogue})
def facilities():
    """The facility catalogue: codes for the `facility` filter and for reports"""
    lang = current_lang()
    catalogue = [
        {
            "code": f.code,
            "name": f.name(lang),
            "name_zh": f.name_zh,
            "name_en": f.name_en,
            "lendable": f.lendable,
        }
        for f in facility_list()  # cached: read at most every few seconds
    ]
    return jsonify({"facilities": catalogue})


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
