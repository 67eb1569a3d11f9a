"""Real Chromium against the real server, on a phone-sized screen, as a rider would use it.

Needs Debian's chromium (.ci/run installs it); skipped with that reason when it is missing.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from stationsite import create_app
from stationsite.hours import SHANGHAI

from .conftest import BASE_CONFIG, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def live_app(demo_db_file, tmp_path_factory):
    target = tmp_path_factory.mktemp("live") / "live.sqlite3"
    shutil.copy(demo_db_file, target)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{target}"})
    with serve(app) as url:
        yield app, url


@pytest.fixture(scope="module")
def live_server(live_app):
    return live_app[1]


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


def _sign_in(page, base, username, password):
    page.goto(f"{base}/auth/login", wait_until="networkidle")
    page.locator("#username").fill(username)
    page.locator("#password").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


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

    card = phone.locator(".card-link", has_text="文新街道工会暖心驿站")
    if not card.is_visible():  # the list shows ten; the rest are one tap away
        phone.locator(".more-cards summary").click()
    card.click()
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
        "/stations/HZ-W-001/feedback?category=facility_fault&facility=microwave",
        "/stations/HZ-W-001/checkin",
        "/stations/HZ-W-001/checkin/done",
        "/stations/HZ-W-001/feedback/thanks?category=facility_fault",
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


@pytest.fixture
def hubin_open_all_day(live_app):
    """湖滨's warm station open around the clock while the test runs, whatever the hour."""
    from sqlalchemy import select

    from stationsite.extensions import db
    from stationsite.models import Station

    from .test_locator_api import open_all_day

    app, _url = live_app
    before = open_all_day(app, "HZ-W-001")
    yield
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "HZ-W-001"))
        station.opening_hours = before
        db.session.commit()


@pytest.mark.usefixtures("hubin_open_all_day")
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


def test_scan_check_in_rate_and_report_a_broken_microwave(phone, live_app):
    from sqlalchemy import func, select

    from stationsite.extensions import db
    from stationsite.models import Feedback, Station, Visit

    app, base = live_app
    with app.app_context():
        station_id = db.session.scalar(select(Station.id).where(Station.code == "HZ-W-001"))

        def stored(model, **where):
            query = select(func.count()).select_from(model).where(model.station_id == station_id)
            for name, value in where.items():
                query = query.where(getattr(model, name) == value)
            return db.session.scalar(query)

        visits, ratings = stored(Visit, source="checkin"), stored(Feedback, source="web")

    phone.goto(f"{base}/stations/HZ-W-001/checkin", wait_until="networkidle")  # the QR target
    phone.locator("label.chip", has_text="外卖骑手").click()
    phone.get_by_role("button", name="我到了").click()
    phone.wait_for_url("**/checkin/done")
    assert "签到成功" in phone.locator("h1").inner_text()
    screenshot(phone, "checked-in")
    phone.get_by_role("button", name="4 星（满分 5 星）").click()  # group remembered: one tap
    phone.wait_for_url("**/feedback/thanks*")

    # the demo microwave already has an open report ("me too"); the hot water has none
    phone.goto(f"{base}/stations/HZ-W-001", wait_until="networkidle")
    hot_water = phone.locator(".facility", has_text="热水")
    hot_water.get_by_role("link", name="报告故障").click()
    phone.wait_for_url("**/feedback?*facility=hot_water*")
    phone.locator("#comment").fill("热水器不出热水")
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_url("**/feedback/thanks*")
    assert "访客报告" in phone.locator(".done").inner_text()

    phone.goto(f"{base}/stations/HZ-W-001", wait_until="networkidle")
    report = phone.locator(".facility", has_text="热水").locator(".visitor-report")
    assert "热水：" in report.inner_text() and "有人报告故障" in report.inner_text()
    assert report.get_by_role("button", name="我也遇到了").is_visible()
    screenshot(phone, "reported-hot-water")
    with app.app_context():
        assert stored(Visit, source="checkin") == visits + 1
        assert stored(Feedback, source="web") == ratings + 2  # the rating and the report
        assert stored(Feedback, category="facility_fault", source="web") == 1


