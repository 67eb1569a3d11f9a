"""The pages with maps run under the real CSP (no 'unsafe-inline'): folium's set-up script runs
through the response's nonce, and Chromium reports no violation."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from stationsite import create_app

from .conftest import BASE_CONFIG, serve
from .test_browser import CHROMIUM, _sign_in, browser  # noqa: F401  (the browser fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed"),
]


@pytest.fixture(scope="module")
def live_app(demo_db_file, tmp_path_factory):
    target = tmp_path_factory.mktemp("csp") / "live.sqlite3"
    shutil.copy(demo_db_file, target)
    app = create_app({**BASE_CONFIG, "DATABASE_URL": f"sqlite:///{target}"})
    with serve(app) as url:
        yield app, url


@pytest.fixture
def page(browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 1024, "height": 800})  # CSP enforced
    page = context.new_page()
    page.problems = []
    page.on(
        "console",
        lambda message: message.type == "error" and page.problems.append(message.text),
    )
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    yield page
    context.close()


def _policy(page, url: str) -> str:
    response = page.goto(url, wait_until="networkidle")
    assert response.status == 200
    return response.headers["content-security-policy"]


def test_home_map_renders_under_a_nonce_policy(page, live_app):
    policy = _policy(page, f"{live_app[1]}/")
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert re.search(r"script-src 'self' 'nonce-[\w-]+'", policy)
    page.wait_for_selector("[data-station-map][data-loaded]")
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1  # folium's script ran to its end
    assert page.problems == []


def test_station_page_map_renders(page, live_app):
    _policy(page, f"{live_app[1]}/stations/HZ-W-003")
    page.wait_for_selector("[data-pin-map] .leaflet-marker-icon")
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.problems == []


def test_admin_station_form_map_renders(page, live_app):
    from stationsite.extensions import db
    from stationsite.users import create_user

    app, base = live_app
    with app.app_context():
        create_user("csp-admin", "csp-password-1", "admin")
        db.session.commit()
    _sign_in(page, base, "csp-admin", "csp-password-1")
    _policy(page, f"{base}/admin/stations/HZ-W-003")
    page.wait_for_selector("[data-pin-map] .leaflet-container")
    assert page.locator(".leaflet-control-scale").count() == 1
    assert page.problems == []


def test_an_injected_inline_script_is_refused(page, live_app):
    """The policy really bites: a script without the nonce does not run."""
    page.goto(f"{live_app[1]}/", wait_until="networkidle")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = true'; document.body.append(s); }"
    )
    assert page.evaluate("() => window.injected === undefined")
    assert any("Content Security Policy" in problem for problem in page.problems)
