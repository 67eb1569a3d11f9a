import re
from html import unescape

import pytest
from geopy.distance import great_circle
from sqlalchemy import select

from stationsite import geo
from stationsite.extensions import db
from stationsite.models import FacilityState, Station

HUBIN = (30.2585, 120.1627)


def nearby(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/stations/nearby?{query}")


def test_nearby_is_ordered_by_distance_with_spec_properties(demo_client):
    body = nearby(
        demo_client, lat=HUBIN[0], lon=HUBIN[1], limit=5, radius_m=5000, links=1
    ).get_json()
    assert body["type"] == "FeatureCollection"
    features = body["features"]
    assert len(features) == 5
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
    for feature in features:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        assert props["distance_m"] == pytest.approx(great_circle(HUBIN, (lat, lon)).meters, abs=2)
        assert {
            "code",
            "kind",
            "name",
            "open_now",
            "open_on_arrival",
            "next_change",
            "facilities",
            "walk_min",
            "ebike_min",
            "navigation",
        } <= props.keys()
        assert set(props["navigation"]) == {"amap", "baidu", "tencent", "apple", "osm"}


def test_nearby_accepts_gcj02_input_and_answers_wgs84(demo_client):
    glat, glon = geo.wgs84_to_gcj02(*HUBIN)
    plain = nearby(demo_client, lat=HUBIN[0], lon=HUBIN[1]).get_json()
    converted = nearby(demo_client, lat=glat, lon=glon, coord="gcj02").get_json()
    assert [f["id"] for f in converted["features"]] == [f["id"] for f in plain["features"]]
    assert converted["origin"]["lat"] == pytest.approx(HUBIN[0], abs=1e-6)


def test_nearby_filters(client, make_station):
    near = make_station(lat=30.2586, lon=120.1628, facilities=["microwave", "toilet"])
    make_station(lat=30.2587, lon=120.1629, facilities=[("microwave", "out_of_order", "")])
    make_station(lat=30.2588, lon=120.1630, facilities=["microwave"], opening_hours="Mo-Su off")
    toilet = make_station(
        lat=30.2589, lon=120.1631, kind="toilet_station", facilities=["microwave"]
    )

    def codes(**params):
        return [
            f["id"]
            for f in nearby(client, lat=HUBIN[0], lon=HUBIN[1], **params).get_json()["features"]
        ]

    assert codes(facility="microwave,toilet") == [near.code]
    assert codes(facility="microwave", open_now=1) == [near.code, toilet.code]
    assert codes(facility="microwave", open_on_arrival=1, kind="toilet_station") == [toilet.code]
    assert codes(h24=1, facility="microwave") == [near.code, toilet.code]
    assert len(codes(radius_m=1)) == 0


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"lon": 120}, 400, "lat"),
        ({"lat": 30}, 400, "lon"),
        ({"lat": 91, "lon": 120}, 422, "lat"),
        ({"lat": 30, "lon": "abc"}, 400, "lon"),
        ({"lat": "nan", "lon": 120}, 422, "lat"),
        ({"lat": 30, "lon": 120, "radius_m": -5}, 422, "radius_m"),
        ({"lat": 30, "lon": 120, "radius_m": "far"}, 400, "radius_m"),
        ({"lat": 30, "lon": 120, "limit": 0}, 422, "limit"),
        ({"lat": 30, "lon": 120, "facility": "teleporter"}, 422, "facility"),
        ({"lat": 30, "lon": 120, "kind": "castle"}, 422, "kind"),
        ({"lat": 30, "lon": 120, "coord": "mars"}, 422, "coord"),
        ({"lat": 30, "lon": 120, "mode": "rocket"}, 422, "mode"),
        ({"lat": 30, "lon": 120, "open_now": "perhaps"}, 400, "open_now"),
    ],
)
def test_every_invalid_nearby_parameter_is_named(demo_client, params, status, field):
    response = nearby(demo_client, **params)
    assert response.status_code == status
    assert field in response.get_json()["error"]["fields"]


def test_viewport_returns_clusters_when_the_box_holds_too_many(demo_app):
    demo_app.config["MAP_MAX_FEATURES"] = 5
    body = demo_app.test_client().get("/api/v1/stations?bbox=119,29,121,31&zoom=9").get_json()
    assert body["clustered"] is True
    assert all(f["properties"]["cluster"] for f in body["features"])
    assert sum(f["properties"]["count"] for f in body["features"]) == body["total"] == 30
    assert len(body["features"]) <= 5


