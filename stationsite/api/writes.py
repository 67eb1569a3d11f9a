"""POST endpoints for mini-program clients: JSON in, JSON out, same rules as the web forms.

The body's shape is checked against its model (schemas.py, also the document's); the
station-specific rules (which facilities it has, a contact's form) by the web form."""

from __future__ import annotations

from flask import jsonify
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
from . import bp, schemas
from .contract import contract

WRITE_ERRORS = (400, 404, 415, 422, 429, 503)


def _formdata(body: schemas.Body) -> MultiDict:
    return MultiDict({k: str(v) for k, v in body.model_dump(exclude_none=True).items()})


def _invalid(form) -> APIError:
    fields = {name: str(errors[0]) for name, errors in form.errors.items()}
    return APIError(422, "invalid_fields", _("Some fields are not valid."), fields)


@bp.post("/stations/<code>/feedback")
@feedback_limits
@contract(
    body=schemas.FeedbackBody,
    answers={201: schemas.FeedbackReceipt, 200: schemas.FeedbackReceipt},
    errors=WRITE_ERRORS,
)
def post_feedback(code: str, body: schemas.FeedbackBody):
    """Send feedback or a fault report (rate-limited per client and station)

    201: stored; the reporter keeps follow_url (a private status page) and quotes reference.
    200: the same from this client within the window, stored once (duplicate: true)."""
    station = get_station_or_404(code)
    form = FeedbackForm(formdata=_formdata(body), meta={"csrf": False})
    form.set_facilities(reportable_facilities(station, form.category.data), "zh")
    if not form.validate():
        raise _invalid(form)
    item, created = submit_feedback(
        station, form.submission(), recent_client_hashes(), source="api"
    )
    db.session.commit()
    answer = {
        "id": item.id,
        "reference": item.reference,
        "follow_url": follow_url(item),
        "status": item.status.value,
        "duplicate": not created,
    }
    return jsonify(answer), 201 if created else 200


@bp.post("/stations/<code>/checkins")
@checkin_limits
@contract(
    body=schemas.CheckinBody,
    answers={201: schemas.CheckinReceipt, 200: schemas.CheckinReceipt},
    errors=WRITE_ERRORS,
)
def post_checkin(code: str, body: schemas.CheckinBody):
    """Check in at a station (counted once per client, station and half hour)

    201: counted. 200: already counted in this half hour (counted: false)."""
    station = get_station_or_404(code)
    form = CheckinForm(formdata=_formdata(body), meta={"csrf": False})
    if not form.validate():
        raise _invalid(form)
    visit, created = check_in(station, form.visitor_group.data, recent_client_hashes())
    db.session.commit()
    answer = {"visit_id": visit.id, "counted": created, "visited_at": visit.visited_at.isoformat()}
    return jsonify(answer), 201 if created else 200
