"""The rider's question, answered for the home page: where am I, and what is near."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _

from ..maps import map_center
from ..models import Station
from . import index as idx
from .queries import Located, locate, nearby

NEAR_M, FAR_M, CITY_M = 3_000, 20_000, 60_000


@dataclass
class Answer:
    origin: tuple[float, float] | None
    origin_label: str | None
    rows: list[tuple[Station, idx.Hit]] = field(default_factory=list)
    widened: bool = False
    not_found: str | None = None  # the typed place we could not find


def answer(origin, query: str, filters: idx.Filters, at: datetime) -> Answer:
    label = _("My location") if origin else None
    not_found = None
    if origin is None and query:
        place: Located | None = locate(query)
        if place:
            origin, label = (place.lat, place.lon), place.name
        else:
            not_found = query
    if origin is None:
        rows = nearby(*map_center(), at, limit=50, radius_m=CITY_M, filters=filters)
        return Answer(None, None, rows, not_found=not_found)
    rows = nearby(*origin, at, limit=20, radius_m=NEAR_M, filters=filters)
    if rows:
        return Answer(origin, label, rows)
    rows = nearby(*origin, at, limit=20, radius_m=FAR_M, filters=filters)
    return Answer(origin, label, rows, widened=True)
