"""The operator's stations, open problems first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ..extensions import db
from ..models import FacilityState, Feedback, FeedbackStatus, Role, Station, StationFacility, User

MOST = 200


@dataclass(frozen=True)
class Row:
    station: Station
    new_feedback: int
    broken: int

    @property
    def problems(self) -> int:
        closed = self.station.status.value == "temporarily_closed"
        return self.new_feedback + self.broken + int(closed)


def _counts(query, ids: list[int]) -> dict[int, int]:
    return dict(db.session.execute(query.where(query.selected_columns[0].in_(ids))).all())


def my_stations(user: User) -> list[Row]:
    query = select(Station).order_by(Station.code).limit(MOST)
    if user.role != Role.ADMIN:
        query = query.where(Station.id.in_([s.id for s in user.stations]))
    stations = list(db.session.scalars(query))
    ids = [s.id for s in stations]
    new = _counts(
        select(Feedback.station_id, func.count())
        .where(Feedback.status == FeedbackStatus.NEW)
        .group_by(Feedback.station_id),
        ids,
    )
    broken = _counts(
        select(StationFacility.station_id, func.count())
        .where(StationFacility.state == FacilityState.OUT_OF_ORDER)
        .group_by(StationFacility.station_id),
        ids,
    )
    rows = [Row(s, new.get(s.id, 0), broken.get(s.id, 0)) for s in stations]
    return sorted(rows, key=lambda row: (-row.problems, row.station.code))
