"""The OpenAPI 3.1 description of /api/v1, kept beside the views it describes."""

from __future__ import annotations

from flask import url_for

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

_FACILITY = {
    "type": "object",
    "required": ["code", "name", "state", "hours"],
    "properties": {
        "code": {"type": "string", "examples": ["microwave"]},
        "name": {"type": "string"},
        "state": {"enum": ["working", "out_of_order", "removed"]},
        "hours": {"type": ["string", "null"], "description": "own OSM opening_hours"},
        "open_now": {"type": ["boolean", "null"]},
    },
}

_FEATURE = {
    "type": "object",
    "required": ["type", "geometry", "properties"],
    "properties": {
        "type": {"const": "Feature"},
        "id": {"type": "string"},
        "geometry": {
            "type": "object",
            "description": "WGS-84 point, [lon, lat]",
            "properties": {
                "type": {"const": "Point"},
                "coordinates": {"type": "array", "items": {"type": "number"}, "minItems": 2},
            },
        },
        "properties": {
            "type": "object",
            "required": [
                "code",
                "kind",
                "name",
                "address",
                "district",
                "status",
                "open_now",
                "next_change",
                "opening_hours",
                "facilities",
            ],
            "properties": {
                "code": {"type": "string", "examples": ["HZ-T-007"]},
                "kind": {"enum": ["warm_station", "toilet_station"]},
                "name": {"type": "string"},
                "address": {"type": "string"},
                "district": {"type": "string"},
                "street": {"type": "string"},
                "status": {"enum": ["open", "temporarily_closed", "closed"]},
                "open_now": {"type": ["boolean", "null"], "description": "null: hours unknown"},
                "next_change": {"type": ["string", "null"], "format": "date-time"},
                "opening_hours": {"type": ["string", "null"]},
                "facilities": {"type": "array", "items": {"$ref": "#/components/schemas/Facility"}},
                "status_text": {"type": "string", "description": "state and next change, in words"},
                "distance_m": {"type": "number", "description": "nearby results only"},
                "walk_min": {"type": "integer", "description": "nearby results only"},
                "ebike_min": {"type": "integer", "description": "nearby results only"},
                "open_on_arrival": {
                    "type": ["boolean", "null"],
                    "description": "nearby results only",
                },
                "navigation": {
                    "type": "object",
                    "description": "nearby: provider -> https link",
                    "additionalProperties": {"type": "string"},
                },
                "reports": {
                    "type": "array",
                    "description": "one station only: open visitor reports",
                    "items": {
                        "type": "object",
                        "properties": {
                            "category": {"enum": ["facility_fault", "closed_when_open"]},
                            "facility": {"type": ["string", "null"]},
                            "count": {"type": "integer", "description": "reporter + me too"},
                            "since": {"type": "string", "format": "date-time"},
                            "status": {"enum": ["reported", "confirmed"]},
                        },
                    },
                },
                "cluster": {"type": "boolean", "description": "viewport clusters only"},
                "count": {"type": "integer", "description": "viewport clusters only"},
            },
        },
    },
}