def test_operator_on_a_phone_marks_a_fault_and_closes_for_an_hour(phone, live_app):
    from stationsite.extensions import db
    from stationsite.users import create_user

    app, base = live_app
    with app.app_context():
        create_user("phone-op", "phone-password", "operator", ["HZ-W-012"])
        db.session.commit()
    _sign_in(phone, base, "phone-op", "phone-password")
    phone.get_by_role("link", name="采荷暖心驿站（演示）").click()
    phone.wait_for_url("**/operator/stations/HZ-W-012")

    microwave = phone.locator("#facility-microwave")
    microwave.get_by_role("button", name="故障").click()
    phone.wait_for_load_state("networkidle")
    assert "已保存" in phone.locator(".flash").inner_text()
    phone.locator("#reason").fill("设备检修")
    phone.get_by_role("button", name="1 小时").click()
    phone.wait_for_load_state("networkidle")
    assert "临时关闭" in phone.locator("#status").inner_text()
    audit = phone.locator("#audit").inner_text()
    # the audit trail is in words now (Facility 微波炉 正常 → 故障; 状态 正常服务 → 临时关闭)
    assert "微波炉" in audit and "临时关闭" in audit and "phone-op" in audit
    screenshot(phone, "operator-station")

    phone.goto(f"{base}/stations/HZ-W-012", wait_until="networkidle")
    assert "临时关闭" in phone.locator(".now").inner_text()
    assert "设备检修" in phone.locator(".now").inner_text()
    assert "故障" in phone.locator(".facility-out_of_order", has_text="微波炉").inner_text()

    phone.goto(f"{base}/?kind=warm_station", wait_until="networkidle")
    card = phone.locator(".card", has_text="采荷暖心驿站")
    assert "临时关闭" in card.inner_text()
    assert "微波炉" in card.locator(".card-broken").inner_text()
    on_map = phone.evaluate(
        """async () => {
            const r = await fetch('/api/v1/stations?bbox=120.18,30.25,120.21,30.27&zoom=16');
            const f = (await r.json()).features.find(f => f.id === 'HZ-W-012');
            return [f.properties.open_now, f.properties.status,
                    f.properties.facilities.find(x => x.code === 'microwave').state];
        }"""
    )
    assert on_map == [False, "temporarily_closed", "out_of_order"]


@pytest.mark.parametrize(
    "path", ["/operator/", "/operator/stations/HZ-T-001", "/operator/feedback", "/auth/password"]
)
def test_operator_pages_have_no_serious_accessibility_violations(phone, live_app, path):
    from axe_playwright_python.sync_playwright import Axe

    from stationsite.extensions import db
    from stationsite.users import create_user

    app, base = live_app
    with app.app_context():
        from sqlalchemy import select

        from stationsite.models import User

        if not db.session.scalar(select(User).where(User.username == "axe-op")):
            create_user("axe-op", "axe-password", "operator", ["HZ-T-001"])
            db.session.commit()
    _sign_in(phone, base, "axe-op", "axe-password")
    phone.goto(f"{base}{path}", wait_until="networkidle")
    violations = Axe().run(phone).response["violations"]
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


def test_operator_answers_a_complaint_on_a_phone(phone, live_app):
    from stationsite.extensions import db
    from stationsite.users import create_user

    app, base = live_app
    with app.app_context():
        create_user("reply-op", "reply-password", "operator", ["HZ-T-003"])
        db.session.commit()
    complaint = app.test_client().post(
        "/api/v1/stations/HZ-T-003/feedback",
        json={
            "visitor_group": "sanitation",
            "category": "cleanliness",
            "comment": "地面有积水，很滑",
        },
    )
    assert complaint.status_code == 201
    _sign_in(phone, base, "reply-op", "reply-password")
    phone.get_by_role("link", name="访客新反馈").click()
    item = phone.locator(".inbox-item", has_text="地面有积水")
    item.locator("input[name=reply]").fill("已安排保洁，谢谢提醒！")
    item.get_by_role("button", name="回复").click()
    phone.wait_for_load_state("networkidle")
    assert "已处理" in phone.locator(".flash").inner_text()
    phone.goto(f"{base}/stations/HZ-T-003", wait_until="networkidle")
    assert "已安排保洁，谢谢提醒！" in phone.locator(".voices").inner_text()


