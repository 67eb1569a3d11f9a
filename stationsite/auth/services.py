"""Signing in: one answer for every failure, and a pause after repeated ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from ..extensions import db
from ..models import User

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def authenticate(username: str, password: str) -> User | None:
    """The user, or None for an unknown name, a wrong password or a locked account alike."""
    user = db.session.scalar(select(User).where(User.username == username.strip()))
    now = datetime.now(UTC)
    if user is None or not user.active:
        return None
    if user.locked_until and user.locked_until > now:
        return None
    if not user.check_password(password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until, user.failed_logins = now + LOCKOUT, 0
        return None
    user.failed_logins, user.locked_until = 0, None
    return user


def change_password(user: User, current: str, new: str) -> bool:
    if not user.check_password(current):
        return False
    user.set_password(new)
    return True


def safe_next(target: str | None) -> str | None:
    """`next` only when it stays on this site: a path, not another host or scheme."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    return target
