from datetime import UTC, datetime

from flask import current_app, jsonify, request

from ..i18n import current_lang
from ..stations.presenters import feature
from ..stations.services import (
    facility_catalogue,
    find_stations,
    get_station_or_404,
    station_status,
)
from . import bp, params
from .openapi import document


@bp.get("/stations")
def stations():
    args = request.args
    bbox = params.bbox(args.get("bbox"))
    params.integer("zoom", args.get("zoom"), default=None, low=0, high=22)
    rows = find_stations(
        kind=params.kind(args.get("kind")),
        facilities=params.facilities(args.get("facility")),
        bbox=bbox,
        open_now=params.boolean("open_now", args.get("open_now")),
        at=(now := datetime.now(UTC)),
    )
    lang = current_lang()
    limit = current_app.config["MAP_MAX_FEATURES"]
    features = [feature(s, st, now, lang) for s, st in rows[:limit]]
    return jsonify(
        {
            "type": "FeatureCollection",
            "features": features,
            "total": len(rows),
            "truncated": len(rows) > limit,
        }
    )


@bp.get("/stations/<code>")
def station(code: str):
    found = get_station_or_404(code)
    now = datetime.now(UTC)
    return jsonify(feature(found, station_status(found, now), now, current_lang()))


@bp.get("/facilities")
def facilities():
    lang = current_lang()
    return jsonify(
        {
            "facilities": [
                {
                    "code": f.code,
                    "name": f.name(lang),
                    "name_zh": f.name_zh,
                    "name_en": f.name_en,
                    "lendable": f.lendable,
                }
                for f in facility_catalogue()
            ]
        }
    )


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
