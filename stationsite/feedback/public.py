"""What visitors have said about a station, as its public page shows it."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import request
from flask_babel import format_timedelta
from flask_babel import gettext as _

from ..models import Station
from . import bp, faults
from .forms import QuickRatingForm
from .services import open_reports, public_feedback, rating_summary


def station_faults(station: Station) -> dict:
    """Open visitor fault reports ("me too") and recent fixes ("does it work now?")."""
    faulty = faults.open_faults(station.id)
    fixed = {code: f for code, f in faults.recently_fixed(station.id).items() if code not in faulty}
    return {"faults": faulty, "fixed_faults": fixed}


def public_voice(station: Station) -> dict:
    reports = open_reports(station.id)
    rating_form = QuickRatingForm(formdata=None)
    rating_form.visitor_group.data = request.cookies.get("visitor_group")
    return {
        "rating": rating_summary(station.id),
        "reports": reports,
        "reported_faults": {r.facility_code: r for r in reports if r.facility_code},
        "closed_reports": [r for r in reports if r.category == "closed_when_open"],
        "comments": public_feedback(station.id),
        "form": rating_form,
        **station_faults(station),
    }


@bp.app_template_filter("ago")
def ago(moment: datetime | None) -> str:
    """How long ago, in the reader's language: "2 小时前", "3 days ago"."""
    if moment is None:
        return ""
    delta = moment - datetime.now(UTC)
    if abs(delta.total_seconds()) < 60:
        return _("just now")
    return format_timedelta(delta, add_direction=True)
