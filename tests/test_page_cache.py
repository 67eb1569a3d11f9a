"""The anonymous home page and the folium map parts are kept between requests, never stale."""

from __future__ import annotations

import re

from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Station
from stationsite.stations import page_cache
from stationsite.stations import views as station_views


def _nonce(response) -> str:
    page = re.search(r'<script nonce="([^"]+)"', response.get_data(as_text=True)).group(1)
    assert f"'nonce-{page}'" in response.headers["Content-Security-Policy"]
    return page


def _counting(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


def test_the_anonymous_home_page_is_kept_with_a_fresh_nonce(demo_client, monkeypatch):
    answers = _counting(monkeypatch, station_views, "answer")
    first, second = demo_client.get("/"), demo_client.get("/")
    assert first.status_code == second.status_code == 200
    assert len(answers) == 1
    assert _nonce(first) != _nonce(second)
    assert first.get_data(as_text=True).replace(_nonce(first), "") == second.get_data(
        as_text=True
    ).replace(_nonce(second), "")
    assert "Set-Cookie" not in second.headers
    demo_client.get("/?lang=en")
    assert len(answers) == 2  # another address, another page


def test_an_edit_shows_at_once(demo_app, demo_client):
    demo_client.get("/")
    with demo_app.app_context():
        station = db.session.scalars(select(Station).order_by(Station.id)).first()
        station.name_zh = "刚改的名字"
        db.session.commit()
    assert "刚改的名字" in demo_client.get("/").get_data(as_text=True)


def test_a_rider_position_or_a_session_is_never_served_from_the_kept_page(demo_client, monkeypatch):
    answers = _counting(monkeypatch, station_views, "answer")
    demo_client.get("/?lat=30.25&lon=120.16")
    demo_client.get("/?lat=30.25&lon=120.16")
    assert len(answers) == 2
    demo_client.get("/")
    demo_client.set_cookie("session", "anything")
    demo_client.get("/")
    assert len(answers) == 4


def test_map_parts_are_rendered_once_per_place(demo_app, demo_client, monkeypatch):
    maps = _counting(monkeypatch, page_cache, "station_map")
    with demo_app.app_context():
        code = db.session.scalar(select(Station.code).order_by(Station.id))
    for _ in range(3):
        assert demo_client.get(f"/stations/{code}").status_code == 200
    assert len(maps) == 1


def test_with_tiles_one_rendering_serves_every_place(demo_app, demo_client, monkeypatch):
    demo_app.config["MAP_TILES"] = "openstreetmap"
    maps = _counting(monkeypatch, page_cache, "station_map")
    with demo_app.app_context():
        stations = db.session.execute(
            select(Station.code, Station.lat, Station.lon).order_by(Station.id).limit(3)
        ).all()
    for code, lat, lon in stations:
        body = demo_client.get(f"/stations/{code}").get_data(as_text=True)
        assert f"center: [{lat}, {lon}]" in body
        assert "1.2345678901" not in body
    assert len(maps) == 1