def test_admin_imports_hundreds_of_places_and_sees_the_bad_rows(phone, live_app, tmp_path):
    from stationsite.extensions import db
    from stationsite.users import create_user

    app, base = live_app
    with app.app_context():
        create_user("import-admin", "import-password", "admin")
        db.session.commit()
    lines = ["编号,名称,类型,地址,区县,纬度,经度,开放时间,设施"]
    for n in range(300):
        name = "" if n % 60 == 7 else f"导入驿站{n}"
        lat, lon = (120.1, 30.2) if n % 100 == 42 else (30.1 + n / 1000, 120.0 + n / 1000)
        lines.append(
            f'IMP-{n:03d},{name},公厕驿站,测试路{n}号,西湖区,{lat},{lon},早7点至晚7点,"厕所,直饮水"'
        )
    source = tmp_path / "council.csv"
    source.write_bytes("\n".join(lines).encode("gb18030"))

    _sign_in(phone, base, "import-admin", "import-password")
    phone.goto(f"{base}/admin/import", wait_until="networkidle")
    phone.set_input_files("#file", str(source))
    phone.get_by_role("button", name="检查文件").click()
    phone.wait_for_selector(".import-preview")
    summary = phone.locator(".lead").inner_text()
    assert "共 300 行" in summary and "新建 292 个" in summary and "8 行有错误" in summary
    errors = phone.locator(".row-error")
    assert errors.count() == 8
    first_rows = phone.locator(".import-preview tbody tr").all()[:8]
    assert all("row-error" in (row.get_attribute("class") or "") for row in first_rows)
    missing = ("缺少名称", "missing name", "missing 名称")
    assert any(text in errors.first.inner_text() for text in missing)
    swapped = phone.locator(".row-error", has_text="IMP-042").inner_text()
    assert "写反" in swapped or "look swapped" in swapped  # English until issue 10's merge
    screenshot(phone, "import-preview")
    phone.get_by_role("button", name="导入无误的行").click()
    phone.wait_for_load_state("networkidle")
    assert "新建 292 个" in phone.locator(".flash").inner_text()


# Issue 9, part 3: 'open now' asks about the facility the rider needs

LATE = datetime(2025, 11, 24, 22, 30, tzinfo=SHANGHAI)  # an ordinary Monday night
HUBIN = "lat=30.2585&lon=120.1627"


@pytest.fixture
def late_evening(monkeypatch):
    """The server's clock (it runs in this process) stopped at 22:30 China time."""
    monkeypatch.setattr("stationsite.stations.views.this_minute", lambda: LATE)
    monkeypatch.setattr("stationsite.api.views.this_minute", lambda: LATE)


@pytest.mark.usefixtures("late_evening")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_24h_water_at_22_30_is_found_at_the_shut_toilet_station(phone, live_server, lang):
    query = f"{HUBIN}&kind=toilet_station&open=now&facility=drinking_water&lang={lang}"
    phone.goto(f"{live_server}/?{query}", wait_until="networkidle")
    top = phone.locator(".top-result")
    assert ("湖滨公园公厕驿站" if lang == "zh" else "Hubin Park toilet station") in top.inner_text()
    note = top.locator(".still-available")
    assert note.is_visible()
    assert ("直饮水" if lang == "zh" else "Drinking water available 24 hours") in note.inner_text()
    box = note.bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # said on the first screen
    assert phone.locator(".no-match").count() == 0
    screenshot(phone, f"rider-late-water-{lang}")
    assert phone.errors == []


@pytest.mark.usefixtures("late_evening")
def test_nothing_open_at_22_30_is_no_dead_end(phone, live_server):
    query = f"{HUBIN}&kind=toilet_station&open=now&facility=toilet"
    phone.goto(f"{live_server}/?{query}", wait_until="networkidle")
    block = phone.locator(".no-match")
    assert block.is_visible()
    soonest = block.locator(".card")
    assert soonest.count() == 1 and "公厕驿站" in soonest.inner_text()
    assert re.search(r"明天 0\d:\d\d", soonest.locator(".usable-from").inner_text())
    relaxed = block.locator(".relaxed a")
    assert relaxed.count() >= 1
    screenshot(phone, "rider-late-no-match")
    relaxed.first.click()
    phone.wait_for_load_state("networkidle")
    assert phone.locator(".top-result").count() == 1


# Issue 9, part 1: map pins on phones


def _boxes_overlap(a, b) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _located_map(page, base, lang="zh"):
    page.goto(f"{base}/?lat=30.2585&lon=120.1627&lang={lang}", wait_until="networkidle")
    page.wait_for_selector("[data-station-map][data-loaded]")
    page.wait_for_timeout(500)
    return page.locator(".leaflet-marker-icon.station-pin")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_tapped_pin_keeps_its_popup_open(phone, live_server, lang):
    pins = _located_map(phone, live_server, lang)
    assert pins.count() >= 2
    pins.nth(1).tap()
    popup = phone.locator(".leaflet-popup-content .popup")
    popup.wait_for()
    name = popup.locator(".popup-name").inner_text()
    phone.wait_for_timeout(3000)  # the auto-pan's reload used to clear it after ~0.6 s
    assert popup.is_visible() and popup.locator(".popup-name").inner_text() == name
    screenshot(phone, f"map-popup-{lang}")
    frame = phone.locator("[data-station-map]")
    loads = frame.get_attribute("data-loads")
    phone.locator(".leaflet-popup-close-button").click()
    phone.wait_for_function(  # the view, moved by the popup's auto-pan, catches up on close
        f"document.querySelector('[data-station-map]').dataset.loads !== '{loads}'"
    )
    assert phone.locator(".leaflet-popup").count() == 0
    assert pins.count() + phone.locator(".marker-cluster").count() >= 1
    assert phone.errors == []


