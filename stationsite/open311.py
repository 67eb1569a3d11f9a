"""Open311 GeoReport v2, so existing civic tools can file and read fault reports.

Service codes are the feedback categories; `address_id` is the station code. Descriptions are
public only once approved; contacts never leave the system.
"""

from __future__ import annotations

import math
from contextlib import suppress
from datetime import UTC, datetime

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from . import labels
from .clients import recent_client_hashes
from .extensions import db
from .feedback.follow import follow_url
from .feedback.forms import FeedbackForm
from .feedback.photos import public_url as photo_url
from .feedback.services import reportable_facilities, submit_feedback
from .inputs import MAX_ID
from .limits import limiter, per_client
from .locator import index as idx
from .locator.queries import nearby
from .models import Feedback, FeedbackStatus, Station

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
OPEN = (FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED)
MATCH_RADIUS_M = 200  # a lat/long report is filed against the station this close


def _error(status: int, description: str):
    return jsonify([{"code": status, "description": description}]), status


@bp.get("/services.json")
def services():
    return jsonify(
        [
            {
                "service_code": code,
                "service_name": f"{labels.FEEDBACK_CATEGORY[code]}",
                "description": str(labels.FEEDBACK_CATEGORY[code]),
                "metadata": False,
                "type": "realtime",
                "keywords": "station,驿站",
                "group": "stations",
            }
            for code in labels.FEEDBACK_CATEGORY
        ]
    )


def _as_request(item: Feedback) -> dict:
    station = item.station
    return {
        "service_request_id": str(item.id),
        "status": "open" if item.status in OPEN else "closed",
        "status_notes": item.reply or None,
        "service_name": str(labels.FEEDBACK_CATEGORY[item.category.value]),
        "service_code": item.category.value,
        "description": item.comment if item.approved else None,
        "agency_responsible": station.operator_org or None,
        "service_notice": None,
        "requested_datetime": item.created_at.isoformat(),
        "updated_datetime": item.updated_at.isoformat(),
        "expected_datetime": None,
        "address": station.address,
        "address_id": station.code,
        "zipcode": None,
        "lat": station.lat,
        "long": station.lon,
        "media_url": next(filter(None, map(photo_url, item.photos)), None),
    }


def _ids(raw: str) -> list[int]:
    """The ids a request could have: ASCII digits within the database's 32-bit keys."""
    digits = (part.strip() for part in raw.split(","))
    return [int(d) for d in digits if d.isascii() and d.isdigit() and int(d) <= MAX_ID]


@bp.get("/requests.json")
def requests_list():
    query = select(Feedback).where(Feedback.status != FeedbackStatus.REJECTED)
    args = request.args
    if args.get("service_request_id"):
        query = query.where(Feedback.id.in_(_ids(args["service_request_id"])))
    if args.get("service_code"):
        # only the codes services.json lists: no other value is a category the database has
        codes = [c for c in args["service_code"].split(",") if c in labels.FEEDBACK_CATEGORY]
        query = query.where(Feedback.category.in_(codes))
    if args.get("status") in ("open", "closed"):
        wanted = OPEN if args["status"] == "open" else (FeedbackStatus.RESOLVED,)
        query = query.where(Feedback.status.in_(wanted))
    for name, compare in (
        ("start_date", Feedback.created_at.__ge__),
        ("end_date", Feedback.created_at.__le__),
    ):
        if args.get(name):
            try:
                moment = datetime.fromisoformat(args[name].replace("Z", "+00:00"))
            except ValueError:
                return _error(400, f"{name} must be a W3C date-time")
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            # 0001-01-01 east of UTC or 9999-12-31 west of it lies beyond time: it bounds nothing
            with suppress(OverflowError):
                query = query.where(compare(moment.astimezone(UTC)))
    query = query.options(selectinload(Feedback.station), selectinload(Feedback.photos))
    items = db.session.scalars(query.order_by(Feedback.created_at.desc()).limit(1000))
    return jsonify([_as_request(item) for item in items])


@bp.get("/requests/<int:request_id>.json")
def request_one(request_id: int):
    item = db.session.get(Feedback, request_id)
    if item is None or item.status == FeedbackStatus.REJECTED:
        return _error(404, "no such service request")
    return jsonify([_as_request(item)])


def _station(form: MultiDict) -> Station | None:
    if form.get("address_id"):
        return db.session.scalar(select(Station).where(Station.code == form["address_id"]))
    try:
        lat, lon = float(form["lat"]), float(form["long"])
    except (KeyError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None  # nan, inf or off the globe: no station is near it
    found = nearby(
        lat, lon, datetime.now(UTC), limit=1, radius_m=MATCH_RADIUS_M, filters=idx.Filters()
    )
    return found[0][0] if found else None


@bp.post("/requests.json")
@limiter.limit(lambda: current_app.config["FEEDBACK_LIMITS"], key_func=per_client)
def request_create():
    form = request.form
    if form.get("service_code") not in labels.FEEDBACK_CATEGORY:
        return _error(400, "service_code is missing or unknown; see services.json")
    station = _station(form)
    if station is None:
        return _error(
            400,
            f"address_id must be a station code, or lat/long within "
            f"{MATCH_RADIUS_M} m of a station",
        )
    data = MultiDict(
        {
            "visitor_group": form.get("attribute[visitor_group]", "citizen"),
            "category": form["service_code"],
            "facility": form.get("attribute[facility]", ""),
            "rating": form.get("attribute[rating]", ""),
            "comment": form.get("description", ""),
            "contact": form.get("phone") or "",
        }
    )
    checked = FeedbackForm(formdata=data, meta={"csrf": False})
    checked.set_facilities(reportable_facilities(station, checked.category.data), "zh")
    if not checked.validate():
        field, errors = next(iter(checked.errors.items()))
        return _error(400, f"{field}: {errors[0]}")
    item, _created = submit_feedback(
        station, checked.submission(), recent_client_hashes(), source="open311"
    )
    db.session.commit()
    notice = _("Thank you. The station operator will look at this report.")
    created = {
        "service_request_id": str(item.id),
        "token": item.reference,
        "service_notice": notice,
        "account_id": None,
        "follow_url": follow_url(item),  # extension: the reporter's private status page
    }
    return jsonify([created]), 201


@bp.get("/tokens/<token>.json")
def token_lookup(token: str):
    """GeoReport v2: the service request id behind the token a POST returned."""
    item = db.session.scalar(select(Feedback).where(Feedback.reference == token.upper()))
    if item is None or item.status == FeedbackStatus.REJECTED:
        return _error(404, "no such token")
    return jsonify([{"service_request_id": str(item.id), "token": item.reference}])
