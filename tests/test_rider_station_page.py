"""The station page is no dead end: navigation, a pin map, a share link, distance (issue 9.2)."""

import re
from urllib.parse import parse_qs, urlparse

from stationsite import geo


def body(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def nav_links(page):
    return dict(re.findall(r'class="nav-link nav-(\w+)" href="([^"]+)"', page))


def test_every_navigation_app_in_its_own_datum(demo_client, demo_app):
    links = nav_links(body(demo_client, "/stations/HZ-T-001"))
    assert set(links) == {"amap", "baidu", "tencent", "apple", "osm"}
    amap = parse_qs(urlparse(links["amap"].replace("&amp;", "&")).query)
    glat, glon = geo.wgs84_to_gcj02(30.2585, 120.1627)
    lon, lat = (float(v) for v in amap["to"][0].split(",")[:2])
    assert (lat, lon) == (round(glat, 6), round(glon, 6))
    assert "mlat=30.258500" in links["osm"]  # OpenStreetMap stays WGS-84
    assert "api.map.baidu.com/marker" in links["baidu"]  # no origin known: a marker


def test_from_a_located_search_the_page_knows_the_rider(demo_client):
    home = body(demo_client, "/?lat=30.2600&lon=120.1700")
    url = re.search(r'class="card-link" href="(/stations/HZ-[^"]+)"', home).group(1)
    assert "lat=30.26000" in url and "lon=120.17000" in url
    page = body(demo_client, url.replace("&amp;", "&") + "&lang=en")
    assert re.search(r"[\d.]+ (m|km) from you", page)
    links = nav_links(page)
    assert "api.map.baidu.com/direction" in links["baidu"]  # routed from the rider
    assert "route=30.260000" in links["osm"].replace("%2C", ",")


def test_distance_is_right(demo_client):
    page = body(demo_client, "/stations/HZ-T-001?lat=30.2585&lon=120.1727&lang=en")
    assert "960 m from you" in page or "961 m from you" in page


def test_nonsense_origin_is_ignored(demo_client):
    for query in ("lat=nan&lon=1", "lat=91&lon=0", "lat=x&lon=y", "lat=30"):
        page = body(demo_client, f"/stations/HZ-T-001?{query}&lang=en")
        assert "from you" not in page and "How far is it from me?" in page


def test_share_link_is_the_plain_public_page(demo_client, demo_app):
    page = body(demo_client, "/stations/HZ-T-001?lat=30.2585&lon=120.1727")
    share = re.search(r'id="share-url" class="share-url" type="url" value="([^"]+)"', page).group(1)
    assert share == "http://localhost/stations/HZ-T-001"  # never the rider's position
    demo_app.config["PUBLIC_URL"] = "https://stations.example.cn"
    page = body(demo_client, "/stations/HZ-T-001")
    assert 'value="https://stations.example.cn/stations/HZ-T-001"' in page


def test_pin_map_needs_no_tiles_and_no_other_site(demo_client):
    page = body(demo_client, "/stations/HZ-T-001")
    assert 'data-pin="30.2585,120.1627"' in page
    assert "tile.openstreetmap.org" not in page
    for src in re.findall(r'<script src="([^"]+)"', page):
        assert src.startswith("/static/")
