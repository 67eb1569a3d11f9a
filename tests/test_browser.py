"""Real Chromium against the real server, on a phone-sized screen, as a rider would use it.

Needs Debian's chromium (.ci/run installs it); skipped with that reason when it is missing.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from stationsite import create_app

from .conftest import BASE_CONFIG

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def live_server(demo_db_file, tmp_path_factory):
    target = tmp_path_factory.mktemp("live") / "live.sqlite3"
    shutil.copy(demo_db_file, target)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{target}"})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, bypass_csp=True
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def test_map_draws_markers_and_list_then_a_station_shows_its_facilities(phone, live_server):
    phone.goto(f"{live_server}/", wait_until="networkidle")
    phone.wait_for_selector("[data-station-map][data-loaded]")
    loaded = int(phone.locator("[data-station-map]").get_attribute("data-loaded"))
    clusters = phone.locator(".marker-cluster")
    cluster_total = sum(int(text) for text in clusters.all_inner_texts() if text.strip())
    single = phone.locator(".leaflet-marker-icon.station-pin").count()
    assert loaded > 0 and cluster_total + single == loaded
    # the map is on the first screen of a phone
    box = phone.locator(".map-frame").bounding_box()
    assert box["y"] < PHONE["height"] - 150
    assert phone.locator(".cards > li").count() == 30
    screenshot(phone, "home-zh")
    assert phone.errors == []

    phone.locator(".card-link", has_text="文新街道工会暖心驿站").click()
    phone.wait_for_url("**/stations/HZ-W-003")
    facilities = phone.locator(".facility")
    assert facilities.count() >= 5
    broken = phone.locator(".facility-out_of_order")
    assert "微波炉" in broken.inner_text() and "故障" in broken.inner_text()
    assert phone.locator("tr.today").count() == 1
    assert phone.locator("a[href^='tel:']").is_visible()
    screenshot(phone, "station-zh")


def test_marker_popup_links_to_the_station(phone, live_server):
    phone.goto(f"{live_server}/?kind=warm_station", wait_until="networkidle")
    # zoom into the list's first station by opening its cluster until its pin shows
    for _ in range(6):
        pins = phone.locator(".leaflet-marker-icon.station-pin")
        if pins.count():
            break
        phone.locator(".marker-cluster").first.click()
        phone.wait_for_timeout(400)
    phone.locator(".leaflet-marker-icon.station-pin").first.click()
    popup = phone.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    assert "暖心驿站" in popup.inner_text()
    link = popup.locator(".popup-link")
    assert "/stations/HZ-W-" in link.get_attribute("href")


def test_english_is_remembered_across_pages(phone, live_server):
    phone.goto(f"{live_server}/?lang=en", wait_until="networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "stations" in phone.locator(".lead").inner_text()
    screenshot(phone, "home-en")
    phone.locator(".card-link").first.click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "en"
    assert phone.locator("#hours-heading").inner_text() == "Opening hours this week"
    screenshot(phone, "station-en")


def test_filters_live_in_the_url(phone, live_server):
    phone.goto(f"{live_server}/", wait_until="networkidle")
    phone.locator(".more-filters summary").click()
    phone.locator("label.chip", has_text="公厕驿站").first.click()
    phone.locator("label.chip", has_text="微波炉").click()
    phone.locator(".more-filters button[type=submit]").click()
    phone.wait_for_load_state("networkidle")
    assert "kind=toilet_station" in phone.url and "facility=microwave" in phone.url
    cards = phone.locator(".cards > li")
    assert 0 < cards.count() < 18
    assert all("公厕驿站" in text for text in cards.all_inner_texts())


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/stations/HZ-T-001",
        "/stations/HZ-W-009",
        "/?lang=en",
        "/stations/HZ-W-003?lang=en",
        "/?lat=30.2585&lon=120.1627&facility=microwave",
        "/?q=%E7%81%AB%E6%98%9F",
    ],
)
def test_no_serious_accessibility_violations(phone, live_server, path):
    from axe_playwright_python.sync_playwright import Axe

    phone.goto(f"{live_server}{path}", wait_until="networkidle")
    results = Axe().run(phone)
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


@pytest.fixture
def rider(browser):
    """A phone whose browser has granted its location: beside 湖滨公园 in Hangzhou."""
    context = browser.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        geolocation={"latitude": 30.2585, "longitude": 120.1627},
        permissions=["geolocation"],
    )
    page = context.new_page()
    yield page
    context.close()


def test_rider_finds_the_nearest_open_station_with_a_microwave(rider, live_server):
    rider.goto(f"{live_server}/", wait_until="networkidle")
    rider.locator(".more-filters summary").click()
    rider.locator("label.chip", has_text="微波炉").click()
    rider.locator("label.chip", has_text="到达时开放").click()
    rider.locator("[data-locate]").click()  # tap 1
    rider.wait_for_url("**/?*lat=30.2585*")
    assert "facility=microwave" in rider.url and "open=arrival" in rider.url
    top = rider.locator(".top-result")
    assert "湖滨商圈户外劳动者暖心驿站" in top.inner_text()
    assert "到达时开放" in top.inner_text()
    box = top.locator(".nav-amap").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # the way there, without scrolling
    amap = top.locator(".nav-amap").get_attribute("href")
    assert amap.startswith("https://uri.amap.com/navigation?") and "mode=ride" in amap
    assert top.locator(".nav-link").count() == 5  # tap 2 opens the rider's navigation app
    rider.wait_for_selector("[data-station-map][data-loaded]")
    assert rider.locator(".pin-picked").count() >= 1  # the results are highlighted on the map
    screenshot(rider, "rider-nearest")


def test_rider_types_a_place(rider, live_server):
    rider.goto(f"{live_server}/", wait_until="networkidle")
    rider.locator("#q").fill("东站")
    rider.locator(".button-search").click()
    rider.wait_for_load_state("networkidle")
    assert "杭州东站" in rider.locator(".origin").inner_text()
    assert rider.locator(".top-result .nav-link").count() == 5
