"""The feedback inbox: what visitors said about my stations, and what was done about it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Facility, Feedback, FeedbackCategory, FeedbackStatus, Role, Station, User
from .services import ChangeError, audit, set_station_facilities

ACTIONS = ("acknowledge", "reply", "resolve", "reject", "unreject", "approve")
PAGE = 50
TODO = "todo"  # the inbox's default view: what needs a person, oldest first
RATING_ONLY = (FeedbackCategory.PRAISE, FeedbackCategory.SUGGESTION)
# Seen is not done for these: they stay in "needs action" until resolved.
PROBLEMS = (
    FeedbackCategory.FACILITY_FAULT,
    FeedbackCategory.MISSING_FACILITY,
    FeedbackCategory.CLOSED_WHEN_OPEN,
    FeedbackCategory.CLEANLINESS,
    FeedbackCategory.HOURS_WRONG,
)


def is_message():
    """Anything but a bare star rating, which only counts towards the station's score."""
    return or_(Feedback.comment != "", Feedback.category.not_in(RATING_ONLY))


def needs_action():
    """New messages, and problems seen but not yet resolved."""
    new = Feedback.status == FeedbackStatus.NEW
    seen_problem = and_(
        Feedback.status == FeedbackStatus.ACKNOWLEDGED, Feedback.category.in_(PROBLEMS)
    )
    return and_(is_message(), or_(new, seen_problem))


def inbox(user: User, *, status: str | None, station: str | None, category: str | None):
    todo = status in (None, TODO)
    oldest_first = Feedback.created_at.asc() if todo else Feedback.created_at.desc()
    query = (
        select(Feedback)
        .join(Station)
        .where(is_message())
        .options(selectinload(Feedback.facility), selectinload(Feedback.photos))
        .order_by(oldest_first)
        .limit(PAGE)
    )
    if user.role != Role.ADMIN:
        query = query.where(Station.id.in_([s.id for s in user.stations]))
    if todo:
        query = query.where(needs_action())
    elif status != "all":
        query = query.where(Feedback.status == FeedbackStatus(status))
    if station:
        query = query.where(Station.code == station)
    if category:
        query = query.where(Feedback.category == FeedbackCategory(category))
    return list(db.session.scalars(query))


def feedback_for_edit_or_404(feedback_id: int) -> Feedback:
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        abort(404)
    if not item.station.can_edit(current_user):
        abort(403)
    return item


def _snapshot(item: Feedback) -> dict:
    snapshot = {"status": item.status.value, "reply": item.reply, "approved": item.approved}
    if item.photos:
        snapshot["photos_approved"] = sum(photo.approved for photo in item.photos)
    return snapshot


def act(item: Feedback, action: str, reply: str, *, by: User) -> None:
    """Acknowledge, reply (shown publicly), resolve, reject as spam, or approve (admins)."""
    if action not in ACTIONS:
        raise ChangeError(f"unknown action: {action}")
    if action == "approve" and by.role != Role.ADMIN:
        raise ChangeError("only union staff approve comments")
    before, now = _snapshot(item), datetime.now(UTC)
    if action == "reply":
        if not reply.strip():
            raise ChangeError("the reply is empty")
        item.reply, item.replied_at = reply.strip(), now
    if action in ("acknowledge", "reply") and item.status == FeedbackStatus.NEW:
        item.status = FeedbackStatus.ACKNOWLEDGED
    if action == "resolve":
        item.status, item.resolved_at = FeedbackStatus.RESOLVED, now
        if item.category == FeedbackCategory.FACILITY_FAULT and item.facility is not None:
            set_station_facilities(item.station, {item.facility.code: {"state": "working"}}, by=by)
    if action == "reject":
        item.status, item.approved = FeedbackStatus.REJECTED, False
    if action == "unreject" and item.status == FeedbackStatus.REJECTED:  # undo "spam"
        item.status = FeedbackStatus.NEW
    if action == "approve":  # the comment and the photos, once union staff have looked
        item.approved = True
        for photo in item.photos:
            photo.approved = True
    audit(item.station, by, f"feedback:{item.id}", before, _snapshot(item))


def _open_faults(station: Station, facility_code: str) -> list[Feedback]:
    return list(
        db.session.scalars(
            select(Feedback)
            .join(Facility, Feedback.facility_id == Facility.id)
            .where(Feedback.station_id == station.id, Facility.code == facility_code)
            .where(Feedback.category == FeedbackCategory.FACILITY_FAULT)
            .where(Feedback.status.in_((FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED)))
        )
    )


def confirm_fault(station: Station, facility_code: str, *, by: User) -> None:
    """ "确认故障": the visitors are right; the facility shows as out of order until fixed."""
    for item in _open_faults(station, facility_code):
        act(item, "acknowledge", "", by=by)
    set_station_facilities(station, {facility_code: {"state": "out_of_order"}}, by=by)


def mark_fine(station: Station, facility_code: str, *, by: User) -> None:
    """ "已正常": fixed or working after all; visitors are asked to confirm."""
    for item in _open_faults(station, facility_code):
        act(item, "resolve", "", by=by)
    set_station_facilities(station, {facility_code: {"state": "working"}}, by=by)


def set_facility_state(station: Station, facility_code: str, state: str, *, by: User) -> None:
    """The operator's state buttons; "working" also answers visitors' open reports on it."""
    if state == "working":
        mark_fine(station, facility_code, by=by)
    else:
        set_station_facilities(station, {facility_code: {"state": state}}, by=by)
