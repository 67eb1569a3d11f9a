"""Issue 11's whole loop in Chromium at 360×740: a sanitation worker reports a broken microwave
with a photo and keeps the link, a second visitor says "me too", the operator's group robot is
called (a fake on 127.0.0.1), the operator confirms then fixes it, the reporter's link shows it
fixed, and the next visitor confirms it works.

Selectors use classes and data attributes for the new screens, so the test holds before and
after their Chinese strings are merged; set TEST_BABEL_DIR to a compiled catalogue to look at
the screens in Chinese before that (screenshots go to test-artifacts/).
"""

from __future__ import annotations

import os
import shutil
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import delete, select

from stationsite import create_app
from stationsite.extensions import db
from stationsite.feedback import worker
from stationsite.models import Feedback, Station

from .conftest import BASE_CONFIG, serve
from .test_browser import CHROMIUM, PHONE, _sign_in, browser, screenshot  # noqa: F401
from .test_followup_alerts import FakeRobot, eventually
from .test_followup_photos import GPS_IFD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian chromium is not installed"),
]
CODE = "HZ-W-001"


@pytest.fixture
def robot():
    fake = FakeRobot()
    yield fake
    fake.close()


@pytest.fixture
def loop_app(demo_db_file, tmp_path, robot):
    target = tmp_path / "loop.sqlite3"
    shutil.copy(demo_db_file, target)
    config = {
        **BASE_CONFIG,
        "DATABASE_URL": f"sqlite:///{target}",
        "NOTIFY_WEBHOOK": f"wecom:{robot.url}/cgi-bin/webhook/send?key=loop",
        "FEEDBACK_PHOTO_DIR": str(tmp_path / "photos"),
        "ALERT_RETRY_DELAYS_S": (0.2, 0.2),
    }
    if os.environ.get("TEST_BABEL_DIR"):
        config["BABEL_TRANSLATION_DIRECTORIES"] = os.environ["TEST_BABEL_DIR"]
    app = create_app(config)
    with app.app_context():
        from stationsite.users import create_user

        station_id = db.session.scalar(select(Station.id).where(Station.code == CODE))
        db.session.execute(delete(Feedback).where(Feedback.station_id == station_id))
        create_user("loop-op", "loop-password", "operator", [CODE])
        db.session.commit()
    with serve(app) as url:
        yield app, url
    running = worker._workers.get(id(app))
    if running:
        running[0].join(timeout=10)
    with app.app_context():
        db.engine.dispose()


def phone_in(browser, name: str):  # noqa: F811
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.name = name
    return page


def camera_photo(path) -> str:
    image = Image.new("RGB", (1200, 900), (180, 180, 170))
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (30.0, 15.0, 30.5), 3: "E", 4: (120.0, 9.0, 55.0)}
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    path.write_bytes(out.getvalue())
    return str(path)


def the_report(app) -> Feedback:
    with app.app_context():
        station = select(Station.id).where(Station.code == CODE).scalar_subquery()
        item = db.session.scalar(
            select(Feedback).where(Feedback.station_id == station).order_by(Feedback.id)
        )
        assert item.photos is not None  # loaded before the session goes
        db.session.expunge(item)
        return item


