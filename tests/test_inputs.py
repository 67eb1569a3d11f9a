"""Input no database or encoder can hold gets a clear 400/404 on every route, never a 500."""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from stationsite.extensions import db
from stationsite.models import Feedback
from tests.test_feedback import count
from tests.test_operator import people, sign_in  # noqa: F401 (a fixture)


@pytest.fixture
def station(make_station):
    return make_station(code="IN-1")


@pytest.mark.usefixtures("station")
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/stations/nearby?lat=30&lon=120&facility=%00",
        "/api/v1/stations?bbox=120,30,121,31&lang=%00",
        "/?q=%00",
        "/stations/IN-1?lang=en%00",
    ],
)
def test_nul_or_a_lone_surrogate_in_the_query_is_a_400(client, path):
    response = client.get(path)
    assert response.status_code == 400


@pytest.mark.usefixtures("station")
@pytest.mark.parametrize(
    "body",
    [
        b'{"visitor_group": "courier", "comment": "\\u0000"}',
        b'{"visitor_group": "courier", "comment": "\\ud800"}',
        b'{"\\ud800": 1}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    ],
)
def test_json_that_cannot_be_stored_is_a_400(app, client, body):
    response = client.post(
        "/api/v1/stations/IN-1/feedback", data=body, content_type="application/json"
    )
    assert response.status_code == 400 and "error" in response.get_json()
    assert count(app, Feedback) == 0


@pytest.mark.usefixtures("people")
@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/2147483648",
        "/admin/users/99999999999999999999",
        "/operator/feedback/4294967296",
    ],
)
def test_ids_no_table_can_hold_are_not_found(app, path):
    client = app.test_client()
    sign_in(client, "boss")
    assert client.get(path).status_code in (404, 405)


def test_an_open311_id_beyond_32_bits_is_not_found(client):
    assert client.get("/open311/v2/requests/2147483648.json").status_code == 404


@pytest.mark.usefixtures("station")
def test_a_form_field_with_nul_is_a_400(app, client):
    page = client.post("/stations/IN-1/feedback", data={"comment": "坏了\x00", "category": "x"})
    assert page.status_code == 400
    with app.app_context():
        assert db.session.query(Feedback).count() == 0


@pytest.mark.usefixtures("station")
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(
        ["/", "/api/v1/stations", "/api/v1/stations/nearby", "/stations/IN-1", "/api/v1/facilities"]
    ),
    params=st.dictionaries(
        st.sampled_from(["lat", "lon", "bbox", "zoom", "q", "facility", "open", "kind", "lang"]),
        st.text(max_size=30),
        max_size=4,
    ),
)
def test_any_query_on_public_pages_gets_an_answer_not_an_error(client, path, params):
    response = client.get(path, query_string=params)
    assert response.status_code < 500, (path, params, response.status_code)


@pytest.mark.usefixtures("station")
def test_a_body_larger_than_its_route_needs_is_a_413(client):
    big = b'{"visitor_group": "courier", "comment": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    response = client.post(
        "/api/v1/stations/IN-1/checkins", data=big, content_type="application/json"
    )
    assert response.status_code == 413
    assert "error" in response.get_json()


@pytest.mark.usefixtures("people")
def test_imports_may_send_a_larger_file(app):
    from tests.test_operator import csrf

    client = app.test_client()
    sign_in(client, "boss")
    rows = "".join(f"T-{n:06},warm_station,驿站{n},30.{n % 9},120.1\n" for n in range(60_000))
    data = ("code,kind,name_zh,lat,lon\n" + rows).encode()
    assert len(data) > 2 * 1024 * 1024
    form = {
        "csrf_token": csrf(client, "/admin/import"),
        "file": FileStorage(io.BytesIO(data), "big.csv"),
    }
    # encoded in memory: the test client would spool a large body to a file it never closes
    boundary, body = encode_multipart(form)
    response = client.post(
        "/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code in (200, 302)  # a preview, or the job page for a big file


@pytest.mark.parametrize("lat", ["nan", "inf", "-1e400", "91", "1e308"])
def test_an_open311_position_off_the_globe_is_a_400(client, lat):
    form = {"service_code": "facility_fault", "lat": lat, "long": "120", "description": "坏了"}
    assert client.post("/open311/v2/requests.json", data=form).status_code == 400


def test_answers_are_encoded_as_the_standard_encoder_would(app):
    """JSON answers go through orjson (inputs.CheckedJSON.response): byte for byte what
    json.dumps writes compactly in UTF-8 (a tiny float's exponent aside), dates by Flask's
    rules, and an integer orjson cannot hold still answered."""
    import json as std
    from datetime import date

    from flask import jsonify

    value = {"名": "湖滨驿站", "at": [30.2585, 120.1627, 0.1], "n": 2, "ok": None, 3: "x"}
    with app.test_request_context():
        body = jsonify(value).get_data()
        assert body == (std.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        assert jsonify(tiny=1e-7).get_json() == {"tiny": 1e-7}  # written 1e-7, not 1e-07
        assert jsonify(day=date(2026, 12, 3)).get_json() == {"day": "Thu, 03 Dec 2026 00:00:00 GMT"}
        assert jsonify(big=2**70).get_json() == {"big": 2**70}


def test_error_pages_speak_the_readers_language(client):
    """Werkzeug's titles are English only: a page's 405 reads in Chinese (and English with
    ?lang=en), and still names the methods that work."""
    refused = client.post("/")
    assert refused.status_code == 405 and "GET" in refused.headers["Allow"]
    assert "不能这样打开此页面" in refused.get_data(as_text=True)
    english = client.post("/?lang=en").get_data(as_text=True)
    assert "This page cannot be opened this way" in english and "Method Not Allowed" not in english
