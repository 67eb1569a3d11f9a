"""Visitor-reported faults as one report per facility: "me too" adds to it, and after the
operator marks it fixed the next visitors are asked whether it works."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    AuditEntry,
    Facility,
    FacilityState,
    Feedback,
    FeedbackCategory,
    FeedbackStatus,
    FeedbackVote,
    StationFacility,
)
from .services import _key, aware

OPEN = (FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED)
ASK_FIXED_FOR = timedelta(days=7)  # how long after a fix visitors are asked if it works
VOTES = ("me_too", "fixed", "still_broken")


@dataclass(frozen=True)
class Fault:
    """What the station page and the API show for one facility."""

    report: Feedback
    facility: str  # code
    count: int  # the reporter and everyone who said "me too"
    since: datetime
    status: str  # reported, confirmed, fixed

    def as_json(self) -> dict:
        return {
            "facility": self.facility,
            "count": self.count,
            "since": self.since.isoformat(),
            "status": self.status,
        }


def _fault(item: Feedback, out_of_order: set[str] = frozenset()) -> Fault:
    """ "confirmed" only while the operator shows the facility as out of order: a report
    merely seen is not a confirmed fault."""
    code = item.facility.code
    if item.status == FeedbackStatus.RESOLVED:
        status = "fixed"
    else:
        status = "confirmed" if code in out_of_order else "reported"
    return Fault(item, code, 1 + item.me_too, item.created_at, status)


def _out_of_order(station_id: int) -> set[str]:
    return set(
        db.session.scalars(
            select(Facility.code)
            .join(StationFacility, StationFacility.facility_id == Facility.id)
            .where(StationFacility.station_id == station_id)
            .where(StationFacility.state == FacilityState.OUT_OF_ORDER)
        )
    )


def _faults_of(station_id: int, statuses, since: datetime | None = None) -> list[Feedback]:
    query = (
        select(Feedback)
        .join(Facility, Feedback.facility_id == Facility.id)
        .where(Feedback.station_id == station_id, Feedback.status.in_(statuses))
        .where(Feedback.category == FeedbackCategory.FACILITY_FAULT)
        .order_by(Feedback.created_at)
    )
    if since is not None:
        query = query.where(Feedback.resolved_at >= since)
    return list(db.session.scalars(query))


def open_faults(station_id: int) -> dict[str, Fault]:
    """Facility code → its oldest open visitor report (later ones count as "me too")."""
    found: dict[str, Fault] = {}
    broken = _out_of_order(station_id)
    for item in _faults_of(station_id, OPEN):
        code = item.facility.code
        if code in found:
            earlier = found[code]
            count = earlier.count + 1 + item.me_too
            found[code] = Fault(earlier.report, code, count, earlier.since, earlier.status)
        else:
            found[code] = _fault(item, broken)
    return found


def recently_fixed(station_id: int) -> dict[str, Fault]:
    """Facility code → the latest report fixed within ASK_FIXED_FOR, to ask "does it work?"."""
    since = datetime.now(UTC) - ASK_FIXED_FOR
    fixed = _faults_of(station_id, (FeedbackStatus.RESOLVED,), since)
    return {item.facility.code: _fault(item) for item in fixed}


def open_report(station_id: int, report_id: int) -> Feedback | None:
    item = db.session.get(Feedback, report_id)
    if item is None or item.station_id != station_id or item.facility_id is None:
        return None
    return item if item.category == FeedbackCategory.FACILITY_FAULT else None


def vote(item: Feedback, kind: str, client: str) -> bool:
    """Count one visitor's answer once; returns whether it counted."""
    if kind not in VOTES:
        raise ValueError(kind)
    if (kind == "me_too") != (item.status in OPEN):
        return False  # "me too" on an open report; "fixed?" answers on a fixed one
    round_ = item.resolved_at.isoformat() if kind != "me_too" and item.resolved_at else ""
    key = _key(item.id, client, kind, round_)
    try:
        with db.session.begin_nested():
            db.session.add(FeedbackVote(feedback_id=item.id, kind=kind, dedupe_key=key))
    except IntegrityError:
        return False
    _apply(item, kind)
    return True


def _apply(item: Feedback, kind: str) -> None:
    if kind == "me_too":
        item.me_too += 1
    elif kind == "fixed":
        item.fixed_confirmed += 1
    else:
        reopen(item)


def reopen(item: Feedback) -> None:
    """A visitor says the fixed facility is still broken: the report is open again."""
    before = {"status": item.status.value}
    item.status, item.resolved_at = FeedbackStatus.NEW, None
    item.me_too += 1
    from .alerts import queue

    queue(item, "reopened")
    db.session.add(
        AuditEntry(
            station_id=item.station_id,
            user=None,
            action=f"feedback:{item.id}",
            before=before,
            after={"status": item.status.value, "by": "visitor"},
        )
    )


def public_reports(station_id: int) -> list[dict]:
    """The station Feature's `reports`: open visitor fault reports, one per facility, and
    reports of finding it closed during opening hours (facility null)."""
    reports = [
        {"category": "facility_fault", **fault.as_json()}
        for fault in open_faults(station_id).values()
    ]
    closed = db.session.execute(
        select(func.count(), func.min(Feedback.created_at), func.sum(Feedback.me_too)).where(
            Feedback.station_id == station_id,
            Feedback.status.in_(OPEN),
            Feedback.category == FeedbackCategory.CLOSED_WHEN_OPEN,
        )
    ).one()
    if closed[0]:
        since = aware(closed[1]).isoformat()
        count = closed[0] + (closed[2] or 0)
        reports.append(
            {
                "category": "closed_when_open",
                "facility": None,
                "count": count,
                "since": since,
                "status": "reported",
            }
        )
    return reports
