"""The offline gazetteer: places, districts and streets (cached), and matching stations."""

from __future__ import annotations

import time

from sqlalchemy import func, or_, select

from .. import geo
from ..extensions import db
from ..geocode import Entry, core, normalize
from ..models import Place, Station, StationStatus
from ..orientation import _cache as orientation_cache
from .places_io import nearest_on_line

CACHE_S = 300
_cache: dict[str, tuple[float, list[Entry]]] = {}


def _areas() -> list[Entry]:
    """Parks and landmarks, and the centre of each district and street with stations."""
    entries = [
        Entry(
            p.name_zh,
            "place",
            p.lat,
            p.lon,
            tuple(a.strip() for a in p.aliases.split(",") if a.strip()) + (p.name_en,),
            p.district,
            p.kind,
            p.line,
            p.name_en or "",
        )
        for p in db.session.scalars(select(Place))
    ]
    districts = db.session.execute(
        select(Station.district, func.avg(Station.lat), func.avg(Station.lon))
        .where(Station.district != "", Station.status != StationStatus.CLOSED)
        .group_by(Station.district)
    )
    entries += [Entry(name, "district", lat, lon, (), name) for name, lat, lon in districts]
    streets = db.session.execute(
        select(
            Station.street, func.min(Station.district), func.avg(Station.lat), func.avg(Station.lon)
        )
        .where(Station.street != "", Station.status != StationStatus.CLOSED)
        .group_by(Station.street)
    )
    entries += [Entry(name, "street", lat, lon, (), dist) for name, dist, lat, lon in streets]
    return entries


def road_line(name: str, lat: float, lon: float) -> str:
    """The line of the road place of this name and point ("" when it has none)."""
    for entry in cached_areas(str(db.engine.url)):
        if entry.line and entry.name == name and (entry.lat, entry.lon) == (lat, lon):
            return entry.line
    return ""


def cached_areas(engine_key: str) -> list[Entry]:
    stamp, entries = _cache.get(engine_key, (0.0, []))
    if time.monotonic() - stamp > CACHE_S:
        entries = _areas()
        _cache[engine_key] = (time.monotonic(), entries)
    return entries


def _stations(query: str) -> list[Entry]:
    needle = core(normalize(query))
    if len(needle) < 2:
        return []
    rows = db.session.scalars(
        select(Station)
        .where(Station.status != StationStatus.CLOSED)
        .where(
            or_(
                Station.name_zh.contains(needle),
                Station.address.contains(needle),
                Station.name_en.icontains(needle),
            )
        )
        .limit(40)
    )
    return [
        Entry(
            s.name_zh,
            "station",
            s.lat,
            s.lon,
            (_street_address(s), s.name_en or ""),
            s.district,
            name_en=s.name_en or "",
        )
        for s in rows
    ]


def _street_address(station: Station) -> str:
    """The address without its city and district: "西湖" is not a station in 西湖区."""
    address = station.address
    for prefix in (station.city, station.district):
        address = address.removeprefix(prefix) if prefix else address
    return address


def gazetteer(query: str) -> list[Entry]:
    return cached_areas(str(db.engine.url)) + _stations(query)


def nearest_name(lat: float, lon: float, within_m: float = 1500) -> str | None:
    """The nearest named place, road or street to a position: how "my location" reads to a
    person. A road counts by its nearest point, not its middle."""
    entry = nearest_place(lat, lon, within_m)
    return entry.name if entry else None


def nearest_place(lat: float, lon: float, within_m: float = 1500) -> Entry | None:
    """The gazetteer entry nearest_name names (its English name comes with it)."""
    here = (lat, lon)
    named = [e for e in cached_areas(str(db.engine.url)) if e.kind in ("place", "street")]
    found = [(_distance_m(here, entry), entry.name, i) for i, entry in enumerate(named)]
    near = [item for item in found if item[0] <= within_m]
    return named[min(near)[2]] if near else None


NAMED_HERE_M = 1000  # a picked place's point (rounded in its link) is this near it


