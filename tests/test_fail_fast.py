"""Dependencies that accept a connection and then never answer: every request gets a clear
answer within seconds (503 for what needs them), and what does not need them is unaffected."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from stationsite import create_app
from stationsite.extensions import db
from stationsite.models import Feedback, Station
from tests.conftest import BASE_CONFIG, _app_on_copy
from tests.test_feedback import count, token

LIMIT_S = 3.0


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts every connection and never says a word."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    listener.close()


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_a_silent_redis_refuses_writes_quickly_and_reads_go_on(
    empty_db_file, tmp_path, silent_server
):
    app = _app_on_copy(
        empty_db_file, tmp_path, RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{silent_server}/0"
    )
    with app.app_context():
        db.session.add(Station(code="FF-1", kind="warm_station", name_zh="驿站", lat=30, lon=120))
        db.session.commit()
    client = app.test_client()
    page, seconds = timed(lambda: client.get("/stations/FF-1"))
    assert page.status_code == 200 and seconds < LIMIT_S
    form = {"csrf_token": token(client, "/stations/FF-1/feedback"), "visitor_group": "courier"}
    form |= {"category": "praise", "comment": "好"}
    refused, seconds = timed(lambda: client.post("/stations/FF-1/feedback", data=form))
    assert refused.status_code == 503 and seconds < LIMIT_S
    api, seconds = timed(
        lambda: client.post("/api/v1/stations/FF-1/checkins", json={"visitor_group": "courier"})
    )
    assert api.status_code == 503 and seconds < LIMIT_S
    assert api.get_json()["error"]["code"] == "unavailable"
    assert count(app, Feedback) == 0


@pytest.fixture
def silent_database_app(silent_server):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{silent_server}/stationsite"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_silent_database_gets_a_503_within_seconds(silent_database_app):
    client = silent_database_app.test_client()
    health, seconds = timed(lambda: client.get("/healthz"))
    assert health.status_code == 503 and seconds < LIMIT_S
    assert health.get_json()["checks"]["database"].startswith("error")
    page, seconds = timed(lambda: client.get("/stations/ANY-1"))
    assert page.status_code == 503 and seconds < LIMIT_S
    assert "暂时无法使用" in page.get_data(as_text=True)
    api, seconds = timed(lambda: client.get("/api/v1/stations/ANY-1"))
    assert api.status_code == 503 and seconds < LIMIT_S
    assert api.get_json()["error"]["code"] == "unavailable"


@pytest.mark.parametrize("where", ["silent", "refused"])
def test_error_pages_answer_while_the_database_is_down(silent_server, where):
    """A form posted without its CSRF token (400) or a page that is not there (404) while
    PostgreSQL is down: the error page's footer asks the database whether demo data is
    loaded, and that error escaped the error handler (gunicorn answered a bare 500)."""
    port = silent_server if where == "silent" else 1
    url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/stationsite"
    app = create_app({**BASE_CONFIG, "DATABASE_URL": url, "WTF_CSRF_ENABLED": True})
    from stationsite.stations import demo_note

    demo_note._seen.clear()
    client = app.test_client()
    try:
        for call, status in (
            (lambda: client.post("/stations/ANY-1/checkin", data={"visitor_group": "x"}), 400),
            (lambda: client.post("/auth/login", data={"username": "a", "password": "b"}), 400),
            (lambda: client.get("/no/such/page"), 404),
        ):
            answer, seconds = timed(call)
            assert answer.status_code == status and seconds < LIMIT_S
    finally:
        with app.app_context():
            db.engine.dispose()
