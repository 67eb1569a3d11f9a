"""'Open now' asks about what the rider needs: a facility's own hours count (issue 9, part 3).

Every test runs on a fixed clock: 22:30 China time on an ordinary Monday, when toilet stations
(07:00-19:00) are shut but their drinking water runs around the clock.
"""

from datetime import datetime, timedelta

import numpy as np
import pytest

from stationsite.hours import SHANGHAI, State, Status
from stationsite.locator import availability, viewport
from stationsite.locator import index as idx

LATE = datetime(2025, 11, 24, 22, 30, tzinfo=SHANGHAI)
CODES = ["drinking_water", "toilet", "microwave", "seating"]
HERE = (30.25, 120.16)


def east(metres: float) -> float:
    return HERE[1] + metres / (111_320 * 0.864)


def toilet_station(id_=1, metres=1000, water_hours="24/7", **extra) -> idx.Record:
    return idx.Record(
        id_,
        HERE[0],
        east(metres),
        "toilet_station",
        "Mo-Su 07:00-19:00",
        frozenset({"drinking_water", "toilet"}),
        facility_hours=(("drinking_water", water_hours),) if water_hours else (),
        **extra,
    )


def warm_24h(id_=2, metres=5700) -> idx.Record:
    return idx.Record(
        id_, HERE[0], east(metres), "warm_station", "24/7", frozenset({"drinking_water"})
    )


def search(records, filters, at=LATE, **kw):
    index = idx.build(records, CODES)
    return idx.nearby(index, *HERE, at, radius_m=20_000, filters=filters, **kw)


def test_24h_water_at_a_closed_toilet_station_is_found_at_22_30():
    filters = idx.Filters(kind="toilet_station", facilities=["drinking_water"], open="now")
    hits = search([toilet_station(), warm_24h()], filters)
    assert [h.id for h in hits] == [1]
    hit = hits[0]
    assert hit.now.state is State.CLOSED  # the rooms are shut...
    assert hit.need_now.state is State.OPEN and hit.need_now.next_change is None  # water is not
    assert hit.distance_m == pytest.approx(1000, abs=2)


def test_drinking_water_open_now_is_the_near_station_not_the_far_24h_one():
    filters = idx.Filters(facilities=["drinking_water"], open="now")
    assert [h.id for h in search([toilet_station(), warm_24h()], filters)] == [1, 2]


def test_a_facility_without_own_hours_follows_the_station():
    filters = idx.Filters(kind="toilet_station", facilities=["toilet"], open="now")
    assert search([toilet_station()], filters) == []
    both = idx.Filters(facilities=["drinking_water", "toilet"], open="now")
    assert search([toilet_station()], both) == []


def test_open_now_without_facilities_still_means_the_station():
    assert search([toilet_station(), warm_24h()], idx.Filters(open="now"))[0].id == 2


def test_own_hours_that_are_closed_too_do_not_count():
    filters = idx.Filters(facilities=["drinking_water"], open="now")
    assert search([toilet_station(water_hours="Mo-Su 06:00-22:00")], filters) == []


def test_a_temporary_closure_closes_the_24h_water_too():
    closed = toilet_station(closed_until=idx.NO_END)
    filters = idx.Filters(facilities=["drinking_water"], open="now")
    assert search([closed], filters) == []
    assert search([closed], idx.Filters(facilities=["drinking_water"], h24=True)) == []


def test_open_on_arrival_counts_the_facility_hours():
    filters = idx.Filters(facilities=["drinking_water"], open="arrival")
    hit = search([toilet_station()], filters)[0]
    assert hit.available_on_arrival is True and hit.open_on_arrival is False


def test_24_hours_filter_with_a_facility_uses_its_own_hours():
    filters = idx.Filters(facilities=["drinking_water"], h24=True)
    assert [h.id for h in search([toilet_station(), warm_24h()], filters)] == [1, 2]
    assert search([toilet_station()], idx.Filters(h24=True)) == []
    assert search([toilet_station()], idx.Filters(facilities=["toilet"], h24=True)) == []


def test_the_map_viewport_filter_counts_facility_hours_too():
    index = idx.build([toilet_station(), warm_24h(id_=2, metres=300)], CODES)
    bbox = (120.0, 30.0, 120.3, 30.5)
    water = idx.Filters(facilities=["drinking_water"], open="now")
    assert sorted(index.ids[viewport.in_view(index, bbox, water, LATE)].tolist()) == [1, 2]
    toilet = idx.Filters(facilities=["toilet"], open="now")
    assert index.ids[viewport.in_view(index, bbox, toilet, LATE)].tolist() == []
    closed = idx.Filters(facilities=["drinking_water"], open="closed")
    assert viewport.in_view(index, bbox, closed, LATE).tolist() == []


def test_facility_hours_survive_an_index_rebuild_from_its_own_rows():
    from stationsite.locator.service import _records_of

    index = idx.build([toilet_station(), warm_24h()], CODES)
    again = idx.build(_records_of(index), CODES)
    assert again.own_hours == index.own_hours
    assert np.array_equal(again.own_bits, index.own_bits)


def test_combine_is_open_only_when_everything_is():
    at = LATE
    open_until = Status(State.OPEN, at + timedelta(hours=1))
    open_always = Status(State.OPEN)
    closed = Status(State.CLOSED, at + timedelta(hours=8))
    assert availability.combine([open_until, open_always]) == open_until
    assert availability.combine([open_always, closed]).state is State.CLOSED
    assert availability.combine([open_always, Status(State.UNKNOWN)]).state is State.UNKNOWN
    later = Status(State.CLOSED, at + timedelta(hours=9))
    assert availability.combine([closed, later]).next_change == later.next_change
    assert availability.combine([closed, Status(State.CLOSED)]).next_change is None
