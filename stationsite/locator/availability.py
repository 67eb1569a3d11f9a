"""Is what the rider asked for there at a given minute? Plain module: no Flask, no SQL.

A facility with its own hours (24 h drinking water at a toilet station open 07:00-19:00)
follows them; one without follows the station. A temporary or permanent closure closes
everything: nobody can promise the water runs while a station is shut for renovation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import hours
from ..hours import State, Status

SHUT = ("temporarily_closed", "closed")


def combine(statuses: Sequence[Status]) -> Status:
    """All of them at once: open only when every one is open, closed when any is closed."""
    closed = [s for s in statuses if s.state is State.CLOSED]
    if closed:
        changes = [s.next_change for s in closed]
        # available again when the last closed one opens (a lower bound if others close by then)
        later = None if None in changes else max(changes)
        return Status(State.CLOSED, later, closed[0].reason)
    if any(s.state is State.UNKNOWN for s in statuses):
        return Status(State.UNKNOWN)
    changes = [s.next_change for s in statuses if s.next_change is not None]
    return Status(State.OPEN, min(changes) if changes else None)


def need_status(
    station: Status, own_hours: Mapping[str, str], asked: Sequence[str], minute: int
) -> Status:
    """The asked facilities' availability at `minute`, given the station's status then."""
    if not asked or station.reason in SHUT:
        return station
    return combine(
        [
            hours.evaluate_minute(own_hours[code], minute) if own_hours.get(code) else station
            for code in asked
        ]
    )


def always_available(station_hours: str, own_hours: Mapping[str, str], asked: Sequence[str]):
    """Around the clock: the station's hours, or with facilities asked, each one's own."""
    if not asked:
        return station_hours.strip() == "24/7"
    return all((own_hours.get(code) or station_hours).strip() == "24/7" for code in asked)
