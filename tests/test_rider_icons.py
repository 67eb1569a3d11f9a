"""Facility icons are vendored SVG, not emoji that older phones cannot draw (issue 9, part 7)."""

from stationsite.catalogue import FACILITIES
from stationsite.stations.icons import FACILITY_ICONS, ICON_DIR, icon_id


def test_every_catalogue_facility_has_a_vendored_icon():
    for code, *_rest in FACILITIES:
        assert (ICON_DIR / f"{icon_id(code)}.svg").exists(), code
    assert icon_id("something_new") == "circle-check"
    assert (ICON_DIR.parent / "LICENSE").read_text().startswith("MIT License")


def test_the_sprite_holds_every_symbol(client):
    response = client.get("/icons/facilities.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    body = response.get_data(as_text=True)
    for name in set(FACILITY_ICONS.values()):
        assert f'<symbol id="{name}"' in body
    assert "max-age" in response.headers["Cache-Control"]


def test_pages_draw_icons_without_emoji(demo_client):
    for url in ("/", "/stations/HZ-T-001"):
        page = demo_client.get(url).get_data(as_text=True)
        assert '<use href="/icons/facilities.svg#droplet">' in page
        emoji = [e for _c, _z, _e, _l, e in FACILITIES if e in page]
        assert emoji == [], url


def test_the_demo_note_shows_with_demo_data(demo_client):
    page = demo_client.get("/?lang=en").get_data(as_text=True)
    assert "Demo data: names and phone numbers are made up." in page


def test_no_demo_note_on_a_real_deployment(client, make_station):
    make_station(name_zh="真实驿站")
    assert "Demo data" not in client.get("/?lang=en").get_data(as_text=True)


def test_a_long_list_shows_ten_and_folds_the_rest(demo_client):
    page = demo_client.get("/?lang=en").get_data(as_text=True)
    folded = page.split('<details class="more-cards">')[1]
    assert "Show 20 more stations" in folded
    assert page.count('class="card card-') == 30
