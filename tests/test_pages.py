import re
from html import unescape

import pytest

from stationsite.extensions import db


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def test_home_lists_every_demo_station_in_chinese(demo_client):
    response = demo_client.get("/")
    body = text(response)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in body
    assert "户外劳动者驿站地图" in body
    assert body.count('class="card card-') == 30
    assert "湖滨公园公厕驿站（演示）" in body
    assert "共 30 个驿站" in body


def test_home_map_asks_for_its_viewport_and_embeds_no_stations(demo_client):
    body = text(demo_client.get("/"))
    assert "L.map(" in body and "L.marker(" not in body
    assert "data-station-map" in body and 'data-api="/api/v1/stations"' in body
    assert "/static/js/stationmap.js" in body


def test_map_and_scripts_come_only_from_this_site(demo_client):
    body = text(demo_client.get("/"))
    sources = re.findall(r'(?:src|href)="([^"]+)"', body)
    assets = [s for s in sources if s.endswith((".js", ".css", ".svg", ".png"))]
    assert assets and all(s.startswith("/static/") for s in assets), assets
    assert "cdn" not in body.lower() and "jquery" not in body.lower()
    for asset in assets:
        response = demo_client.get(asset)
        assert response.status_code == 200, asset
        response.close()


def test_tiles_are_optional_and_configurable(demo_app):
    demo_app.config["MAP_TILES"] = "openstreetmap"
    assert "tile.openstreetmap.org" in text(demo_app.test_client().get("/"))
    demo_app.config["MAP_TILES"] = "https://tiles.example.test/{z}/{x}/{y}.png"
    assert "tiles.example.test" in text(demo_app.test_client().get("/"))
    demo_app.config["MAP_TILES"] = "none"
    assert "L.tileLayer" not in text(demo_app.test_client().get("/"))


def test_english_is_chosen_with_lang_and_remembered(demo_client):
    response = demo_client.get("/?lang=en")
    assert '<html lang="en">' in text(response)
    assert "Outdoor Workers' Station Map" in text(response)
    assert "Hubin Park toilet station (demo)" in text(response)
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in text(demo_client.get("/stations/HZ-T-001"))
    assert '<html lang="zh-CN">' in text(demo_client.get("/?lang=zh"))


def test_browser_language_does_not_override_chinese_default(demo_client):
    body = text(demo_client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}))
    assert '<html lang="zh-CN">' in body


def test_filter_by_kind(demo_client):
    body = text(demo_client.get("/?kind=warm_station"))
    assert body.count('class="card card-') == 12
    assert "公厕驿站（演示）" not in body.split('id="list-heading"')[1]


def test_filter_by_facility_requires_working(client, make_station):
    make_station(name_zh="好微波炉驿站", facilities=["microwave"])
    make_station(name_zh="坏微波炉驿站", facilities=[("microwave", "out_of_order", "")])
    make_station(name_zh="无微波炉驿站", facilities=["seating"])
    body = text(client.get("/?facility=microwave"))
    assert "好微波炉驿站" in body
    assert "坏微波炉驿站" not in body and "无微波炉驿站" not in body


def test_filter_open_now(client, make_station):
    make_station(name_zh="全天驿站", opening_hours="24/7")
    make_station(name_zh="从不开放驿站", opening_hours="Mo-Su off")
    body = text(client.get("/?open=now"))
    assert "全天驿站" in body and "从不开放驿站" not in body


def test_bad_filters_show_an_error_beside_the_field_not_a_500(demo_client):
    response = demo_client.get("/?kind=spaceship&facility=teleporter&lat=91&lon=500")
    assert response.status_code == 200
    body = text(response)
    assert body.count('class="field-errors"') == 2
    assert '<details class="more-filters" open>' in body
    assert body.count('class="card card-') == 30


def test_empty_result_says_so(client):
    assert "No stations to show yet" in text(client.get("/?lang=en"))


def test_station_page_shows_what_a_rider_needs(demo_client):
    body = text(demo_client.get("/stations/HZ-W-003"))
    assert "文新街道工会暖心驿站（演示）" in body
    assert "西湖区" in body and "文一西路" in body
    assert 'href="tel:057100001503"' in body
    assert "本周开放时间" in body and 'aria-current="date"' in body
    assert "微波炉" in body and "故障" in body and "加热故障" in body
    assert "最近核实" in body
    assert "演示区总工会服务中心" in body


def test_station_page_shows_facility_own_hours(client, make_station):
    station = make_station(
        opening_hours="Mo-Su 07:00-19:00", facilities=[("drinking_water", "working", "24/7")]
    )
    body = text(client.get(f"/stations/{station.code}?lang=en"))
    assert "Own hours: Every day 24 hours" in body and "Open 24 hours" in body
    assert "Usual hours: Every day 07:00–19:00" in body


def test_station_page_shows_a_temporary_closure(demo_client):
    body = text(demo_client.get("/stations/HZ-W-009"))
    assert "临时关闭" in body and "内部装修升级" in body and "恢复开放" in body


def test_station_page_with_unknown_hours(client, make_station):
    station = make_station(opening_hours="见现场公示")
    body = text(client.get(f"/stations/{station.code}"))
    assert "开放时间未知" in body


def test_station_page_in_english(demo_client):
    body = text(demo_client.get("/stations/HZ-W-003?lang=en"))
    assert "Opening hours this week" in body and "Microwave" in body and "Out of order" in body


def test_unknown_station_is_a_404_page(demo_client):
    response = demo_client.get("/stations/NOPE-404")
    assert response.status_code == 404
    assert "没有找到这个页面" in text(response)


def test_security_headers(demo_client):
    headers = demo_client.get("/").headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_no_contact_or_client_data_on_public_pages(demo_client, demo_app):
    from sqlalchemy import select

    from stationsite.models import Feedback

    with demo_app.app_context():
        feedback = db.session.scalars(select(Feedback)).first()
        feedback.contact, feedback.client_hash = "wechat-secret-contact", "hash-secret"
        code = feedback.station.code
        db.session.commit()
    for url in ("/", f"/stations/{code}", f"/api/v1/stations/{code}"):
        body = text(demo_client.get(url))
        assert "wechat-secret-contact" not in body and "hash-secret" not in body


@pytest.mark.parametrize("url", ["/", "/stations/HZ-T-001"])
def test_pages_are_small_enough_for_a_weak_network(demo_client, url):
    assert len(demo_client.get(url).get_data()) < 200_000


def test_weekly_table_shows_the_days_of_a_temporary_closure(client, make_station):
    from datetime import UTC, datetime, timedelta

    until = datetime.now(UTC) + timedelta(days=1)
    station = make_station(
        opening_hours="Mo-Su 07:00-19:00",
        status="temporarily_closed",
        closure_reason="水管维修",
        closed_until=until,
    )
    body = text(client.get(f"/stations/{station.code}"))
    table = body.split('class="hours"')[1].split("</table>")[0]
    assert "临时关闭" in table and "恢复开放" in table
    assert "水管维修" in body


def test_closure_without_an_end_closes_every_day_from_today(client, make_station):
    from datetime import UTC, datetime

    from stationsite.hours import SHANGHAI

    station = make_station(opening_hours="24/7", status="temporarily_closed")
    body = text(client.get(f"/stations/{station.code}"))
    table = body.split('class="hours"')[1].split("</table>")[0]
    today = datetime.now(UTC).astimezone(SHANGHAI).weekday()
    # when the closure began is not recorded: the days already past keep their hours
    assert table.count("临时关闭") == 7 - today
    assert "恢复时间待定" in body
