"""The reports page in real Chromium, on a phone and on a desktop, as union staff use it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from .test_browser import _sign_in, browser, live_app, live_server, screenshot  # noqa: F401
from .test_browser import pytestmark as browser_marks

pytestmark = browser_marks
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(params=["phone", "desktop"])
def staff(request, browser, live_server):  # noqa: F811
    size = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(
        viewport=size, is_mobile=request.param == "phone", accept_downloads=True
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    _sign_in(page, live_server, "demo-admin", "demo-password")
    page.size = request.param
    yield page
    context.close()


def serious_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    return [
        (v["id"], [n["target"] for n in v["nodes"]][:3])
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_staff_read_last_month_switch_period_and_download_the_workbook(staff, live_server):  # noqa: F811
    from openpyxl import load_workbook

    staff.goto(f"{live_server}/reports/", wait_until="networkidle")
    headline = staff.locator(".figure-main .figure-value").inner_text()
    assert headline.replace(",", "").isdigit() and int(headline.replace(",", "")) > 0
    assert staff.locator(".report-table").count() >= 8
    width = staff.evaluate("document.documentElement.scrollWidth")
    assert width <= staff.viewport_size["width"], "the page is wider than the screen"
    screenshot(staff, f"reports-{staff.size}")

    staff.locator(".chip-link").nth(6).click()  # this year
    staff.wait_for_load_state("networkidle")
    assert "period=" in staff.url and staff.locator(".chip-link.current").count() == 1
    staff.wait_for_selector("#usage-map .leaflet-interactive")  # the map of use drew stations
    assert staff.locator("#usage-map .map-waiting").count() == 0

    with staff.expect_download() as download:
        staff.locator(".report-downloads a").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True)
    assert len(workbook.sheetnames) >= 10
    assert staff.errors == []


def test_reports_page_has_no_serious_accessibility_violations(staff, live_server):  # noqa: F811
    staff.goto(f"{live_server}/reports/?period=this-year", wait_until="networkidle")
    assert serious_violations(staff) == []
