"""Feedback and check-ins: stored once, whatever arrives twice; summaries for the public."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    Facility,
    Feedback,
    FeedbackCategory,
    FeedbackPhoto,
    FeedbackStatus,
    Station,
    Visit,
    VisitorGroup,
    VisitSource,
)
from ..reports import rollups
from .follow import give_follow_link

CHECKIN_WINDOW = timedelta(minutes=30)
FAULTS = (FeedbackCategory.FACILITY_FAULT, FeedbackCategory.MISSING_FACILITY)


@dataclass(frozen=True)
class Submission:
    visitor_group: str
    category: str
    rating: int | None = None
    facility: str | None = None  # facility code
    comment: str = ""
    contact: str = ""


def _key(*parts) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _content(submission: Submission) -> str:
    text = "".join(unicodedata.normalize("NFKC", submission.comment).split()).lower()
    return _key(submission.category, submission.rating, submission.facility or "", text)


def submit_feedback(
    station: Station, submission: Submission, clients: tuple[str, str], source: str = "web"
) -> tuple[Feedback, bool]:
    """Store `submission` unless this client sent the same to this station within the window.

    Returns the stored feedback and whether it is new. The database's unique dedupe key makes
    this hold under concurrent requests too.
    """
    window_s = current_app.config["FEEDBACK_DEDUPE_WINDOW_S"]
    now = datetime.now(UTC)
    content = _content(submission)
    window = int(now.timestamp() // window_s)
    keys = [_key(station.id, c, content, w) for c in clients for w in (window, window - 1)]
    earlier = db.session.scalar(select(Feedback).where(Feedback.dedupe_key.in_(keys)))
    if earlier is not None:
        return earlier, False
    item = Feedback(
        station=station,
        visitor_group=VisitorGroup(submission.visitor_group),
        category=FeedbackCategory(submission.category),
        rating=submission.rating,
        facility=_facility(submission.facility),
        comment=submission.comment.strip(),
        contact=submission.contact.strip(),
        client_hash=clients[0],
        dedupe_key=keys[0],
        source=source,
        approved=not current_app.config["FEEDBACK_REQUIRE_APPROVAL"],
        created_at=now,
    )
    give_follow_link(item)
    item, new = _insert_once(item, select(Feedback).where(Feedback.dedupe_key == keys[0]))
    if new:
        from .alerts import queue_new_report

        queue_new_report(item)
    return item, new


def _insert_once(item, existing_query):
    """Add and flush; if a concurrent request stored the same key first, return that row."""
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return db.session.scalar(existing_query), False
    return item, True


def reportable_facilities(station: Station, category: str | None) -> list[Facility]:
    """A missing facility may be anything in the catalogue; a fault, what the station has."""
    from ..stations.services import facility_catalogue, visible_facilities

    if category == "missing_facility":
        return facility_catalogue()
    return [item.facility for item in visible_facilities(station)]


def _facility(code: str | None) -> Facility | None:
    if not code:
        return None
    return db.session.scalar(select(Facility).where(Facility.code == code))


def check_in(station: Station, visitor_group: str, clients: tuple[str, str]) -> tuple[Visit, bool]:
    """Count a visit once per client, station and half hour of the clock (China's midnight
    starts one, so a client's daily key never changes inside a window).

    The database decides: the visit's unique dedupe key names client, station and window, and
    the insert skips a key already stored, so concurrent check-ins from one phone count once
    on SQLite and PostgreSQL alike, without undoing the rest of the request."""
    now = datetime.now(UTC)
    window = int(now.timestamp() // CHECKIN_WINDOW.total_seconds())
    key = _key(station.id, clients[0], window)
    values = {
        "station_id": station.id,
        "visited_at": now,
        "visitor_group": VisitorGroup(visitor_group),
        "source": VisitSource.CHECKIN,
        "client_hash": clients[0],
        "dedupe_key": key,
    }
    stored = db.session.scalar(_insert_new(Visit, values, "dedupe_key").returning(Visit.id))
    if stored is None:  # counted already, by this request's twin or earlier in the window
        return db.session.scalar(select(Visit).where(Visit.dedupe_key == key)), False
    visit = db.session.get(Visit, stored)
    rollups.count_visit(visit, station)
    return visit, True


def _insert_new(model, values: dict, key: str):
    """INSERT … ON CONFLICT (key) DO NOTHING, in the session's dialect."""
    dialect = db.session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return make(model).values(**values).on_conflict_do_nothing(index_elements=[key])


def set_visit_group(station: Station, visit_id: int, visitor_group: str) -> bool:
    """Tell who made a recent check-in stored without it (as "other"); counted again."""
    visit = db.session.get(Visit, visit_id)
    recent = datetime.now(UTC) - CHECKIN_WINDOW
    if visit is None or visit.station_id != station.id or visit.source != VisitSource.CHECKIN:
        return False
    if visit.visitor_group != VisitorGroup.OTHER or visit.visited_at < recent:
        return False
    rollups.count_visit(visit, station, sign=-1)
    visit.visitor_group = VisitorGroup(visitor_group)
    rollups.count_visit(visit, station)
    return True


# --- what the public sees ---------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    average: float | None
    count: int


def rating_summary(station_id: int, days: int = 90) -> Rating:
    since = datetime.now(UTC) - timedelta(days=days)
    average, count = db.session.execute(
        select(func.avg(Feedback.rating), func.count(Feedback.rating)).where(
            Feedback.station_id == station_id,
            Feedback.rating.is_not(None),
            Feedback.status != FeedbackStatus.REJECTED,
            Feedback.created_at >= since,
        )
    ).one()
    return Rating(round(float(average), 1) if average is not None else None, count)


def public_feedback(station_id: int, limit: int = 8) -> list[Feedback]:
    """Approved comments and photos, every operator reply; never contacts or client hashes."""
    approved_photo = (
        select(FeedbackPhoto.id)
        .where(FeedbackPhoto.feedback_id == Feedback.id, FeedbackPhoto.approved)
        .exists()
    )
    query = (
        select(Feedback)
        .where(Feedback.station_id == station_id, Feedback.status != FeedbackStatus.REJECTED)
        .where(
            (Feedback.approved & (Feedback.comment != "")) | (Feedback.reply != "") | approved_photo
        )
        .order_by(Feedback.created_at.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))


@dataclass(frozen=True)
class Reported:
    facility_code: str | None
    category: str
    count: int
    latest: datetime


def open_reports(station_id: int, days: int = 14) -> list[Reported]:
    """Visitors' fault and closure reports no operator has acted on yet."""
    since = datetime.now(UTC) - timedelta(days=days)
    rows = db.session.execute(
        select(
            Facility.code, Feedback.category, func.count(Feedback.id), func.max(Feedback.created_at)
        )
        .outerjoin(Facility, Feedback.facility_id == Facility.id)
        .where(Feedback.station_id == station_id, Feedback.status == FeedbackStatus.NEW)
        .where(Feedback.category.in_([*FAULTS, FeedbackCategory.CLOSED_WHEN_OPEN]))
        .where(Feedback.created_at >= since)
        .group_by(Facility.code, Feedback.category)
    )
    return [
        Reported(code, category.value, count, aware(latest))
        for code, category, count, latest in rows
    ]


def aware(moment: datetime) -> datetime:
    """func.max() bypasses the column type, so SQLite hands back a naive UTC datetime."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