def _picked_pins_under_controls(page, pins) -> list[int]:
    controls = [
        page.locator(sel).bounding_box()
        for sel in (
            ".leaflet-control-zoom",
            ".leaflet-control-attribution",
            ".leaflet-control-scale",
        )
    ]
    frame = page.locator(".map-frame").bounding_box()
    hidden = []
    for i in range(pins.count()):
        box = pins.nth(i).bounding_box()
        inside = frame["y"] <= box["y"] and box["y"] + box["height"] <= frame["y"] + frame["height"]
        picked = inside and "pin-picked" in pins.nth(i).inner_html()
        if picked and any(_boxes_overlap(box, c) for c in controls if c):
            hidden.append(i)
    return hidden


def test_result_pins_are_not_under_the_maps_controls(phone, live_server):
    pins = _located_map(phone, live_server)
    # The map may still be settling (fit to the results) on a busy machine: look again for a
    # few seconds before calling a pin hidden.
    for _ in range(10):
        hidden = _picked_pins_under_controls(phone, pins)
        if not hidden:
            break
        phone.wait_for_timeout(500)
    assert hidden == []


def test_the_map_can_be_skipped_and_its_pins_opened_by_keyboard(phone, live_server):
    _located_map(phone, live_server)
    skip = phone.locator(".skip-map")
    skip.focus()
    assert skip.is_visible()
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "after-map"
    pin = phone.locator(".leaflet-marker-icon.station-pin").first
    pin.focus()
    phone.keyboard.press("Enter")
    phone.locator(".leaflet-popup-content .popup").wait_for()


# Issue 9, part 2: the station page is no dead end


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_from_the_list_the_station_page_navigates_and_shares(phone, live_server, lang):
    phone.goto(f"{live_server}/?lat=30.2600&lon=120.1700&lang={lang}", wait_until="networkidle")
    phone.locator(".top-result .card-link").click()
    phone.wait_for_load_state("networkidle")
    assert "/stations/" in phone.url and "lat=30.26" in phone.url
    distance = phone.locator(".trip-distance").inner_text()
    assert ("距您" if lang == "zh" else "from you") in distance or "from you" in distance
    links = phone.locator(".go .nav-link")
    assert links.count() == 5
    assert "direction" in phone.locator(".go .nav-baidu").get_attribute("href")
    box = phone.locator(".go .nav-amap").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"]  # one tap, without scrolling
    pin = phone.locator(".pin-map-frame .station-pin")
    assert pin.count() == 1 and pin.is_visible()  # the pin, though there are no tiles
    frame = phone.locator(".pin-map-frame").bounding_box()
    pin_box = pin.bounding_box()
    assert (
        frame["x"] <= pin_box["x"]
        and pin_box["x"] + pin_box["width"] <= frame["x"] + frame["width"]
    )
    share = phone.locator("#share-url").input_value()
    assert share.endswith("/stations/" + phone.url.split("/stations/")[1].split("?")[0])
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    screenshot(phone, f"station-go-{lang}")
    assert phone.errors == []


# Issue 9, part 4: a typed place that is not sure offers choices


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_partial_place_name_gives_choices(rider, live_server, lang):
    rider.goto(f"{live_server}/?lang={lang}", wait_until="networkidle")
    rider.locator("#q").fill("西湖文化广场")
    rider.locator(".button-search").click()
    rider.wait_for_load_state("networkidle")
    choices = rider.locator(".choices-list a")
    assert 1 <= choices.count() <= 5
    assert rider.locator(".top-result").count() == 0  # no answer from a guess
    screenshot(rider, f"place-choices-{lang}")
    choices.first.click()
    rider.wait_for_load_state("networkidle")
    # the picked place, named in the page's language (its English name where one is stored)
    assert ("西湖" if lang == "zh" else "West Lake") in rider.locator(".origin").inner_text()
    assert rider.locator(".top-result .nav-link").count() == 5


