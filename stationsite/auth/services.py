"""Signing in: one answer for every failure, a pause for one client after repeated ones, and
sessions that end everywhere when they should.

Failures are counted per account name *and* client address, so nobody can lock a known
colleague out from somewhere else; an unknown name costs the same password check as a real
one, so the answer's timing does not tell which names exist.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy import case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.security import check_password_hash, generate_password_hash

from ..clients import address_key
from ..extensions import db
from ..models import SignInFailure, User, UserSession

MAX_FAILURES = 5  # for one account name from one client address
MAX_CLIENT_FAILURES = 20  # for any names from one client address (guessing many accounts)
LOCKOUT = timedelta(minutes=15)


@cache
def _decoy_hash() -> str:
    """A hash made like real ones, checked when the name is unknown (equal work)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def _client() -> str:
    return address_key("sign-in")


def _held_back(username: str, now: datetime) -> bool:
    """Whether this client has failed too often lately, for this name or for any.

    Kept in the database, not the rate-limit store, so sign-in works while Redis is down."""
    failures = func.sum(SignInFailure.failures)
    this_name, any_name = db.session.execute(
        select(
            func.coalesce(failures.filter(SignInFailure.username == username), 0),
            func.coalesce(failures, 0),
        ).where(SignInFailure.client == _client(), SignInFailure.last_at > now - LOCKOUT)
    ).one()
    return this_name >= MAX_FAILURES or any_name >= MAX_CLIENT_FAILURES


def _count_failure(username: str, now: datetime) -> None:
    """Add one failure atomically (an upsert); a window that has lapsed starts again at one."""
    dialect = db.session.get_bind().dialect.name
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = make(SignInFailure).values(
        username=username, client=_client(), failures=1, last_at=now
    )
    lapsed = SignInFailure.last_at <= now - LOCKOUT
    statement = statement.on_conflict_do_update(
        index_elements=["username", "client"],
        set_={
            "failures": case((lapsed, 1), else_=SignInFailure.failures + 1),
            "last_at": now,
        },
    )
    db.session.execute(statement)


def authenticate(username: str, password: str) -> User | None:
    """The user, or None for an unknown name, a wrong password, a disabled account or a
    client held back after repeated failures alike."""
    username = username.strip()[:64]
    now = datetime.now(UTC)
    user = db.session.scalar(select(User).where(User.username == username))
    held_back = _held_back(username, now)
    known = user is not None and user.active
    matches = check_password_hash(user.password_hash if known else _decoy_hash(), password)
    if held_back or not known or not matches:
        _count_failure(username, now)
        return None
    db.session.execute(
        delete(SignInFailure).where(
            SignInFailure.username == username, SignInFailure.client == _client()
        )
    )
    return user


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(user: User) -> str:
    """A new signed-in browser for `user`: the secret its session cookie keeps."""
    secret = secrets.token_urlsafe(32)
    db.session.add(UserSession(id=_digest(secret), user_id=user.id))
    return secret


def session_is_live(user: User, secret: str | None) -> bool:
    if not secret or len(secret) > 64:
        return False
    found = db.session.get(UserSession, _digest(secret))
    return found is not None and found.user_id == user.id


def end_session(secret: str | None) -> None:
    if secret and len(secret) <= 64:
        db.session.execute(delete(UserSession).where(UserSession.id == _digest(secret)))


def end_all_sessions(user: User) -> None:
    """Sign `user` out on every device (password changed or reset, account disabled)."""
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))


def change_password(user: User, current: str, new: str) -> bool:
    if not user.check_password(current):
        return False
    user.set_password(new)
    end_all_sessions(user)
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
