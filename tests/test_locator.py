from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from geopy.distance import great_circle
from geopy.location import Location
from hypothesis import given, settings
from hypothesis import strategies as st

from stationsite import geo, navigation
from stationsite.geocode import AMap, Datum, Entry, OfflineGeocoder, core, online_geocoder, score
from stationsite.hours import SHANGHAI, State, evaluate
from stationsite.locator import index as idx
from stationsite.locator import viewport

AT = datetime(2025, 11, 24, 12, 0, tzinfo=SHANGHAI)  # an ordinary Monday noon
HOURS = [
    "24/7",
    "Mo-Su 07:00-19:00",
    "Mo-Su 12:05-13:00",
    "Mo-Su 22:00-06:00",
    "nonsense",
    "Mo-Fr 08:00-12:10",
]
CODES = ["microwave", "drinking_water", "toilet", "seating"]

records = st.lists(
    st.builds(
        idx.Record,
        id=st.integers(1, 10**6),
        lat=st.floats(30.20, 30.30),
        lon=st.floats(120.10, 120.20),
        kind=st.sampled_from(idx.KINDS),
        opening_hours=st.sampled_from(HOURS),
        facilities=st.frozensets(st.sampled_from(CODES)),
    ),
    min_size=1,
    max_size=60,
    unique_by=(lambda r: r.id, lambda r: (r.lat, r.lon)),  # ties in distance have no order
)


def brute_force(rows, lat, lon, limit, radius_m, filters, at):
    found = []
    for record in rows:
        metres = great_circle((lat, lon), (record.lat, record.lon)).meters
        if metres > radius_m or (filters.kind and record.kind != filters.kind):
            continue
        if not set(filters.facilities) <= record.facilities:
            continue
        if filters.open == "now" and evaluate(record.opening_hours, at).state is not State.OPEN:
            continue
        found.append((metres, record.id))
    return [record_id for _, record_id in sorted(found)[:limit]]


@settings(max_examples=150, deadline=None)
@given(
    rows=records,
    lat=st.floats(30.20, 30.30),
    lon=st.floats(120.10, 120.20),
    limit=st.integers(1, 12),
    radius_m=st.integers(200, 15_000),
    kind=st.sampled_from([None, *idx.KINDS]),
    facilities=st.lists(st.sampled_from(CODES), max_size=2, unique=True),
    open_now=st.booleans(),
)
def test_nearby_matches_brute_force(rows, lat, lon, limit, radius_m, kind, facilities, open_now):
    index = idx.build(rows, CODES)
    filters = idx.Filters(kind=kind, facilities=facilities, open="now" if open_now else None)
    hits = idx.nearby(index, lat, lon, AT, limit=limit, radius_m=radius_m, filters=filters)
    expected = brute_force(rows, lat, lon, limit, radius_m, filters, AT)
    assert [h.id for h in hits] == expected
    distances = [h.distance_m for h in hits]
    assert distances == sorted(distances)
    for hit in hits:
        record = next(r for r in rows if r.id == hit.id)
        assert hit.distance_m == pytest.approx(
            great_circle((lat, lon), (record.lat, record.lon)).meters, abs=0.5
        )


def one(hours_string: str, metres_east: float = 0.0, **extra) -> idx.StationIndex:
    lon = 120.16 + metres_east / (111_320 * 0.864)
    return idx.build(
        [
            idx.Record(
                1, 30.25, lon, "warm_station", hours_string, frozenset({"microwave"}), **extra
            )
        ],
        CODES,
    )


def test_closing_during_the_ride_is_not_open_on_arrival():
    # closes at 12:10; 3.5 km by e-bike takes 19 minutes
    index = one("Mo-Fr 08:00-12:10", metres_east=3500)
    hit = idx.nearby(index, 30.25, 120.16, AT, radius_m=5000)[0]
    assert hit.now.state is State.OPEN
    assert hit.open_on_arrival is False
    assert (
        idx.nearby(index, 30.25, 120.16, AT, radius_m=5000, filters=idx.Filters(open="arrival"))
        == []
    )


def test_closing_just_after_arrival_is_not_open_on_arrival():
    index = one("Mo-Fr 08:00-12:10", metres_east=500)  # 3 min away, 7 min before closing
    assert idx.nearby(index, 30.25, 120.16, AT)[0].open_on_arrival is False