# Issue 9, part 6: GCJ-02 tiles (AMap, Tencent) get converted pins and viewport boxes


@pytest.fixture
def gcj02_tiles(live_app):
    app, base = live_app
    before = app.config["MAP_TILES"]
    app.config["MAP_TILES"] = f"gcj02:{base}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"  # local 404s
    yield
    app.config["MAP_TILES"] = before


@pytest.mark.usefixtures("gcj02_tiles")
def test_on_gcj02_tiles_the_pin_sits_on_its_gcj02_street(phone, live_server):
    from stationsite import geo

    phone.goto(f"{live_server}/stations/HZ-T-001", wait_until="networkidle")
    frame = phone.locator("[data-pin-map]")
    assert frame.get_attribute("data-datum") == "gcj02"
    glat, glon = geo.wgs84_to_gcj02(30.2585, 120.1627)
    expected = phone.evaluate(
        """([lat, lon]) => {
            const el = document.querySelector('[data-pin-map]');
            const map = window[el.dataset.mapName];
            const p = map.latLngToContainerPoint([lat, lon]);
            const box = map.getContainer().getBoundingClientRect();
            return [box.left + p.x, box.top + p.y];
        }""",
        [glat, glon],
    )
    pin = phone.locator(".pin-map-frame .station-pin").bounding_box()
    centre = (pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2)
    assert centre == pytest.approx(expected, abs=1.5)
    phone.goto(f"{live_server}/?lat=30.2585&lon=120.1627", wait_until="networkidle")
    phone.wait_for_selector("[data-station-map][data-loaded]")
    assert int(phone.locator("[data-station-map]").get_attribute("data-loaded")) > 0
    assert phone.errors == []


# Issue 9, part 9: a rider who loses signal still sees the stations found a minute ago


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_offline_reload_shows_the_saved_results_marked_as_saved(browser, live_server, lang):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        url = f"{live_server}/?lat=30.2585&lon=120.1627&lang={lang}"
        page.goto(url, wait_until="networkidle")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        page.reload(wait_until="networkidle")  # now under the worker, which keeps this answer
        page.wait_for_function("navigator.serviceWorker.controller !== null")
        page.wait_for_timeout(500)
        names = page.locator(".card-name").all_inner_texts()
        assert names
        context.set_offline(True)
        page.reload(wait_until="load")
        note = page.locator("#offline-note")
        assert note.is_visible()
        assert re.search(r"\d\d:\d\d", note.inner_text())
        assert page.locator(".card-name").all_inner_texts() == names
        screenshot(page, f"offline-saved-{lang}")
        page.goto(f"{live_server}/?lat=30.2700&lon=120.1700&lang={lang}", wait_until="load")
        assert page.locator("#offline-note").is_visible()  # a new search: the last results
    finally:
        context.close()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?lat=30.2585&lon=120.1627",
        "/stations/HZ-T-001",
        "/stations/HZ-W-003?lang=en&lat=30.26&lon=120.17",
        "/?q=%E8%A5%BF%E6%B9%96%E6%96%87%E5%8C%96%E5%B9%BF%E5%9C%BA",  # choices
        "/?lat=30.2585&lon=120.1627&kind=toilet_station&open=now&facility=toilet&lang=en",
    ],
)
def test_rider_pages_have_no_moderate_accessibility_violations(phone, live_server, path):
    from axe_playwright_python.sync_playwright import Axe

    phone.goto(f"{live_server}{path}", wait_until="networkidle")
    results = Axe().run(phone)
    found = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in results.response["violations"]
        if v["impact"] in ("moderate", "serious", "critical")
    ]
    assert found == []


# Issue 9, part 5: the week table during a closure


def test_the_closure_week_table_keeps_past_days_and_closes_the_rest(phone, live_server):
    phone.goto(f"{live_server}/stations/HZ-W-009?lang=en", wait_until="networkidle")
    rows = phone.locator("table.hours:not(.hours-holiday) tbody tr")
    assert rows.count() == 7
    today = next(i for i in range(7) if "today" in (rows.nth(i).get_attribute("class") or ""))
    for i in range(7):
        text = rows.nth(i).locator("td").inner_text()
        if i < today:
            assert "Temporarily closed" not in text  # when the closure began is not known
    assert "Temporarily closed" in rows.nth(today).locator("td").inner_text()
    assert phone.locator(".hours-summary").is_visible()
    phone.locator("#hours-heading").scroll_into_view_if_needed()
    screenshot(phone, "closure-week-en")
