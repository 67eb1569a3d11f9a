"""The locator page at 22:30 China time: facility hours, plain words, and no dead ends."""

from datetime import datetime

import pytest

from stationsite.hours import SHANGHAI
from stationsite.models import StationKind

LATE = datetime(2025, 11, 24, 22, 30, tzinfo=SHANGHAI)  # an ordinary Monday night
HUBIN = "lat=30.2585&lon=120.1627"


@pytest.fixture(autouse=True)
def late_evening(monkeypatch):
    """The pages' clock stopped at 22:30 (the API's too, for the map)."""
    monkeypatch.setattr("stationsite.stations.views.this_minute", lambda: LATE)
    monkeypatch.setattr("stationsite.api.views.this_minute", lambda: LATE)


def test_24h_water_at_a_shut_toilet_station_is_found_and_said_plainly(demo_client):
    page = demo_client.get(
        f"/?{HUBIN}&kind=toilet_station&open=now&facility=drinking_water&lang=en"
    ).get_data(as_text=True)
    top = page.split('class="top-result"')[1].split("</section>")[0]
    assert "Hubin Park toilet station" in top
    assert "Station closed; Drinking water available 24 hours" in top
    assert "Station closed when you arrive, but what you need is there" in top
    assert "No suitable station" not in page


def test_the_station_page_says_what_still_runs(demo_client):
    page = demo_client.get("/stations/HZ-T-001?lang=en").get_data(as_text=True)
    assert "Station closed; Drinking water available 24 hours" in page


def test_open_station_says_nothing_extra(client, make_station):
    make_station(["drinking_water"], opening_hours="24/7", name_en="Night owl")
    page = client.get("/?lat=30.25&lon=120.16&lang=en").get_data(as_text=True)
    assert "Night owl" in page and "Station closed;" not in page


def test_water_with_hours_of_its_own_says_until_when(client, make_station):
    make_station(
        [("drinking_water", "working", "Mo-Su 06:00-23:00")], opening_hours="Mo-Su 07:00-19:00"
    )
    page = client.get("/?lat=30.25&lon=120.16&lang=en").get_data(as_text=True)
    assert "Station closed; Drinking water available until 23:00" in page


def test_a_temporary_closure_does_not_promise_the_water(client, make_station):
    make_station(
        [("drinking_water", "working", "24/7")],
        opening_hours="Mo-Su 07:00-19:00",
        status="temporarily_closed",
    )
    page = client.get("/?lat=30.25&lon=120.16&open=now&facility=drinking_water&lang=en").get_data(
        as_text=True
    )
    assert "available 24 hours" not in page
    assert "No suitable station within 20 km" in page


def test_nothing_matches_offers_what_one_filter_less_gives(client, make_station):
    make_station(["toilet"], kind=StationKind.TOILET, opening_hours="Mo-Su 07:00-19:00")
    make_station(["seating"], opening_hours="24/7", name_en="Night warm")
    page = client.get(
        "/?lat=30.25&lon=120.16&kind=warm_station&open=now&facility=toilet&lang=en"
    ).get_data(as_text=True)
    assert "No suitable station within 20 km" in page
    assert "Usable soonest" not in page  # no warm station has a toilet at any hour
    relaxed = page.split('class="relaxed"')[1].split("</ul>")[0]
    assert relaxed.count("<li>") == 1
    assert "Without “Toilet”: Night warm" in relaxed
    assert "kind=warm_station" in relaxed and "facility=toilet" not in relaxed


def test_soonest_is_the_one_usable_first(client, make_station):
    make_station(["toilet"], opening_hours="Mo-Su 08:00-19:00", name_en="Opens at eight")
    make_station(["toilet"], opening_hours="Mo-Su 07:00-19:00", name_en="Opens at seven")
    page = client.get("/?lat=30.25&lon=120.16&open=now&facility=toilet&lang=en").get_data(
        as_text=True
    )
    soonest = page.split("Usable soonest")[1].split("</article>")[0]
    assert "Opens at seven" in soonest
    assert "You can use it from about tomorrow 07:00" in soonest
    relaxed = page.split('class="relaxed"')[1].split("</ul>")[0]
    assert "Without “Open now”: Opens at eight" in relaxed  # the nearer one
    assert "Without “Toilet”" not in relaxed  # both are shut: that filter is not the reason


def test_without_a_location_a_filter_nobody_meets_still_offers_a_way_on(client, make_station):
    make_station(["toilet"], opening_hours="Mo-Su 07:00-19:00", lat=30.27, lon=120.15)
    page = client.get("/?open=now&lang=en").get_data(as_text=True)
    assert "No station matches these filters" in page
    assert "Usable soonest" in page and "Without “Open now”" in page


def test_the_api_counts_facility_hours_too(demo_client):
    """The 22:30 case through /api/v1: drinking water open now is 0 m away, not 5.7 km."""
    body = demo_client.get(
        "/api/v1/stations/nearby?lat=30.2585&lon=120.1627&facility=drinking_water&open_now=1"
        "&kind=toilet_station&limit=1"
    ).get_json()
    top = body["features"][0]["properties"]
    assert top["code"] == "HZ-T-001" and top["distance_m"] < 100
    assert top["open_now"] is False  # the rooms; the water is open:
    water = next(f for f in top["facilities"] if f["code"] == "drinking_water")
    assert water["open_now"] is True and water["hours"] == "24/7"


def test_one_filter_on_is_said_in_the_singular(demo_client):
    page = demo_client.get("/?lat=30.2585&lon=120.1627&kind=toilet_station&lang=en")
    assert "What I need · 1 filter on</summary>" in page.get_data(as_text=True)  # not "1 filters"
    page = demo_client.get("/?lat=30.2585&lon=120.1627&kind=toilet_station&open=now&lang=en")
    assert "What I need · 2 filters on</summary>" in page.get_data(as_text=True)
