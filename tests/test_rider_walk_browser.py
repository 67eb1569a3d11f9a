"""Issue 9 walked again in Chromium at 360×740: what a rider's walk found still wrong."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from .test_browser import CHROMIUM, browser, live_app, live_server, phone  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM, reason="no chromium")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_located_maps_popup_leads_to_a_station_page_that_knows_the_rider(
    phone,  # noqa: F811
    live_server,  # noqa: F811
    lang,
):
    phone.goto(f"{live_server}/?lat=30.2585&lon=120.1627&lang={lang}", wait_until="networkidle")
    phone.wait_for_selector("[data-station-map][data-loaded]")
    phone.locator(".leaflet-marker-icon.station-pin").nth(1).tap()
    more = phone.locator(".leaflet-popup-content .popup-link")
    more.wait_for()
    query = parse_qs(urlsplit(more.get_attribute("href")).query)
    assert query == {"lat": ["30.25850"], "lon": ["120.16270"]}  # as the list's cards carry
    with phone.expect_navigation(wait_until="networkidle"):
        more.tap()
    assert "/stations/" in phone.url
    assert phone.locator(".trip-distance").is_visible()  # how far, without asking again
    assert "route=30.258500" in phone.locator("a.nav-osm").get_attribute("href")
    assert phone.errors == []


def test_the_weekly_hours_editor_fits_a_phone(phone, live_app):  # noqa: F811
    """Its times became number-pad text boxes and lost their style (21 px tall, wider than
    their column, over the tick boxes); "Closed" broke as "Clos|ed"."""
    from stationsite.extensions import db
    from stationsite.users import create_user

    from .test_browser import _sign_in

    app, base = live_app
    with app.app_context():
        create_user("walk-admin", "walk-password-9", "admin")
        db.session.commit()
    _sign_in(phone, base, "walk-admin", "walk-password-9")
    phone.goto(f"{base}/operator/stations/HZ-T-001?lang=en", wait_until="networkidle")
    row = phone.locator(".week-editor tbody tr").first
    opens, closes = (row.locator("input").nth(i).bounding_box() for i in (0, 1))
    closed = row.locator("input[type=checkbox]").first.bounding_box()
    assert opens["height"] >= 40 and closes["height"] >= 40
    assert opens["x"] + opens["width"] <= closes["x"]
    assert closes["x"] + closes["width"] <= closed["x"]
    lines = (
        phone.locator(".week-editor thead th")
        .nth(3)
        .evaluate(
            "th => { const r = document.createRange(); r.selectNodeContents(th);"
            " return r.getClientRects().length; }"
        )
    )
    assert lines == 1  # "Closed" on one line
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