def test_opening_before_arrival_counts_as_open_on_arrival():
    index = one("Mo-Su 12:05-13:00", metres_east=2500)  # closed now, opens in 5 min, 14 min away
    hit = idx.nearby(index, 30.25, 120.16, AT)[0]
    assert hit.now.state is State.CLOSED and hit.open_on_arrival is True


def test_walking_takes_longer_than_riding():
    index = one("Mo-Su 12:05-13:00", metres_east=2500)
    hit = idx.nearby(index, 30.25, 120.16, AT, filters=idx.Filters(mode="walk"))[0]
    assert hit.minutes["walk"] > hit.minutes["ebike"]
    assert hit.arrival_at == AT + timedelta(minutes=hit.minutes["walk"])


def test_overnight_station_open_on_arrival_after_midnight():
    index = one("Mo-Su 22:00-06:00", metres_east=1000)
    late = datetime(2025, 11, 24, 23, 55, tzinfo=SHANGHAI)
    hit = idx.nearby(index, 30.25, 120.16, late)[0]
    assert hit.arrival_at.day == 25 and hit.open_on_arrival is True


def test_holiday_closure_on_arrival():
    index = one("Mo-Su 07:00-19:00; PH off", metres_east=1000)
    eve = datetime(2025, 9, 30, 23, 58, tzinfo=SHANGHAI)
    assert idx.nearby(index, 30.25, 120.16, eve)[0].open_on_arrival is False


def test_unknown_hours_are_neither_open_nor_closed_on_arrival():
    assert idx.nearby(one("nonsense"), 30.25, 120.16, AT)[0].open_on_arrival is None


def test_temporary_closure_in_the_index():
    until = (AT + timedelta(hours=2)).timestamp()
    index = one("24/7", closed_until=until)
    hit = idx.nearby(index, 30.25, 120.16, AT)[0]
    assert hit.now.reason == "temporarily_closed" and hit.open_on_arrival is False
    forever = one("24/7", closed_until=idx.NO_END)
    assert idx.nearby(forever, 30.25, 120.16, AT)[0].now.next_change is None


def test_h24_filter():
    rows = [
        idx.Record(1, 30.25, 120.16, "warm_station", "24/7", frozenset()),
        idx.Record(2, 30.25, 120.161, "warm_station", "Mo-Su 07:00-19:00", frozenset()),
    ]
    hits = idx.nearby(idx.build(rows, CODES), 30.25, 120.16, AT, filters=idx.Filters(h24=True))
    assert [h.id for h in hits] == [1]


def test_empty_index_and_zero_limit():
    assert idx.nearby(idx.build([], CODES), 30.25, 120.16, AT) == []
    assert idx.nearby(one("24/7"), 30.25, 120.16, AT, limit=0) == []


def test_clusters_stay_within_the_limit_and_count_everything():
    rows = [
        idx.Record(
            i, 30 + (i % 100) / 50, 120 + (i // 100) / 50, "warm_station", "24/7", frozenset()
        )
        for i in range(5000)
    ]
    index = idx.build(rows, CODES)
    in_box = viewport.in_view(index, (119, 29, 123, 33), idx.Filters(), AT)
    groups = viewport.clusters(index, in_box, zoom=5, most=50)
    assert 0 < len(groups) <= 50
    assert sum(g.count for g in groups) == len(in_box) == 5000


# --- coordinates ------------------------------------------------------------------------


@settings(max_examples=200)
@given(lat=st.floats(18.2, 53.5), lon=st.floats(73.7, 134.7))
def test_gcj02_and_bd09_round_trips(lat, lon):
    assert geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lat, lon)) == pytest.approx((lat, lon), abs=1e-7)
    assert geo.bd09_to_wgs84(*geo.wgs84_to_bd09(lat, lon)) == pytest.approx((lat, lon), abs=1e-6)


def test_gcj02_offset_is_hundreds_of_metres_in_hangzhou_and_none_abroad():
    shifted = geo.wgs84_to_gcj02(30.2585, 120.1627)
    assert 300 < geo.distance_m((30.2585, 120.1627), shifted) < 700
    assert geo.wgs84_to_gcj02(48.85, 2.35) == (48.85, 2.35)


