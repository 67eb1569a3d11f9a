"""The operator's stations, open problems first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..extensions import db
from ..feedback.services import aware
from ..models import FacilityState, Feedback, Role, Station, StationFacility, User
from .inbox import needs_action

MOST = 200


@dataclass(frozen=True)
class Row:
    station: Station
    waiting: int  # messages that need action
    broken: int
    oldest: datetime | None = None  # when the longest-waiting of them arrived

    @property
    def problems(self) -> int:
        closed = self.station.status.value == "temporarily_closed"
        return self.waiting + self.broken + int(closed)


def _counts(query, ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(query.where(query.selected_columns[0].in_(ids))).all())


def _waiting(ids: list[int]) -> dict[int, tuple[int, datetime]]:
    rows = db.session.execute(
        select(Feedback.station_id, func.count(), func.min(Feedback.created_at))
        .where(needs_action(), Feedback.station_id.in_(ids))
        .group_by(Feedback.station_id)
    )
    return {station_id: (n, aware(oldest)) for station_id, n, oldest in rows}


def my_stations(user: User) -> list[Row]:
    query = select(Station).order_by(Station.code).limit(MOST)
    if user.role != Role.ADMIN:
        query = query.where(Station.id.in_([s.id for s in user.stations]))
    stations = list(db.session.scalars(query))
    ids = [s.id for s in stations]
    waiting = _waiting(ids)
    broken = _counts(
        select(StationFacility.station_id, func.count())
        .where(StationFacility.state == FacilityState.OUT_OF_ORDER)
        .group_by(StationFacility.station_id),
        ids,
    )
    rows = []
    for s in stations:
        count, oldest = waiting.get(s.id, (0, None))
        rows.append(Row(s, count, broken.get(s.id, 0), oldest))
    return sorted(rows, key=lambda row: (-row.problems, row.station.code))


@dataclass(frozen=True)
class Summary:
    waiting: int
    oldest: datetime | None


def summary(rows: list[Row]) -> Summary:
    """All my stations together: how many messages wait, and since when."""
    oldest = [row.oldest for row in rows if row.oldest is not None]
    return Summary(sum(row.waiting for row in rows), min(oldest) if oldest else None)