def test_the_whole_loop_on_phones(browser, loop_app, robot, tmp_path):  # noqa: F811
    app, base = loop_app
    reporter = phone_in(browser, "reporter")
    reporter.goto(f"{base}/stations/{CODE}", wait_until="networkidle")
    microwave = reporter.locator(".facility", has_text="微波炉")
    microwave.locator("a.report-link").click()
    reporter.wait_for_url("**/feedback?*facility=microwave*")
    reporter.locator("label.chip", has_text="环卫工人").click()
    reporter.locator("#comment").fill("微波炉转盘不转，不加热")
    reporter.locator("#photos").set_input_files(camera_photo(tmp_path / "IMG_0001.jpg"))
    screenshot(reporter, "loop-1-report-with-photo")
    reporter.locator("form.feedback-form button[type=submit]").click()
    reporter.wait_for_url("**/feedback/thanks*")
    follow_url = reporter.locator("#follow-url").input_value()
    assert "/follow/" in follow_url
    report = the_report(app)
    assert report.reference in reporter.locator(".keep-link h2").inner_text()
    assert len(report.photos) == 1 and report.photos[0].width == 1200
    screenshot(reporter, "loop-2-thanks-with-reference")

    second = phone_in(browser, "second")
    second.goto(f"{base}/stations/{CODE}/feedback", wait_until="networkidle")
    screenshot(second, "loop-3-already-reported")
    second.locator(".fault-report[data-facility=microwave] button").click()
    second.wait_for_url(f"**/stations/{CODE}")
    assert second.locator(".flash").count() == 1
    screenshot(second, "loop-4-me-too-thanks")
    assert the_report(app).me_too == 1

    eventually(lambda: robot.posts)
    content = robot.posts[0][1]["markdown"]["content"]
    assert CODE in content and "微波炉转盘不转" in content

    operator = phone_in(browser, "operator")
    _sign_in(operator, base, "loop-op", "loop-password")
    operator.goto(f"{base}/operator/stations/{CODE}", wait_until="networkidle")
    fault = operator.locator("#facility-microwave .op-fault")
    assert "2" in fault.inner_text()  # the reporter and the "me too"
    screenshot(operator, "loop-5a-operator-page-top")
    fault.scroll_into_view_if_needed()
    screenshot(operator, "loop-5b-operator-sees-report")
    fault.locator("form[action$='/microwave/confirm'] button").click()
    operator.wait_for_load_state("networkidle")
    assert "故障" in operator.locator("#facility-microwave .facility-state").inner_text()
    operator.goto(f"{base}/operator/feedback", wait_until="networkidle")
    item = operator.locator(".inbox-item", has_text="微波炉转盘不转")
    assert item.locator(".report-photos img").count() == 1
    screenshot(operator, "loop-6-inbox-with-photo")
    operator.goto(f"{base}/operator/stations/{CODE}", wait_until="networkidle")
    operator.locator("#facility-microwave form[action$='/microwave/fine'] button").click()
    operator.wait_for_load_state("networkidle")
    assert operator.locator("#facility-microwave .op-fault").count() == 0
    screenshot(operator, "loop-7-operator-fixed")

    reporter.goto(follow_url, wait_until="networkidle")
    assert reporter.locator(".follow-status").get_attribute("data-status") == "resolved"
    assert reporter.locator(".report-photos img").count() == 1
    screenshot(reporter, "loop-8-reporter-sees-fixed")

    next_visitor = phone_in(browser, "next")
    next_visitor.goto(f"{base}/stations/{CODE}/checkin/done", wait_until="networkidle")
    ask = next_visitor.locator(".fixed-ask[data-facility=microwave]")
    screenshot(next_visitor, "loop-9-does-it-work")
    ask.locator("form[action$='/fixed'] button").click()
    next_visitor.wait_for_url(f"**/stations/{CODE}")
    assert the_report(app).fixed_confirmed == 1
    reporter.goto(follow_url, wait_until="networkidle")
    screenshot(reporter, "loop-10-reporter-sees-confirmed")
    for page in (reporter, second, operator, next_visitor):
        page.context.close()


def test_new_screens_have_no_serious_accessibility_violations(browser, loop_app, tmp_path):  # noqa: F811
    """The follow page, the thanks with its link, "me too", "does it work?", the one-tap
    check-in and its question, the operator's report buttons, removal and audit trail."""
    from axe_playwright_python.sync_playwright import Axe

    app, base = loop_app
    visitor = phone_in(browser, "a11y")
    visitor.goto(f"{base}/stations/{CODE}/checkin", wait_until="networkidle")
    screenshot(visitor, "loop-11-first-checkin-one-tap")
    visitor.locator("form button[type=submit]").first.click()
    visitor.wait_for_url("**/checkin/done*")
    screenshot(visitor, "loop-12-asked-once")
    pages = [visitor.url]
    visitor.goto(f"{base}/stations/{CODE}/feedback?category=facility_fault&facility=microwave")
    visitor.locator("label.chip", has_text="快递员").click()
    visitor.locator("form.feedback-form button[type=submit]").click()
    visitor.wait_for_url("**/feedback/thanks*")
    follow_url = visitor.locator("#follow-url").input_value()
    pages += [visitor.url, follow_url, f"{base}/stations/{CODE}/feedback"]
    operator = phone_in(browser, "a11y-op")
    _sign_in(operator, base, "loop-op", "loop-password")
    operator.goto(f"{base}/operator/stations/{CODE}", wait_until="networkidle")
    operator.locator("#facility-microwave details.remove-confirm summary").click()
    operator.locator("#facility-microwave details.remove-confirm").scroll_into_view_if_needed()
    screenshot(operator, "loop-13-remove-asks-first")
    operator.locator("#facility-microwave details.remove-confirm button").click()
    operator.wait_for_load_state("networkidle")
    operator.locator("#removed").scroll_into_view_if_needed()
    screenshot(operator, "loop-14-removed-can-be-restored")
    operator.locator("#audit").scroll_into_view_if_needed()
    screenshot(operator, "loop-15-audit-in-words")
    for page, url in [(visitor, u) for u in pages] + [(operator, operator.url)]:
        page.goto(url, wait_until="networkidle")
        results = Axe().run(page)
        serious = [
            (v["id"], [n["target"] for n in v["nodes"]][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], url
    visitor.context.close()
    operator.context.close()
