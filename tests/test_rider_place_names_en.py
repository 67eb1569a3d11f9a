"""English pages name the rider's places in English where the gazetteer stores a name_en.

Links keep carrying the Chinese name as `near=`, so the same URL works in both languages;
Chinese pages are as they were; a place without an English name keeps its Chinese one."""

from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

FIXTURE = Path(__file__).parent / "data" / "hangzhou_places.osm"
EAST = "杭州东站"  # demo place: Hangzhou East Railway Station


@pytest.fixture
def gazetteer_app(demo_app):
    result = demo_app.test_cli_runner().invoke(args=["import-places", str(FIXTURE)])
    assert result.exit_code == 0, result.output
    return demo_app


def page(app, path: str) -> str:
    """A fresh client each time: ?lang=en is remembered in a cookie."""
    return app.test_client().get(path).get_data(as_text=True)


def heading(text: str) -> str:
    return text.split('<section class="results-head"')[1].split("</section>")[0]


def choices(text: str) -> str:
    return text.split('class="choices-list"')[1].split("</ul>")[0]


def test_an_english_heading_names_the_matched_place_in_english(gazetteer_app):
    q = quote("西湖文化广场")
    head = heading(page(gazetteer_app, f"/?q={q}&lang=en"))
    assert "Stations near West Lake Cultural Square" in head
    assert "&#9673; West Lake Cultural Square" in head and "西湖文化广场" not in head


def test_a_chinese_heading_is_unchanged(gazetteer_app):
    q = quote("西湖文化广场")
    head = heading(page(gazetteer_app, f"/?q={q}"))
    assert "西湖文化广场" in head and "West Lake Cultural Square" not in head


def test_english_choices_are_named_in_english_and_link_by_the_chinese_name(demo_app):
    text = choices(page(demo_app, f"/?q={quote('杭州冬站')}&lang=en"))
    first = text.split("<li>")[1]
    assert '<span class="choice-name">Hangzhou East Railway Station</span>' in first
    assert "transport hub · 上城区" in first  # districts: no English names stored
    assert f"near={quote(EAST)}" in first and "lang=en" in first


def test_chinese_choices_are_unchanged(demo_app):
    first = choices(page(demo_app, f"/?q={quote('杭州冬站')}")).split("<li>")[1]
    assert f'<span class="choice-name">{EAST}</span>' in first
    assert "Hangzhou East" not in first and f"near={quote(EAST)}" in first


def test_a_picked_place_link_reads_in_either_language(demo_app):
    link = f"/?lat=30.29060&lon=120.21260&near={quote(EAST)}"
    english = heading(page(demo_app, link + "&lang=en"))
    assert "Stations near Hangzhou East Railway Station" in english and EAST not in english
    chinese = heading(page(demo_app, link))
    assert EAST in chinese and "Hangzhou East" not in chinese


def test_nearer_places_with_that_name_are_in_english(demo_app):
    text = page(demo_app, f"/?q={quote('西湖区')}&lang=en")
    assert "Nearer places with that name" in text
    names = choices(text)
    assert "West Lake" in names or "Xixi Wetland" in names or "Huanglong Sports Centre" in names


def test_a_road_and_its_picked_point_read_in_english(gazetteer_app):
    # 龙翔桥 picked (its point in the link), then 中山北路 typed: the road's nearest point to it
    link = f"/?q={quote('中山北路')}&lat=30.25900&lon=120.16500&near={quote('龙翔桥')}"
    english = heading(page(gazetteer_app, link + "&lang=en"))
    assert "Zhongshan North Road, nearest point to Longxiangqiao" in english
    chinese = heading(page(gazetteer_app, link))
    assert "中山北路" in chinese and "龙翔桥" in chinese and "Zhongshan" not in chinese


def test_my_location_names_the_nearest_place_in_english(demo_app):
    assert "My location, near Hubin Park" in page(demo_app, "/?lat=30.2585&lon=120.1630&lang=en")
    assert "湖滨公园" in heading(page(demo_app, "/?lat=30.2585&lon=120.1630"))


def test_a_station_picked_by_name_reads_in_english(demo_app):
    from stationsite.extensions import db
    from stationsite.models import Station

    with demo_app.app_context():
        station = db.session.scalars(select(Station).where(Station.name_en != "")).first()
        name_zh, name_en, lat, lon = station.name_zh, station.name_en, station.lat, station.lon
    link = f"/?lat={lat:.5f}&lon={lon:.5f}&near={quote(name_zh)}"
    assert f"Stations near {name_en}" in heading(page(demo_app, link + "&lang=en"))


def test_a_place_without_an_english_name_keeps_its_chinese_name(demo_app):
    from stationsite.extensions import db
    from stationsite.locator import gazetteer
    from stationsite.models import Place

    with demo_app.app_context():
        db.session.add(
            Place(
                name_zh="无名小广场",
                name_en="",
                kind="landmark",
                district="上城区",
                lat=30.2700,
                lon=120.1700,
            )
        )
        db.session.commit()
        gazetteer._cache.clear()
    q = quote("无名小广场")
    english = heading(page(demo_app, f"/?q={q}&lang=en"))
    assert "Stations near 无名小广场" in english
    picked = heading(page(demo_app, f"/?lat=30.27000&lon=120.17000&near={q}&lang=en"))
    assert "Stations near 无名小广场" in picked