def _param(name, description, schema=None, required=False, where="query"):
    return {
        "name": name,
        "in": where,
        "required": required,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _errors(*codes):
    return {
        str(code): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def _ok(schema_ref, description):
    return {
        "200": {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": schema_ref}}},
        }
    }


_FEEDBACK_BODY = {
    "type": "object",
    "required": ["visitor_group", "category"],
    "properties": {
        "visitor_group": {
            "enum": [
                "courier",
                "food_delivery",
                "sanitation",
                "ride_hailing",
                "other_outdoor",
                "citizen",
                "other",
            ]
        },
        "category": {
            "enum": [
                "praise",
                "suggestion",
                "cleanliness",
                "facility_fault",
                "missing_facility",
                "hours_wrong",
                "closed_when_open",
                "other",
            ]
        },
        "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
        "facility": {
            "type": ["string", "null"],
            "description": "facility code; required for facility_fault and missing_facility",
        },
        "comment": {"type": "string", "maxLength": 500},
        "contact": {"type": "string", "description": "phone or WeChat ID; private"},
    },
}


def _write(summary: str, body: dict, created: str) -> dict:
    return {
        "post": {
            "summary": summary,
            "parameters": [_param("code", "station code", required=True, where="path")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
            "responses": {
                "201": {"description": created},
                "200": {
                    "description": "already received: the same from this client within the "
                    "window; nothing stored twice"
                },
                **_errors(400, 404, 415, 422, 429, 503),
            },
        }
    }


def _nearby() -> dict:
    boolean, number, integer = {"type": "boolean"}, {"type": "number"}, {"type": "integer"}
    return {
        "get": {
            "summary": "The nearest stations that pass the filters, nearest first",
            "description": "Searches an in-memory spatial index, never a scan of all stations. "
            "open_on_arrival: open when the rider gets there (by `mode`) and for at least 10 "
            "minutes after. Output is always WGS-84.",
            "parameters": [
                _param("lat", "latitude of the rider", number, required=True),
                _param("lon", "longitude of the rider", number, required=True),
                _param("coord", "datum of lat/lon", {"enum": ["wgs84", "gcj02", "bd09"]}),
                _param("limit", "1-50, default 10", integer),
                _param("radius_m", "1-50000, default 3000", integer),
                _param("facility", "comma-separated facility codes, all working"),
                _param("kind", "station kind", {"enum": ["warm_station", "toilet_station"]}),
                _param("open_now", "1: open now", boolean),
                _param("open_on_arrival", "1: open on arrival", boolean),
                _param("h24", "1: open 24 hours", boolean),
                _param("mode", "travel mode for arrival times", {"enum": ["ebike", "walk"]}),
                _param(
                    "links",
                    "1: add navigation deep links (AMap, Baidu, Tencent, Apple, OSM)",
                    boolean,
                ),
                _param("lang", "zh (default) or en"),
            ],
            "responses": {
                **_ok(
                    "#/components/schemas/FeatureCollection",
                    "stations with distance_m, "
                    "walk_min, ebike_min, open_on_arrival and navigation links",
                ),
                **_errors(400, 422, 429),
            },
        }
    }


def document() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "stationsite API",
            "version": "1",
            "description": "Warm-heart stations (暖心驿站) and upgraded public-toilet stations "
            "(公厕驿站): where they are, what they have, whether they are open. Coordinates are "
            "WGS-84; times are ISO 8601 in Asia/Shanghai. Add lang=en for English names.",
        },
        "servers": [{"url": url_for("stations.index", _external=True).rstrip("/")}],
        "paths": {
            "/api/v1/stations": {
                "get": {
                    "summary": "Stations in a map view, or clusters when it holds too many",
                    "description": "Above MAP_MAX_FEATURES (500) stations the answer is clusters: "
                    "Features with properties {cluster: true, count}.",
                    "parameters": [
                        _param("bbox", "minlon,minlat,maxlon,maxlat (WGS-84)"),
                        _param("zoom", "map zoom level 0-22", {"type": "integer"}),
                        _param(
                            "kind", "station kind", {"enum": ["warm_station", "toilet_station"]}
                        ),
                        _param("facility", "comma-separated facility codes, all working"),
                        _param("open_now", "1 for open now, 0 for closed now", {"type": "boolean"}),
                        _param("h24", "1: open 24 hours", {"type": "boolean"}),
                        _param("lang", "zh (default) or en"),
                    ],
                    "responses": {
                        **_ok("#/components/schemas/FeatureCollection", "stations"),
                        **_errors(400, 422, 429),
                    },
                }
            },
            "/api/v1/stations/nearby": _nearby(),
            "/api/v1/stations/{code}": {
                "get": {
                    "summary": "One station with facilities, hours and its state now",
                    "parameters": [_param("code", "station code", required=True, where="path")],
                    "responses": {
                        **_ok("#/components/schemas/Feature", "the station"),
                        **_errors(404),
                    },
                }
            },
            "/api/v1/stations/{code}/feedback": _write(
                "Send feedback or a fault report (rate-limited per client and station)",
                _FEEDBACK_BODY,
                "stored: {id, reference, follow_url, status, duplicate: false}; the reporter "
                "keeps follow_url (a private status page) and quotes reference",
            ),
            "/api/v1/stations/{code}/checkins": _write(
                "Check in at a station (counted once per client per 30 minutes)",
                {
                    "type": "object",
                    "required": ["visitor_group"],
                    "properties": {"visitor_group": _FEEDBACK_BODY["properties"]["visitor_group"]},
                },
                "counted: {visit_id, counted: true, visited_at}",
            ),
            "/api/v1/facilities": {
                "get": {
                    "summary": "The facility catalogue",
                    "responses": {"200": {"description": "facility codes and names"}},
                }
            },
        },
        "components": {
            "schemas": {
                "Error": _ERROR,
                "Facility": _FACILITY,
                "Feature": _FEATURE,
                "FeatureCollection": {
                    "type": "object",
                    "properties": {
                        "type": {"const": "FeatureCollection"},
                        "features": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Feature"},
                        },
                        "total": {"type": "integer"},
                        "truncated": {"type": "boolean"},
                    },
                },
            }
        },
    }
