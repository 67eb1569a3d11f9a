import pytest

from stationsite.api.openapi import document
from stationsite.extensions import db

FEATURE_PROPERTIES = {
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
}


def test_stations_is_a_feature_collection_as_in_the_spec(demo_client):
    body = demo_client.get("/api/v1/stations").get_json()
    assert body["type"] == "FeatureCollection"
    assert len(body["features"]) == 30
    feature = body["features"][0]
    assert feature["type"] == "Feature"
    assert feature["geometry"]["type"] == "Point"
    lon, lat = feature["geometry"]["coordinates"]
    assert 119 < lon < 121 and 29 < lat < 31
    assert feature["properties"].keys() >= FEATURE_PROPERTIES
    for facility in feature["properties"]["facilities"]:
        assert {"code", "name", "state", "hours"} <= facility.keys()


def test_next_change_is_iso_with_offset(client, make_station):
    make_station(opening_hours="Mo-Su 07:00-19:00")
    feature = client.get("/api/v1/stations").get_json()["features"][0]
    assert feature["properties"]["next_change"].endswith("+08:00")
    assert feature["properties"]["open_now"] in (True, False)


def test_unknown_hours_give_null_open_now(client, make_station):
    make_station(opening_hours="not hours")
    properties = client.get("/api/v1/stations").get_json()["features"][0]["properties"]
    assert properties["open_now"] is None and properties["next_change"] is None


def test_bbox_kind_facility_and_open_now_filters(client, make_station):
    inside = make_station(lat=30.26, lon=120.16, facilities=["microwave"])
    make_station(lat=30.60, lon=120.16, facilities=["microwave"])
    make_station(lat=30.261, lon=120.161, kind="toilet_station")
    make_station(lat=30.262, lon=120.162, opening_hours="Mo-Su off", facilities=["microwave"])
    codes = lambda q: [f["id"] for f in client.get(f"/api/v1/stations?{q}").get_json()["features"]]  # noqa: E731
    box = "bbox=120.1,30.2,120.2,30.3"
    assert len(codes(box)) == 3
    assert codes(f"{box}&facility=microwave&open_now=1") == [inside.code]
    assert len(codes(f"{box}&kind=toilet_station")) == 1
    assert len(codes(f"{box}&open_now=0")) == 1


def test_english_names_with_lang(demo_client):
    body = demo_client.get("/api/v1/stations/HZ-T-001?lang=en").get_json()
    assert body["properties"]["name"] == "Hubin Park toilet station (demo)"
    assert any(f["name"] == "Drinking water" for f in body["properties"]["facilities"])


def test_station_detail(demo_client):
    body = demo_client.get("/api/v1/stations/HZ-W-009").get_json()
    assert body["properties"]["status"] == "temporarily_closed"
    assert body["properties"]["open_now"] is False
    assert body["properties"]["closure_reason"]


def test_facilities_catalogue(demo_client):
    codes = [f["code"] for f in demo_client.get("/api/v1/facilities").get_json()["facilities"]]
    assert {"microwave", "drinking_water", "aed", "umbrella_loan"} <= set(codes)


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("bbox=abc", 400, "bbox"),
        ("bbox=1,2,3", 400, "bbox"),
        ("bbox=1,2,3,nan", 400, "bbox"),
        ("bbox=121,30,120,31", 422, "bbox"),
        ("bbox=120,31,121,30", 422, "bbox"),
        ("bbox=120,30,200,31", 422, "bbox"),
        ("bbox=120,-95,121,31", 422, "bbox"),
        ("kind=spaceship", 422, "kind"),
        ("facility=microwave,teleporter", 422, "facility"),
        ("open_now=maybe", 400, "open_now"),
        ("zoom=abc", 400, "zoom"),
        ("zoom=99", 422, "zoom"),
    ],
)
def test_every_bad_parameter_gets_a_json_error_naming_it(demo_client, query, status, field):
    response = demo_client.get(f"/api/v1/stations?{query}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert field in error["fields"] and error["message"]


def test_unknown_station_is_a_json_404(demo_client):
    response = demo_client.get("/api/v1/stations/NOPE")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_api_path_is_a_json_404(demo_client):
    assert demo_client.get("/api/v1/nothing-here").get_json()["error"]["code"] == "not_found"


def test_wrong_method_is_a_json_405(demo_client):
    response = demo_client.delete("/api/v1/stations")
    assert response.status_code == 405 and "error" in response.get_json()


def test_unexpected_errors_are_json_without_a_trace(demo_app, monkeypatch):
    from stationsite.api import views

    def boom(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "viewport", boom)
    demo_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = demo_app.test_client().get("/api/v1/stations")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "internal_error"


def test_unexpected_page_errors_render_a_friendly_page(demo_app, monkeypatch):
    from stationsite.stations import views

    monkeypatch.setattr(views, "answer", lambda *_: 1 / 0)
    demo_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = demo_app.test_client().get("/")
    assert response.status_code == 500
    assert "ZeroDivisionError" not in response.get_data(as_text=True)


def test_openapi_describes_the_api(demo_client):
    spec = demo_client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    assert {"/api/v1/stations", "/api/v1/stations/{code}", "/api/v1/facilities"} <= spec[
        "paths"
    ].keys()
    names = {p["name"] for p in spec["paths"]["/api/v1/stations"]["get"]["parameters"]}
    assert {"bbox", "kind", "facility", "open_now", "zoom"} <= names


def test_openapi_refs_resolve(demo_app):
    with demo_app.test_request_context():
        spec = document()
    schemas = spec["components"]["schemas"]

    def refs(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "$ref":
                    yield value
                else:
                    yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(spec):
        assert ref.split("/")[-1] in schemas


def test_healthz(demo_client):
    response = demo_client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_reports_a_redis_that_is_down(demo_app):
    demo_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    response = demo_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("error")


def test_healthz_reports_a_database_that_is_down(demo_app, monkeypatch):
    from stationsite import health

    def broken(*_a, **_k):
        raise OSError("disk gone")

    monkeypatch.setattr(health.db.session, "execute", broken)
    response = demo_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error: OSError"


def test_api_answers_are_compressed_pages_are_not(demo_client):
    api = demo_client.get("/api/v1/stations", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    page = demo_client.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in page.headers


def test_a_facility_added_to_the_catalogue_shows_at_once(client, app, make_station):
    from stationsite.models import Facility, StationFacility

    station = make_station(facilities=["microwave"])
    client.get(f"/api/v1/stations/{station.code}")  # the catalogue is now cached
    with app.app_context():
        kettle = Facility(code="kettle", name_zh="电水壶", name_en="Kettle")
        db.session.add(kettle)
        db.session.flush()
        db.session.add(StationFacility(station_id=station.id, facility_id=kettle.id))
        db.session.commit()
    codes = [
        f["code"]
        for f in client.get(f"/api/v1/stations/{station.code}").get_json()["properties"][
            "facilities"
        ]
    ]
    assert "kettle" in codes
