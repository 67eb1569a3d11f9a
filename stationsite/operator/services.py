"""What operators change on a station, each change recorded in the audit trail."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import delete, func, select

from .. import hours
from ..catalogue import ensure_catalogue
from ..extensions import db
from ..models import (
    AuditEntry,
    FacilityState,
    Station,
    StationFacility,
    StationStatus,
    User,
    Visit,
    VisitorGroup,
    VisitRollup,
    VisitSource,
)
from ..reports import rollups


class ChangeError(ValueError):
    """A change that cannot be made as asked; the message says why, for the operator."""


def audit(station: Station, by: User | None, action: str, before: dict, after: dict) -> None:
    if before != after:
        db.session.add(
            AuditEntry(station=station, user=by, action=action, before=before, after=after)
        )


def _facility_state(item: StationFacility | None) -> dict:
    if item is None:
        return {}
    return {"state": item.state.value, "hours": item.hours, "stock": item.stock, "note": item.note}


def set_station_facilities(station: Station, changes: dict[str, dict], *, by: User) -> None:
    """Apply {facility code: {state, hours, stock, note}}; a code not there yet is added."""
    catalogue = ensure_catalogue()
    present = {item.facility.code: item for item in station.facilities}
    for code, fields in changes.items():
        if code not in catalogue:
            raise ChangeError(f"unknown facility: {code}")
        if fields.get("hours") and not hours.is_valid(fields["hours"]):
            raise ChangeError(f"not valid opening hours: {fields['hours']}")
        item = present.get(code)
        before = _facility_state(item)
        if item is None:
            item = StationFacility(facility=catalogue[code])
            station.facilities.append(item)
        for name, value in fields.items():
            setattr(item, name, FacilityState(value) if name == "state" else value)
        item.updated_by = by
        audit(station, by, f"facility:{code}", before, _facility_state(item))


def set_opening_hours(station: Station, expression: str, *, by: User) -> None:
    expression = expression.strip()
    if not hours.is_valid(expression):
        raise ChangeError(f"not valid opening hours: {expression}")
    audit(
        station,
        by,
        "opening_hours",
        {"opening_hours": station.opening_hours},
        {"opening_hours": expression},
    )
    station.opening_hours = expression


def _status(station: Station) -> dict:
    until = station.closed_until.isoformat() if station.closed_until else None
    return {"status": station.status.value, "reason": station.closure_reason, "until": until}


def close_temporarily(station: Station, reason: str, until: datetime | None, *, by: User) -> None:
    if until is not None and until <= datetime.now(UTC):
        raise ChangeError("the reopening time must be in the future")
    before = _status(station)
    station.status = StationStatus.TEMPORARILY_CLOSED
    station.closure_reason, station.closed_until = reason.strip(), until
    audit(station, by, "closure", before, _status(station))


def reopen(station: Station, *, by: User) -> None:
    before = _status(station)
    station.status, station.closure_reason, station.closed_until = StationStatus.OPEN, "", None
    audit(station, by, "closure", before, _status(station))


def mark_verified(station: Station, *, by: User) -> None:
    before = station.last_verified_at.isoformat() if station.last_verified_at else None
    station.last_verified_at = datetime.now(UTC)
    audit(station, by, "verified", {"at": before}, {"at": station.last_verified_at.isoformat()})


def record_tally(station: Station, day: date, counts: dict[str, int], *, by: User) -> None:
    """The day's visitor counts by group, replacing what was entered for that day before."""
    start = datetime.combine(day, time(12), hours.SHANGHAI).astimezone(UTC)
    earlier = list(db.session.scalars(select(Visit).where(*_tally_of(station, start))))
    previous = {v.visitor_group.value: v.count for v in earlier}
    for visit in earlier:
        rollups.count_visit(visit, station, sign=-1)
    db.session.execute(delete(Visit).where(*_tally_of(station, start)))
    for group, number in counts.items():
        if number:
            visit = Visit(
                station=station,
                visited_at=start,
                count=number,
                visitor_group=VisitorGroup(group),
                source=VisitSource.TALLY,
            )
            db.session.add(visit)
            rollups.count_visit(visit, station)
    audit(
        station,
        by,
        f"tally:{day.isoformat()}",
        previous,
        {group: number for group, number in counts.items() if number},
    )


def _tally_of(station: Station, noon: datetime):
    return (
        Visit.station_id == station.id,
        Visit.source == VisitSource.TALLY,
        Visit.visited_at == noon,
    )


@dataclass(frozen=True)
class DayVisits:
    day: date
    checkins: int
    tallies: dict[str, int]  # by visitor group, as the operator entered them

    @property
    def total(self) -> int:
        return self.checkins + sum(self.tallies.values())


def visit_history(station: Station, today: date, days: int = 14) -> list[DayVisits]:
    """The station's last `days` China-time days, newest first: QR check-ins and the tallies
    entered (read from the rollup, so the form shows what was entered before)."""
    first = today - timedelta(days=days - 1)
    rows = db.session.execute(
        select(
            VisitRollup.day,
            VisitRollup.visitor_group,
            VisitRollup.source,
            func.sum(VisitRollup.visits),
        )
        .where(VisitRollup.station_id == station.id, VisitRollup.day.between(first, today))
        .group_by(VisitRollup.day, VisitRollup.visitor_group, VisitRollup.source)
    )
    checkins: dict[date, int] = defaultdict(int)
    tallies: dict[date, dict[str, int]] = defaultdict(dict)
    for day, group, source, visits in rows:
        if source is VisitSource.TALLY:
            tallies[day][group.value] = visits
        else:
            checkins[day] += visits
    return [
        DayVisits(day, checkins[day], tallies[day])
        for day in (today - timedelta(days=n) for n in range(days))
    ]


def recent_audit(station: Station, limit: int = 30) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .where(AuditEntry.station_id == station.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


def state_before_removal(station: Station, code: str) -> str:
    """What the facility was before it was last removed (working if unknown)."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.station_id == station.id, AuditEntry.action == f"facility:{code}")
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(20)
    )
    for entry in entries:
        if (entry.after or {}).get("state") == "removed":
            before = (entry.before or {}).get("state")
            return before if before in ("working", "out_of_order") else "working"
    return "working"


def restore_facility(station: Station, code: str, *, by: User) -> None:
    """Undo a removal: the facility comes back as it was."""
    present = {item.facility.code: item for item in station.facilities}
    if code not in present or present[code].state != FacilityState.REMOVED:
        raise ChangeError(f"not a removed facility: {code}")
    state = state_before_removal(station, code)
    set_station_facilities(station, {code: {"state": state}}, by=by)


def removed_facilities(station: Station) -> list[StationFacility]:
    return [item for item in station.facilities if item.state == FacilityState.REMOVED]
