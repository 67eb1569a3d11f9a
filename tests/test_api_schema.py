"""The API keeps to its own document: every answer (clusters too) matches the schema in
/api/v1/openapi.json, the document states the limits the server enforces, and schemathesis,
generating requests from the document in-process, finds no server error."""

from __future__ import annotations

import shutil

import jsonschema_rs
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stationsite import create_app

from .conftest import BASE_CONFIG


@pytest.fixture(scope="module")
def api_app(demo_db_file, tmp_path_factory):
    target = tmp_path_factory.mktemp("api") / "api.sqlite3"
    shutil.copy(demo_db_file, target)
    app = create_app(
        {**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{target}", "RATELIMIT_ENABLED": False}
    )
    yield app
    with app.app_context():
        from stationsite.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="module")
def document(api_app):
    return api_app.test_client().get("/api/v1/openapi.json").get_json()


def conforms(document: dict, name: str, answer: dict) -> None:
    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = [str(e) for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(answer)]
    assert errors == []


def test_clusters_match_the_collection_schema(api_app, document):
    api_app.config["MAP_MAX_FEATURES"] = 5
    try:
        answer = api_app.test_client().get("/api/v1/stations?bbox=119,29,121,31&zoom=9")
    finally:
        api_app.config["MAP_MAX_FEATURES"] = 500
    body = answer.get_json()
    assert body["clustered"] and all(f["properties"]["cluster"] for f in body["features"])
    conforms(document, "ViewportCollection", body)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/stations", "ViewportCollection"),
        ("/api/v1/stations?lang=en&open_now=1", "ViewportCollection"),
        ("/api/v1/stations/nearby?lat=30.2585&lon=120.1627&links=1", "NearbyCollection"),
        ("/api/v1/stations/nearby?lat=30.25&lon=120.17&coord=gcj02&limit=50", "NearbyCollection"),
        ("/api/v1/stations/HZ-W-003", "StationFeature"),
        ("/api/v1/facilities", "Catalogue"),
        ("/api/v1/stations?zoom=99", "Error"),
        ("/api/v1/stations/NOPE", "Error"),
    ],
)
def test_answers_match_their_schema(api_app, document, url, name):
    conforms(document, name, api_app.test_client().get(url).get_json())


def test_write_answers_match_their_schema(api_app, document):
    client = api_app.test_client()
    checkin = client.post("/api/v1/stations/HZ-W-003/checkins", json={"visitor_group": "courier"})
    conforms(document, "CheckinReceipt", checkin.get_json())
    feedback = client.post(
        "/api/v1/stations/HZ-W-003/feedback",
        json={"visitor_group": "courier", "category": "praise", "rating": 5},
    )
    conforms(document, "FeedbackReceipt", feedback.get_json())
    conforms(document, "Error", client.post("/api/v1/stations/HZ-W-003/checkins", json={}).json)


def _parameters(document, path) -> dict:
    return {p["name"]: p["schema"] for p in document["paths"][path]["get"]["parameters"]}


def test_the_document_states_the_ranges_the_server_enforces(document):
    viewport = _parameters(document, "/api/v1/stations")
    assert (viewport["zoom"]["minimum"], viewport["zoom"]["maximum"]) == (0, 22)
    assert viewport["bbox"]["type"] == "string" and "pattern" in viewport["bbox"]
    nearby = _parameters(document, "/api/v1/stations/nearby")
    assert (nearby["lat"]["minimum"], nearby["lat"]["maximum"]) == (-90, 90)
    assert (nearby["lon"]["minimum"], nearby["lon"]["maximum"]) == (-180, 180)
    assert (nearby["limit"]["minimum"], nearby["limit"]["maximum"]) == (1, 50)
    assert (nearby["radius_m"]["minimum"], nearby["radius_m"]["maximum"]) == (1, 50_000)
    assert nearby["coord"]["enum"] == ["wgs84", "gcj02", "bd09"]
    required = {
        p["name"]
        for p in document["paths"]["/api/v1/stations/nearby"]["get"]["parameters"]
        if p["required"]
    }
    assert required == {"lat", "lon"}


def test_the_document_states_the_body_rules(document):
    body = document["components"]["schemas"]["FeedbackBody"]
    assert set(body["required"]) == {"visitor_group", "category"}
    assert body["properties"]["comment"]["maxLength"] == 500
    rating = body["properties"]["rating"]["anyOf"][0]
    assert (rating["minimum"], rating["maximum"]) == (1, 5)
    assert "pattern" in body["properties"]["contact"]
    needs = body["allOf"][0]
    assert needs["then"]["required"] == ["facility"]
    checkin = document["components"]["schemas"]["CheckinBody"]
    assert checkin["required"] == ["visitor_group"]
    operation = document["paths"]["/api/v1/stations/{code}/checkins"]["post"]
    assert operation["requestBody"]["required"] is True
    assert {"201", "200", "415", "422", "429"} <= operation["responses"].keys()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stations?h24=",
        "/api/v1/stations?open_now=",
        "/api/v1/stations?zoom=",
        "/api/v1/stations/nearby?lat=30&lon=120&coord=",
        "/api/v1/stations/nearby?lat=30&lon=120&h24=",
        "/api/v1/stations/nearby?lat=&lon=120",
    ],
)
def test_an_empty_parameter_is_refused_by_name(api_app, url):
    answer = api_app.test_client().get(url)
    assert answer.status_code in (400, 422)
    name = url.rsplit("?", 1)[1].split("&")[-1].split("=")[0]
    if name == "lon":
        name = "lat"
    error = answer.get_json()["error"]
    assert error["code"] == "invalid_parameter" and name in error["fields"] and error["message"]


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("delete", "/api/v1/stations", {"GET", "HEAD", "OPTIONS"}),
        ("put", "/api/v1/stations/HZ-W-003/checkins", {"POST", "OPTIONS"}),
        ("post", "/api/v1/openapi.json", {"GET", "HEAD", "OPTIONS"}),
    ],
)
def test_a_405_names_the_methods_that_work(api_app, method, url, allowed):
    answer = getattr(api_app.test_client(), method)(url)
    assert answer.status_code == 405
    assert {m.strip() for m in answer.headers["Allow"].split(",")} == allowed
    assert answer.get_json()["error"]["code"] == "method_not_allowed"


# --- schemathesis, in-process ------------------------------------------------------------

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(api_app, caplog, mode):
    """Every operation, with valid and with invalid requests drawn from the document."""
    operations = _operations(api_app)
    assert len(operations) == 6
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not (len(operation.query) or len(operation.body)):
            continue  # nothing that can be sent wrong

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=30,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_to_it(case):
            # the test client does not undo compression; a real client would
            case.call_and_validate(headers={"Accept-Encoding": "identity"}, checks=CHECKS)

        keeps_to_it()
    assert [r.getMessage() for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


def test_a_bbox_is_what_the_document_says_four_plain_numbers(client):
    """openapi.json's pattern and the server agree: Python's float() alone also took these."""
    for odd in ("1_0,30,121,31", " 120,30,121,31", "120,30,121,３1", "inf,30,121,31"):
        response = client.get("/api/v1/stations", query_string={"bbox": odd})
        assert response.status_code == 400, odd
    assert client.get("/api/v1/stations?bbox=120,30.1,1.2e2,3.1e1").status_code == 200
