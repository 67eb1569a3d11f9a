"""Fixtures in the flaskr manner: an app on a fresh database, a client, a CLI runner, factories.

Databases are migrated once per session (Alembic, as in production) and copied per test.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import threading
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from stationsite import create_app
from stationsite.catalogue import ensure_catalogue
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import FacilityState, Station, StationFacility, StationKind

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "MAP_TILES": "none",
    "SERVER_NAME": None,
    "LOCATOR_REFRESH_S": 0,
    "SEARCH_LOG_FLUSH_S": 0,
}


def _allowed(address) -> bool:
    if isinstance(address, str):  # a unix socket path
        return True
    host = address[0]
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Tests never touch the network: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if not _allowed(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded)


def _template_db(path, *, demo: bool) -> None:
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{path}"})
    with app.app_context():
        migrate_to_head()
        if demo:
            from stationsite.demo import seed_demo

            seed_demo()
        else:
            ensure_catalogue()
        db.session.commit()
        db.engine.dispose()


@pytest.fixture(scope="session")
def empty_db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "empty.sqlite3"
    _template_db(path, demo=False)
    return path


@pytest.fixture(scope="session")
def demo_db_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "demo.sqlite3"
    _template_db(path, demo=True)
    return path


def _app_on_copy(source, tmp_path, **config):
    target = tmp_path / "stationsite.sqlite3"
    shutil.copy(source, target)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{target}", **config})
    return app


def _dispose(app) -> None:
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(empty_db_file, tmp_path):
    """A migrated database holding only the facility catalogue.

    No app context stays pushed: each request gets its own, as on a real server, so nothing
    kept in `g` (locale, logged-in user) leaks from one request to the next.
    """
    app = _app_on_copy(empty_db_file, tmp_path)
    yield app
    _dispose(app)


@pytest.fixture
def demo_app(demo_db_file, tmp_path):
    """A migrated database holding the Hangzhou demo set."""
    app = _app_on_copy(demo_db_file, tmp_path)
    yield app
    _dispose(app)


@pytest.fixture
def ctx(app):
    """An app context for tests that work with the database directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def demo_ctx(demo_app):
    with demo_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_station(app):
    """Factory: a station with the given facilities (code or (code, state, hours))."""
    counter = iter(range(1, 10_000))

    def make(facilities=(), **overrides) -> Station:
        """Returns a detached station with its facilities loaded."""
        with app.app_context():
            station = _make(facilities, **overrides)
            db.session.refresh(station)
            for item in station.facilities:
                assert item.facility
            db.session.expunge_all()
        return station

    def _make(facilities, **overrides) -> Station:
        number = next(counter)
        values = {
            "code": f"TS-{number:03d}",
            "kind": StationKind.WARM,
            "name_zh": f"测试驿站{number}",
            "name_en": f"Test station {number}",
            "address": "测试路1号",
            "district": "上城区",
            "street": "湖滨街道",
            "lat": 30.25 + number / 1000,
            "lon": 120.16 + number / 1000,
            "opening_hours": "24/7",
            "last_verified_at": datetime(2025, 11, 1, tzinfo=UTC),
        } | overrides
        station = Station(**values)
        catalogue = ensure_catalogue()
        for spec in facilities:
            code, state, hours = (spec, "working", "") if isinstance(spec, str) else spec
            station.facilities.append(
                StationFacility(facility=catalogue[code], state=FacilityState(state), hours=hours)
            )
        db.session.add(station)
        db.session.commit()
        return station

    return make


@contextmanager
def serve(app):
    """The app on a real threaded HTTP server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


POSTGRES_SERVER = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def postgres_database():
    """A fresh PostgreSQL database made for the caller and dropped afterwards; skips the test
    with the reason when no server answers (TEST_POSTGRES_URL points elsewhere)."""
    admin = create_engine(
        POSTGRES_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        admin.dispose()
        where = make_url(POSTGRES_SERVER).render_as_string()
        pytest.skip(f"no PostgreSQL at {where}: {error.__class__.__name__}")
    name = f"stationsite_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_SERVER).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
