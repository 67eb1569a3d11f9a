"""POST endpoints for mini-program clients: JSON in, JSON out, same rules as the web forms."""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..clients import recent_client_hashes
from ..errors import APIError
from ..extensions import db
from ..feedback.follow import follow_url
from ..feedback.forms import CheckinForm, FeedbackForm
from ..feedback.services import check_in, reportable_facilities, submit_feedback
from ..limits import checkin_limits, feedback_limits
from ..stations.services import get_station_or_404
from . import bp


def _json_object() -> MultiDict:
    if not request.is_json:
        raise APIError(
            415,
            "unsupported_media_type",
            _("Send a JSON object with Content-Type: application/json."),
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise APIError(400, "invalid_json", _("The body must be a JSON object."))
    bad = [
        key
        for key, value in data.items()
        if value is not None and not isinstance(value, str | int | float)
    ]
    if bad:
        message = _("must be a string or a number")
        raise APIError(422, "invalid_field", message, dict.fromkeys(bad, message))
    return MultiDict({k: "" if v is None else str(v) for k, v in data.items()})


def _invalid(form) -> APIError:
    fields = {name: str(errors[0]) for name, errors in form.errors.items()}
    return APIError(422, "invalid_fields", _("Some fields are not valid."), fields)


@bp.post("/stations/<code>/feedback")
@feedback_limits
def post_feedback(code: str):
    station = get_station_or_404(code)
    form = FeedbackForm(formdata=_json_object(), meta={"csrf": False})
    form.set_facilities(reportable_facilities(station, form.category.data), "zh")
    if not form.validate():
        raise _invalid(form)
    item, created = submit_feedback(
        station, form.submission(), recent_client_hashes(), source="api"
    )
    db.session.commit()
    body = {
        "id": item.id,
        "reference": item.reference,
        "follow_url": follow_url(item),
        "status": item.status.value,
        "duplicate": not created,
    }
    return jsonify(body), 201 if created else 200


@bp.post("/stations/<code>/checkins")
@checkin_limits
def post_checkin(code: str):
    station = get_station_or_404(code)
    form = CheckinForm(formdata=_json_object(), meta={"csrf": False})
    if not form.validate():
        raise _invalid(form)
    visit, created = check_in(station, form.visitor_group.data, recent_client_hashes())
    db.session.commit()
    body = {"visit_id": visit.id, "counted": created, "visited_at": visit.visited_at.isoformat()}
    return jsonify(body), 201 if created else 200
