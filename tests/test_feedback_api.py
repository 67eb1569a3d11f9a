"""JSON and Open311 writes, and that nothing accepted is lost or stored twice under load."""

import json
import shutil
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Feedback, Visit

from .conftest import BASE_CONFIG, postgres_database, serve


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def station(make_station):
    return make_station(code="API-1", lat=30.2585, lon=120.1627, facilities=["microwave", "toilet"])


FAULT = {
    "visitor_group": "food_delivery",
    "category": "facility_fault",
    "facility": "microwave",
    "rating": 2,
    "comment": "不加热",
    "contact": "13800138000",
}


def test_feedback_is_created_then_recognised_as_a_duplicate(client, app, station):
    first = client.post("/api/v1/stations/API-1/feedback", json=FAULT)
    assert first.status_code == 201
    body = first.get_json()
    assert body["duplicate"] is False and body["status"] == "new"
    again = client.post("/api/v1/stations/API-1/feedback", json=FAULT)
    assert again.status_code == 200
    assert again.get_json() == {**body, "duplicate": True}
    assert count(app, Feedback) == 1
    with app.app_context():
        assert db.session.scalar(select(Feedback.source)) == "api"


def test_missing_facility_may_name_any_catalogue_entry(client, app, station):
    response = client.post(
        "/api/v1/stations/API-1/feedback",
        json={"visitor_group": "citizen", "category": "missing_facility", "facility": "aed"},
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json at all", 415, "unsupported_media_type"),
        (None, 400, "invalid_json"),
        ([1, 2], 400, "invalid_json"),
        ({"visitor_group": {"nested": 1}, "category": "praise"}, 422, "invalid_field"),
        ({"category": "praise"}, 422, "invalid_fields"),
        ({"visitor_group": "courier", "category": "facility_fault"}, 422, "invalid_fields"),
        ({"visitor_group": "courier", "category": "praise", "rating": 7}, 422, "invalid_fields"),
        (
            {"visitor_group": "courier", "category": "praise", "comment": "x" * 501},
            422,
            "invalid_fields",
        ),
    ],
)
def test_bad_bodies_are_refused_clearly(client, app, station, body, status, code):
    if body == "not json at all":
        response = client.post(
            "/api/v1/stations/API-1/feedback", data=body, content_type="text/plain"
        )
    elif body is None:
        response = client.post(
            "/api/v1/stations/API-1/feedback", data="{broken", content_type="application/json"
        )
    else:
        response = client.post("/api/v1/stations/API-1/feedback", json=body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code
    assert count(app, Feedback) == 0


@pytest.mark.parametrize("kind", ["feedback", "checkins"])
def test_unknown_fields_are_ignored_whatever_they_hold(client, app, station, kind):
    """openapi.json allows other properties and says they are ignored; a list or an object
    under an unknown name was refused 422 (schemathesis, ST202)."""
    body = {"visitor_group": "courier", "": [1, [True]], "extra": {"a": None}}
    if kind == "feedback":
        body["category"] = "praise"
    response = client.post(f"/api/v1/stations/API-1/{kind}", json=body)
    assert response.status_code == 201, response.get_json()


def test_validation_errors_name_their_fields(client, station):
    response = client.post(
        "/api/v1/stations/API-1/feedback",
        json={"visitor_group": "courier", "category": "facility_fault", "contact": "??"},
    )
    assert set(response.get_json()["error"]["fields"]) == {"facility", "contact"}


def test_feedback_for_an_unknown_station_is_404(client):
    response = client.post("/api/v1/stations/NOPE/feedback", json=FAULT)
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_checkins_count_once(client, app, station):
    first = client.post("/api/v1/stations/API-1/checkins", json={"visitor_group": "courier"})
    assert first.status_code == 201 and first.get_json()["counted"] is True
    again = client.post("/api/v1/stations/API-1/checkins", json={"visitor_group": "courier"})
    assert again.status_code == 200 and again.get_json()["counted"] is False
    assert again.get_json()["visit_id"] == first.get_json()["visit_id"]
    assert client.post("/api/v1/stations/API-1/checkins", json={}).status_code == 422
    assert count(app, Visit) == 1


def test_openapi_documents_the_writes(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/stations/{code}/feedback"]
    assert "post" in paths["/api/v1/stations/{code}/checkins"]


# --- Open311 GeoReport v2 ---------------------------------------------------------------


def test_open311_services_are_the_categories(client):
    services = client.get("/open311/v2/services.json").get_json()
    codes = {s["service_code"] for s in services}
    assert {"facility_fault", "closed_when_open", "cleanliness"} <= codes
    assert all(s["type"] == "realtime" and s["metadata"] is False for s in services)


def test_open311_post_by_station_code_and_read_back(client, app, station):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "facility_fault",
            "address_id": "API-1",
            "description": "微波炉坏了",
            "attribute[facility]": "microwave",
            "phone": "13800138000",
        },
    )
    assert response.status_code == 201
    [created] = response.get_json()
    request_id = created["service_request_id"]
    [found] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert found["address_id"] == "API-1" and found["status"] == "open"
    assert found["service_code"] == "facility_fault"
    assert found["description"] is None  # not yet approved
    assert "13800138000" not in json.dumps(found)
    listed = client.get("/open311/v2/requests.json?status=open&service_code=facility_fault")
    assert [r["service_request_id"] for r in listed.get_json()] == [request_id]
    with app.app_context():
        assert db.session.scalar(select(Feedback.source)) == "open311"


