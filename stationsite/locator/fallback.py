"""When nothing matches: the station usable soonest, and what dropping one filter would give.

A rider who asked for too much never meets a bare "nothing found". Plain functions over the
index (no Flask): the page words and links the answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .. import hours
from . import index as idx


@dataclass(frozen=True)
class Relaxation:
    """Without one filter (`field`, `value`): the nearest station that would match."""

    field: str  # "kind", "facility", "open" or "h24"
    value: str
    nearest: idx.Hit


@dataclass(frozen=True)
class Soonest:
    hit: idx.Hit
    usable_at: datetime  # when the rider could use it: opening or arrival, whichever is later


def without_one(filters: idx.Filters):
    """(field, value, filters without it) for every filter that is on."""
    if filters.kind:
        yield "kind", filters.kind, replace(filters, kind=None)
    for code in filters.facilities:
        rest = [other for other in filters.facilities if other != code]
        yield "facility", code, replace(filters, facilities=rest)
    if filters.open:
        yield "open", filters.open, replace(filters, open=None)
    if filters.h24:
        yield "h24", "1", replace(filters, h24=False)


def relaxations(index, origin, filters: idx.Filters, at: datetime, radius_m: float):
    found = []
    for field, value, relaxed in without_one(filters):
        hits = idx.nearby(index, *origin, at, limit=1, radius_m=radius_m, filters=relaxed)
        if hits:
            found.append(Relaxation(field, value, hits[0]))
    return found


def soonest(index, origin, filters: idx.Filters, at: datetime, radius_m: float) -> Soonest | None:
    """Among stations that match but for the time, the one the rider can use first."""
    if not (filters.open or filters.h24):
        return None
    relaxed = replace(filters, open=None, h24=False)
    hits = idx.nearby(index, *origin, at, limit=50, radius_m=radius_m, filters=relaxed)
    choices = [(usable, hit.distance_m, hit) for hit in hits if (usable := _usable_at(hit))]
    if not choices:
        return None
    usable, _metres, hit = min(choices, key=lambda choice: choice[:2])
    return Soonest(hit, usable)


def _usable_at(hit: idx.Hit) -> datetime | None:
    """Arrival if what was asked is there then, else its next opening after arrival."""
    if hit.available_on_arrival:
        return hit.arrival_at
    status = hit.need_arrival
    return status.next_change if status.state is hours.State.CLOSED else None