def shown_name(name: str, lat: float, lon: float, lang: str) -> str:
    """How a place picked by name (the `near` of a link: its Chinese name) reads in `lang`:
    the English name of the place, road or station of that name at that point, else `name`."""
    if lang != "en" or not name:
        return name
    here = (lat, lon)
    same = [e for e in cached_areas(str(db.engine.url)) if e.name == name and e.name_en]
    near = [(_distance_m(here, e), e.name_en) for e in same]
    near = [item for item in near if item[0] <= NAMED_HERE_M]
    if near:
        return min(near)[1]
    stations = db.session.execute(
        select(Station.name_en, Station.lat, Station.lon).where(
            Station.name_zh == name, Station.name_en != ""
        )
    ).all()
    found = [(geo.distance_m(here, (s.lat, s.lon)), s.name_en) for s in stations if s.name_en]
    found = [item for item in found if item[0] <= NAMED_HERE_M]
    return min(found)[1] if found else name


ROAD_REACH_M = 15_000  # roads whose middle is further than this are not looked along


def _distance_m(here: tuple[float, float], entry: Entry) -> float:
    middle = geo.distance_m(here, (entry.lat, entry.lon))
    if not entry.line or middle > ROAD_REACH_M:
        return middle
    return geo.distance_m(here, nearest_on_line(entry.line, *here))


SAME_PLACE_M = 300
PLACE_COLUMNS = ("name_zh", "name_en", "kind", "aliases", "city", "lat", "lon", "line")
DISTRICT_M = 3000  # a place without a district takes that of stations this near


def district_near(lat: float, lon: float) -> str:
    """The district of the nearest station within DISTRICT_M (OSM ways rarely carry one)."""
    box = DISTRICT_M / 111_000
    rows = db.session.execute(
        select(Station.district, Station.lat, Station.lon).where(
            Station.district != "",
            Station.lat.between(lat - box, lat + box),
            Station.lon.between(lon - 2 * box, lon + 2 * box),
        )
    ).all()
    here = (lat, lon)
    near = [(geo.distance_m(here, (r.lat, r.lon)), r.district) for r in rows]
    near = [item for item in near if item[0] <= DISTRICT_M]
    return min(near)[1] if near else ""


def save_places(rows) -> tuple[int, int]:
    """Add places, or update one of the same name and kind within 300 m; (added, updated)."""
    existing = _existing({row.name_zh for row in rows})
    added = updated = 0
    for row in rows:
        place = _same(existing, row)
        if place is None:
            place = Place()
            db.session.add(place)
            existing.setdefault((row.name_zh, row.kind), []).append(place)
            added += 1
        else:
            updated += 1
        for column in PLACE_COLUMNS:
            setattr(place, column, getattr(row, column))
        place.district = row.district or district_near(row.lat, row.lon) or place.district or ""
    db.session.flush()
    _cache.clear()  # the next search sees them at once
    orientation_cache.clear()  # and the next map without tiles
    return added, updated


def plan_places(rows) -> list[str]:
    """What save_places would do with each row, "create" or "update"; nothing is written."""
    existing = _existing({row.name_zh for row in rows})
    plan = []
    for row in rows:
        if _same(existing, row) is None:
            existing.setdefault((row.name_zh, row.kind), []).append(row)
            plan.append("create")
        else:
            plan.append("update")
    return plan


def _existing(names: set[str]) -> dict[tuple[str, str], list]:
    """Places of these names by name and kind (read in chunks: SQLite limits parameters)."""
    names_in_order, existing = sorted(names), {}
    for start in range(0, len(names_in_order), 500):
        chunk = names_in_order[start : start + 500]
        for place in db.session.scalars(select(Place).where(Place.name_zh.in_(chunk))):
            existing.setdefault((place.name_zh, place.kind), []).append(place)
    return existing


def _same(existing, row):
    for place in existing.get((row.name_zh, row.kind), []):
        if geo.distance_m((place.lat, place.lon), (row.lat, row.lon)) < SAME_PLACE_M:
            return place
    return None
