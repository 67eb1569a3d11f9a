"""The rider's question, answered for the home page: where am I, and what is near."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ..i18n import current_lang
from ..maps import map_center
from ..models import Station
from . import fallback, roads
from . import index as idx
from .gazetteer import nearest_place, shown_name
from .queries import Located, Lookup, locate, nearby, stations_by_id
from .service import current_index

NEAR_M, FAR_M, CITY_M = 3_000, 20_000, 60_000


@dataclass
class Answer:
    origin: tuple[float, float] | None
    origin_label: str | None
    rows: list[tuple[Station, idx.Hit]] = field(default_factory=list)
    widened: bool = False
    not_found: str | None = None  # the typed place we could not find
    place: Located | None = None  # what the typed place matched, when we search from it
    choices: list[Located] = field(default_factory=list)  # places it might mean
    soonest: fallback.Soonest | None = None  # when nothing matches: usable first
    relaxed: list[fallback.Relaxation] = field(default_factory=list)  # ...or with one filter less
    stations: dict[int, Station] = field(default_factory=dict)  # theirs, by id


def answer(origin, query: str, filters: idx.Filters, at: datetime, near: str = "") -> Answer:
    """Stations for the place typed in `query` (a road at its point nearest `origin`), else for
    the rider at `origin` (`near` names it: a place they picked), else for the whole city.
    Places read in the page's language: English names where the gazetteer stores them."""
    lang = current_lang()
    shown_near = shown_name(near, *origin, lang) if origin and near else near
    label = (shown_near or _my_location(origin, lang)) if origin else None
    lookup = roads.on_road(locate(query), origin) if query else Lookup(query)  # typed wins
    if lookup.place:
        origin = (lookup.place.lat, lookup.place.lon)
        label = roads.label(lookup.place, shown_near, lang)
    not_found = query if query and lookup.place is None and not lookup.choices else None
    if origin is None:
        rows = nearby(*map_center(), at, limit=50, radius_m=CITY_M, filters=filters)
        found = Answer(None, None, rows, not_found=not_found, choices=lookup.choices)
        return found if rows else _no_match(found, map_center(), filters, at, CITY_M)
    rows = nearby(*origin, at, limit=20, radius_m=NEAR_M, filters=filters)
    found = Answer(
        origin, label, rows, not_found=not_found, place=lookup.place, choices=lookup.choices
    )
    if rows:
        return found
    found.rows = nearby(*origin, at, limit=20, radius_m=FAR_M, filters=filters)
    found.widened = True
    return found if found.rows else _no_match(found, origin, filters, at, FAR_M)


def _no_match(found: Answer, origin, filters: idx.Filters, at: datetime, radius_m) -> Answer:
    index = current_index()
    found.soonest = fallback.soonest(index, origin, filters, at, radius_m)
    found.relaxed = fallback.relaxations(index, origin, filters, at, radius_m)
    hits = [r.nearest for r in found.relaxed] + ([found.soonest.hit] if found.soonest else [])
    found.stations = stations_by_id([hit.id for hit in hits])
    return found


def _my_location(origin, lang: str) -> str:
    place = nearest_place(*origin)
    if place is None:
        return _("My location")
    return _("My location, near %(place)s", place=place.shown(lang))