def test_viewport_returns_stations_when_few(demo_client):
    body = demo_client.get("/api/v1/stations?bbox=120.15,30.25,120.17,30.27&zoom=15").get_json()
    assert body["clustered"] is False
    assert body["features"] and all("cluster" not in f["properties"] for f in body["features"])


def test_viewport_closed_now_filter(client, make_station):
    make_station(opening_hours="Mo-Su off")
    make_station(opening_hours="24/7")
    closed = client.get("/api/v1/stations?open_now=0").get_json()["features"]
    assert [f["properties"]["open_now"] for f in closed] == [False]


def test_an_operators_change_reaches_the_locator_at_once(demo_app):
    client = demo_app.test_client()
    assert "HZ-T-001" in [
        f["id"]
        for f in nearby(client, lat=HUBIN[0], lon=HUBIN[1], facility="toilet").get_json()[
            "features"
        ]
    ]
    with demo_app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "HZ-T-001"))
        for item in station.facilities:
            if item.facility.code == "toilet":
                item.state = FacilityState.OUT_OF_ORDER
        db.session.commit()
    codes = [
        f["id"]
        for f in nearby(client, lat=HUBIN[0], lon=HUBIN[1], facility="toilet").get_json()[
            "features"
        ]
    ]
    assert "HZ-T-001" not in codes


def test_openapi_documents_the_locator(demo_client):
    spec = demo_client.get("/api/v1/openapi.json").get_json()
    parameters = {p["name"] for p in spec["paths"]["/api/v1/stations/nearby"]["get"]["parameters"]}
    assert {
        "lat",
        "lon",
        "limit",
        "radius_m",
        "facility",
        "open_now",
        "open_on_arrival",
        "kind",
        "coord",
        "mode",
        "h24",
    } <= parameters


# --- the rider's page -------------------------------------------------------------------


def page(client, url):
    return unescape(client.get(url).get_data(as_text=True))


def open_all_day(app, code: str) -> str:
    """Make a demo station open around the clock (the page has no injected clock, so tests
    that expect it "open on arrival" must not depend on the hour they run); returns the old
    hours."""
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == code))
        before, station.opening_hours = station.opening_hours, "24/7"
        db.session.commit()
    return before


def test_location_shows_the_nearest_suitable_station_first_with_navigation(demo_app, demo_client):
    open_all_day(demo_app, "HZ-W-001")
    body = page(demo_client, f"/?lat={HUBIN[0]}&lon={HUBIN[1]}&facility=microwave&open=arrival")
    top = body.split('class="top-result"')[1].split("</section>")[0]
    assert "湖滨商圈户外劳动者暖心驿站" in top
    assert "uri.amap.com/navigation" in top and "api.map.baidu.com/direction" in top
    assert "apis.map.qq.com" in top and "maps.apple.com" in top and "openstreetmap.org" in top
    assert "到达时开放" in top and "骑行" in top and "米" in top
    assert 'data-origin="30.2585,120.1627"' in body


def test_typed_place_is_found_offline(demo_client):
    body = page(demo_client, "/?q=%E6%9D%AD%E5%B7%9E%E4%B8%9C%E7%AB%99")  # 杭州东站
    assert 'class="origin">&#9673; 杭州东站' in body or "◉ 杭州东站" in body
    assert "top-result" in body


def test_unknown_place_says_so(demo_client):
    body = page(demo_client, "/?q=%E7%81%AB%E6%98%9F")  # 火星
    assert "没有找到“火星”" in body


def test_far_away_results_say_they_are_further(demo_client):
    body = page(demo_client, "/?lat=30.45&lon=120.30&kind=toilet_station")  # north of 临平
    assert "3 公里内没有符合条件的驿站" in body


def test_nothing_within_reach(demo_client):
    body = page(demo_client, "/?lat=39.9&lon=116.4&lang=en")
    assert "No suitable station within 20 km" in body
    assert "No station at all within reach, even with fewer filters." in body


def test_the_query_lives_in_the_url(demo_client):
    body = page(demo_client, "/?lat=30.2585&lon=120.1627&kind=warm_station&mode=walk&open=now")
    assert re.search(r'<input checked[^>]*value="warm_station"', body)
    assert re.search(r'<input checked[^>]*value="walk"', body)
    assert "步行" in body


def test_navigation_links_only_on_request(demo_client):
    body = nearby(demo_client, lat=HUBIN[0], lon=HUBIN[1], limit=1).get_json()
    assert "navigation" not in body["features"][0]["properties"]
