"""Accounts: plain functions shared by the CLI and (later) the admin pages."""

from __future__ import annotations

from sqlalchemy import select

from .extensions import db
from .models import Role, Station, User


class UserError(ValueError):
    pass


def create_user(
    username: str, password: str, role: str, station_codes: list[str] | tuple[str, ...] = ()
) -> User:
    username = username.strip()
    if not username:
        raise UserError("username must not be empty")
    if db.session.scalar(select(User).where(User.username == username)):
        raise UserError(f"user {username!r} already exists")
    if len(password) < 8:
        raise UserError("password must be at least 8 characters")
    stations = list(db.session.scalars(select(Station).where(Station.code.in_(station_codes))))
    missing = sorted(set(station_codes) - {s.code for s in stations})
    if missing:
        raise UserError(f"unknown station code: {', '.join(missing)}")
    user = User(username=username, role=Role(role), stations=stations)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def update_user(
    user: User,
    *,
    display_name: str,
    role: str,
    station_codes: list[str],
    active: bool,
    password: str | None = None,
) -> User:
    stations = list(db.session.scalars(select(Station).where(Station.code.in_(station_codes))))
    missing = sorted(set(station_codes) - {s.code for s in stations})
    if missing:
        raise UserError(f"unknown station code: {', '.join(missing)}")
    if password is not None and len(password) < 8:
        raise UserError("password must be at least 8 characters")
    user.display_name, user.role, user.stations, user.active = (
        display_name.strip(),
        Role(role),
        stations,
        active,
    )
    if password:
        user.set_password(password)
    if password or not active:
        from .auth.services import end_all_sessions

        end_all_sessions(user)  # a reset password or a disabled account signs out everywhere
    db.session.flush()
    return user