def test_to_wgs84_by_datum():
    gcj = geo.wgs84_to_gcj02(30.2585, 120.1627)
    assert geo.to_wgs84(*gcj, "gcj02") == pytest.approx((30.2585, 120.1627), abs=1e-7)
    assert geo.to_wgs84(30.1, 120.1, "wgs84") == (30.1, 120.1)


# --- navigation links -------------------------------------------------------------------


def query(url):
    return {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}


def test_deep_links_use_each_providers_datum():
    lat, lon, name = 30.2585, 120.1627, "湖滨公园公厕驿站"
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    blat, blon = geo.wgs84_to_bd09(lat, lon)
    found = {link.provider: link.url for link in navigation.links(lat, lon, name)}
    assert all(url.startswith("https://") for url in found.values())
    amap = query(found["amap"])
    assert amap["to"] == f"{glon:.6f},{glat:.6f},{name}" and amap["mode"] == "ride"
    assert query(found["baidu"])["location"] == f"{blat:.6f},{blon:.6f}"
    assert query(found["baidu"])["coord_type"] == "bd09ll"
    assert query(found["tencent"])["tocoord"] == f"{glat:.6f},{glon:.6f}"
    assert query(found["apple"])["daddr"] == f"{glat:.6f},{glon:.6f}"
    assert f"mlat={lat:.6f}&mlon={lon:.6f}" in found["osm"]


def test_deep_links_with_an_origin_route_from_it():
    found = {
        link.provider: link.url
        for link in navigation.links(30.26, 120.16, "驿站", "walk", origin=(30.25, 120.15))
    }
    assert query(found["baidu"])["mode"] == "walking"
    assert query(found["baidu"])["origin"].startswith("latlng:")
    assert "fossgis_osrm_foot" in found["osm"] and "30.250000%2C120.150000" in found["osm"]
    assert query(found["amap"])["mode"] == "walk"


# --- geocoding --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query_text", "name", "at_least"),
    [
        ("西湖区", "西湖区", 100),
        ("西湖", "西湖区", 95),
        ("湖滨", "湖滨公园", 85),
        ("湖滨公园", "湖滨", 95),
        ("文新", "文新街道", 85),
        ("东站", "杭州东站", 70),
        ("西湖区文三路", "文三路", 50),
        ("Ｘｉｘｉ", "xixi", 100),
    ],
)
def test_forgiving_matching(query_text, name, at_least):
    assert score(query_text, name) >= at_least


def test_unrelated_names_do_not_match():
    assert score("火星", "湖滨公园") == 0
    assert core("西湖风景名胜区") == "西湖"


def test_offline_geocoder_prefers_exact_names():
    entries = [Entry("西湖", "place", 30.246, 120.145), Entry("西湖区", "district", 30.27, 120.1)]
    geocoder = OfflineGeocoder(lambda _q: entries)
    assert geocoder.geocode("西湖区").address == "西湖区"
    assert geocoder.geocode("西湖").address == "西湖"
    assert [loc.address for loc in geocoder.geocode("西湖", exactly_one=False)] == [
        "西湖",
        "西湖区",
    ]
    assert geocoder.geocode("火星") is None
    assert geocoder.geocode("火星", exactly_one=False) is None


def test_online_geocoders_are_optional_and_converted():
    assert online_geocoder("offline") is None
    assert online_geocoder("baidu") is None  # no key, no geocoder
    assert online_geocoder("nominatim") is not None
    assert isinstance(online_geocoder("amap:KEY"), Datum)

    class FakeBaidu:
        def geocode(self, query, exactly_one=True, timeout=None):
            lat, lon = geo.wgs84_to_bd09(30.2585, 120.1627)
            found = Location("湖滨", (lat, lon), {})
            return found if exactly_one else [found]

    wrapped = Datum(FakeBaidu(), "bd09")
    assert wrapped.geocode("湖滨").point[:2] == pytest.approx((30.2585, 120.1627), abs=1e-6)
    assert len(wrapped.geocode("湖滨", exactly_one=False)) == 1


def test_amap_answers_are_parsed():
    page = {"geocodes": [{"formatted_address": "杭州东站", "location": "120.2189,30.2880"}]}
    assert AMap._parse(page, True).point[:2] == (30.2880, 120.2189)
    assert AMap._parse({"geocodes": []}, True) is None
