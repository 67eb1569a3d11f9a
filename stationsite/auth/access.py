"""Who may do what: loaded-or-404, then checked-or-403, in one place."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..models import Role, Station
from ..stations.services import get_station_or_404


def editable_station_or_404(code: str) -> Station:
    station = get_station_or_404(code)
    if not station.can_edit(current_user):
        abort(403)
    return station


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.role != Role.ADMIN:
            abort(403)
        return view(*args, **kwargs)

    return wrapped