def test_open311_post_by_position_files_against_the_nearest_station(client, station):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "cleanliness",
            "lat": "30.2586",
            "long": "120.1628",
            "description": "地面很脏",
        },
    )
    assert response.status_code == 201
    far = client.post(
        "/open311/v2/requests.json",
        data={"service_code": "cleanliness", "lat": "31.5", "long": "121.5"},
    )
    assert far.status_code == 400 and far.get_json()[0]["code"] == 400


@pytest.mark.parametrize(
    "data",
    [
        {"address_id": "API-1"},
        {"service_code": "teleport", "address_id": "API-1"},
        {"service_code": "facility_fault", "address_id": "API-1"},
        {"service_code": "praise", "address_id": "NOPE"},
    ],
)
def test_open311_errors_use_its_format(client, station, data):
    response = client.post("/open311/v2/requests.json", data=data)
    assert response.status_code == 400
    [error] = response.get_json()
    assert error["code"] == 400 and error["description"]


def test_open311_unknown_request_and_bad_dates(client, station):
    assert client.get("/open311/v2/requests/999.json").status_code == 404
    assert client.get("/open311/v2/requests.json?start_date=yesterday").status_code == 400
    assert (
        client.get(
            "/open311/v2/requests.json?start_date=2025-01-01T00:00:00Z&end_date=2030-01-01"
        ).status_code
        == 200
    )


# --- under concurrent load --------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, empty_db_file, tmp_path):
    if request.param == "sqlite":
        target = tmp_path / "live.sqlite3"
        shutil.copy(empty_db_file, target)
        yield f"sqlite:///{target}"
        return
    with postgres_database() as url:
        app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
        with app.app_context():
            migrate_to_head()
            db.engine.dispose()
        yield url


@pytest.fixture
def live_app(database_url):
    app = create_app(
        {
            **BASE_CONFIG,
            "DATABASE_URL": database_url,
            "FEEDBACK_LIMITS": "10000 per minute",
            "STATION_WRITE_LIMITS": "10000 per minute",
            "CHECKIN_LIMITS": "10000 per minute",
            "REPEAT_CHECKIN_LIMITS": "10000 per minute",
            "STATION_CHECKIN_LIMITS": "10000 per minute",
        }
    )
    with app.app_context():
        from stationsite.catalogue import ensure_catalogue
        from stationsite.models import Station, StationFacility

        catalogue = ensure_catalogue()
        station = Station(
            code="LOAD-1", kind="warm_station", name_zh="压力测试驿站", lat=30.2, lon=120.1
        )
        station.facilities.append(StationFacility(facility=catalogue["microwave"]))
        db.session.add(station)
        db.session.commit()
    with serve(app) as url:
        yield app, url
    with app.app_context():
        db.engine.dispose()


def _post(url: str, body: dict, agent: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "User-Agent": agent},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_concurrent_feedback_is_never_lost_nor_doubled(live_app):
    app, base = live_app
    url = f"{base}/api/v1/stations/LOAD-1/feedback"
    distinct = [
        (
            {"visitor_group": "courier", "category": "suggestion", "comment": f"建议{n}"},
            f"rider-{n}",
        )
        for n in range(40)
    ]
    same = [({"visitor_group": "courier", "category": "praise", "comment": "同一条"}, "twin")] * 20
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda job: _post(url, *job), distinct + same))
    assert statuses[:40] == [201] * 40
    assert statuses[40:].count(201) == 1 and set(statuses[40:]) <= {200, 201}
    assert count(app, Feedback) == 41


def test_concurrent_check_ins_count_each_client_once(live_app):
    app, base = live_app
    url = f"{base}/api/v1/stations/LOAD-1/checkins"
    jobs = [({"visitor_group": "sanitation"}, f"worker-{n % 10}") for n in range(50)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda job: _post(url, *job), jobs))
    assert statuses.count(201) == 10 and set(statuses) <= {200, 201}
    assert count(app, Visit) == 10


def test_one_phone_checking_in_many_times_at_once_counts_once(live_app):
    """Real threads against the database's dedupe key: the rollups agree with the raw rows."""
    from stationsite.reports import rollups

    app, base = live_app
    url = f"{base}/api/v1/stations/LOAD-1/checkins"
    for _ in range(3):
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(
                pool.map(lambda _: _post(url, {"visitor_group": "courier"}, "one"), range(24))
            )
        assert set(statuses) <= {200, 201}
    assert count(app, Visit) == 1
    with app.app_context():
        assert rollups.differences() == []
        db.session.remove()


def test_a_check_in_in_the_next_half_hour_counts_again(app, station, monkeypatch):
    """Windows are half hours of the clock: the next one counts the same phone again."""
    from datetime import UTC, datetime

    from stationsite.feedback import services
    from stationsite.models import Station

    moments = iter(
        datetime(2026, 12, 1, 2, minute, second, tzinfo=UTC)
        for minute, second in ((29, 58), (29, 59), (30, 0))
    )

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return next(moments)

    monkeypatch.setattr(services, "datetime", Clock)
    with app.test_request_context():
        stored = db.session.get(Station, station.id)
        counted = [services.check_in(stored, "courier", ("phone", "old"))[1] for _ in range(3)]
        db.session.commit()
    assert counted == [True, False, True]
    assert count(app, Visit) == 2


def test_an_uncounted_check_in_keeps_the_rest_of_the_request(app, station):
    """The conflict is skipped by the insert, not by rolling the session back."""
    from stationsite.feedback.services import check_in
    from stationsite.models import Station

    with app.test_request_context():
        stored = db.session.get(Station, station.id)
        check_in(stored, "courier", ("phone", "old"))
        stored.phone = "0571-1234"
        assert check_in(stored, "courier", ("phone", "old"))[1] is False
        db.session.commit()
        db.session.expire_all()
        assert db.session.get(Station, station.id).phone == "0571-1234"
