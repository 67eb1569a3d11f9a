"""What a visitor keeps after a report: a short reference and a private link to follow it."""

from __future__ import annotations

import secrets

from flask import current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Feedback, FeedbackCategory, FeedbackStatus

# No 0/O, 1/I/L: a reference is read aloud on the phone and typed from a screenshot.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PREFIX = "FK-"
VISITOR_STATUS = {
    "new": _l("Received, waiting for the station"),
    "acknowledged": _l("The station has seen it and is dealing with it"),
    "rejected": _l("Closed without action"),
}


def _candidate(length: int) -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_reference(avoid: set[str] | frozenset[str] = frozenset()) -> str:
    """FK- and four characters (~920,000 of them); longer once four keep colliding. `avoid`:
    references given to reports not stored yet (one flush can hold many)."""
    for attempt in range(8):
        reference = _candidate(4 if attempt < 4 else 6)
        if reference in avoid:
            continue
        with db.session.no_autoflush:
            taken = db.session.scalar(select(Feedback.id).where(Feedback.reference == reference))
        if taken is None:
            return reference
    return _candidate(8)


def give_follow_link(item: Feedback, avoid: set[str] | frozenset[str] = frozenset()) -> None:
    item.reference = new_reference(avoid)
    item.follow_token = secrets.token_urlsafe(24)  # 192 bits: unguessable


def by_token(token: str) -> Feedback | None:
    if not token or len(token) > 48:
        return None
    return db.session.scalar(select(Feedback).where(Feedback.follow_token == token))


def public_url(endpoint: str, **values) -> str:
    """An absolute URL on PUBLIC_URL when configured (SPEC §4), else on this request's host;
    outside a request (alerts sent in the background), on PUBLIC_URL or localhost."""
    base = current_app.config.get("PUBLIC_URL")
    if has_request_context():
        if base:
            return base.rstrip("/") + url_for(endpoint, **values)
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=base or "http://localhost/"):
        return url_for(endpoint, _external=True, **values)


def follow_url(item: Feedback) -> str:
    return public_url("feedback.follow_report", token=item.follow_token)


def visitor_status(item: Feedback) -> str:
    """The report's state in the reporter's words."""
    if item.status == FeedbackStatus.RESOLVED:
        fault = item.category == FeedbackCategory.FACILITY_FAULT
        return str(_l("Fixed") if fault else _l("Dealt with"))
    return str(VISITOR_STATUS[item.status.value])


@event.listens_for(Session, "before_flush")
def _every_report_can_be_followed(session: Session, _context, _instances) -> None:
    """Feedback stored by other paths (demo data, imports, tests) gets its reference too."""
    pending = [o for o in session.new if isinstance(o, Feedback)]
    given = {o.reference for o in pending if o.reference}
    with session.no_autoflush:
        for item in pending:
            if item.reference is None:
                give_follow_link(item, given)  # never twice in one flush
                given.add(item.reference)
