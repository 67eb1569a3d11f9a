"""Issue 11, part 3: "me too" on an open report, "does it work now?" after a fix, the API's
`reports`, and the operator's one tap on a visitor report."""

import re
from html import unescape

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import AuditEntry, Feedback, FeedbackStatus, Station
from stationsite.users import create_user

from .test_feedback import post_feedback
from .test_operator import sign_in

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def station(make_station):
    return make_station(code="FB-001", facilities=["microwave", "drinking_water"])


def visitor(app, n: int):
    """Another phone: another address and browser."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=f"10.0.0.{n}", HTTP_USER_AGENT=f"Phone {n}")
    return client


def text(client, url):
    return unescape(client.get(url).get_data(as_text=True))


def vote(client, report_id, kind, page="/stations/FB-001/feedback"):
    token = CSRF.search(client.get(page).get_data(as_text=True)).group(1)
    return client.post(f"/stations/FB-001/reports/{report_id}/{kind}", data={"csrf_token": token})


def the_report(app) -> Feedback:
    with app.app_context():
        item = db.session.scalar(select(Feedback).order_by(Feedback.id))
        db.session.expunge(item)
        return item


def inbox_items(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Feedback))


@pytest.fixture
def reported(app, client, station):
    post_feedback(client)
    return the_report(app)


def test_a_second_visitor_says_me_too_and_no_new_inbox_item_appears(app, reported):
    second = visitor(app, 2)
    form = text(second, "/stations/FB-001/feedback?lang=en")
    assert "Microwave: reported broken" in form and "Me too" in form
    response = vote(second, reported.id, "me_too")
    assert response.status_code == 302 and response.headers["Location"] == "/stations/FB-001"
    vote(second, reported.id, "me_too")  # the same phone twice counts once
    vote(visitor(app, 3), reported.id, "me_too")
    assert inbox_items(app) == 1
    assert the_report(app).me_too == 2
    api = second.get("/api/v1/stations/FB-001").get_json()["properties"]["reports"]
    assert api == [
        {
            "category": "facility_fault",
            "facility": "microwave",
            "count": 3,
            "since": reported.created_at.isoformat(),
            "status": "reported",
        }
    ]
    follow = text(second, f"/follow/{reported.follow_token}?lang=en")
    assert "Others who had the same problem: 2" in follow


def test_votes_need_the_csrf_token_and_a_real_report(app, client, reported):
    url = f"/stations/FB-001/reports/{reported.id}/me_too"
    assert client.post(url).status_code == 400
    token = CSRF.search(client.get("/stations/FB-001/feedback").get_data(as_text=True)).group(1)
    missing = client.post("/stations/FB-001/reports/999/me_too", data={"csrf_token": token})
    assert missing.status_code == 404
    bogus = client.post(
        f"/stations/FB-001/reports/{reported.id}/hooray", data={"csrf_token": token}
    )
    assert bogus.status_code == 404


def operator_client(app):
    with app.app_context():
        create_user("op", "long-password", "operator", ["FB-001"])
        create_user("other", "long-password", "operator", [])
        db.session.commit()
    operator = app.test_client()
    sign_in(operator, "op")
    return operator


def tap(operator, verdict, facility="microwave"):
    token = CSRF.search(operator.get("/operator/stations/FB-001").get_data(as_text=True))
    return operator.post(
        f"/operator/stations/FB-001/facilities/{facility}/{verdict}",
        data={"csrf_token": token.group(1)},
    )


def facility_state(app, code="microwave"):
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "FB-001"))
        return next(f.state.value for f in station.facilities if f.facility.code == code)


def test_the_operator_confirms_then_marks_it_working_and_visitors_confirm(app, reported):
    operator = operator_client(app)
    page = text(operator, "/operator/stations/FB-001?lang=en")
    assert "Visitors report it broken" in page and "Confirm the fault" in page
    assert tap(operator, "confirm").status_code == 302
    assert facility_state(app) == "out_of_order"
    assert the_report(app).status is FeedbackStatus.ACKNOWLEDGED
    api = operator.get("/api/v1/stations/FB-001").get_json()["properties"]["reports"]
    assert api[0]["status"] == "confirmed"
    assert tap(operator, "fine").status_code == 302
    assert facility_state(app) == "working"
    assert the_report(app).status is FeedbackStatus.RESOLVED
    assert operator.get("/api/v1/stations/FB-001").get_json()["properties"]["reports"] == []

    next_visitor = visitor(app, 4)
    checked_in = text(next_visitor, "/stations/FB-001/checkin/done?lang=en")
    assert "Does the Microwave work now?" in checked_in
    vote(next_visitor, reported.id, "fixed")
    assert the_report(app).fixed_confirmed == 1
    follow = text(next_visitor, f"/follow/{reported.follow_token}?lang=en")
    assert "Fixed" in follow and "confirmed it works again: 1" in follow


def test_still_broken_reopens_the_report_for_the_operator(app, reported):
    operator = operator_client(app)
    tap(operator, "fine")
    assert vote(visitor(app, 5), reported.id, "still_broken").status_code == 302
    item = the_report(app)
    assert item.status is FeedbackStatus.NEW and item.resolved_at is None and item.me_too == 1
    assert "不加热" in text(operator, "/operator/feedback")  # back in the inbox
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert entry.user is None and entry.after["by"] == "visitor"
    assert vote(visitor(app, 5), reported.id, "fixed").status_code == 302  # open: not counted
    assert the_report(app).fixed_confirmed == 0


def test_operators_tap_only_their_own_stations_facilities(app, reported):
    operator_client(app)
    other = app.test_client()
    sign_in(other, "other")
    token = CSRF.search(other.get("/operator/").get_data(as_text=True)).group(1)
    refused = other.post(
        "/operator/stations/FB-001/facilities/microwave/confirm", data={"csrf_token": token}
    )
    assert refused.status_code == 403
    operator = app.test_client()
    sign_in(operator, "op")
    assert tap(operator, "confirm", facility="aed").status_code == 404
    assert tap(operator, "explode").status_code == 404


def test_the_station_page_partial_offers_me_too_and_the_fixed_question(app, reported):
    """The partial the station page includes inside its facility loop."""
    from stationsite.feedback.public import station_faults

    loop = (
        "{% for f in facilities %}<li>{% include 'feedback/_facility_report.html' %}</li>"
        "{% endfor %}"
    )
    with app.test_request_context("/stations/FB-001?lang=en"):
        station = db.session.scalar(select(Station).where(Station.code == "FB-001"))
        rows = [
            {"code": "microwave", "state": "working"},
            {"code": "drinking_water", "state": "working"},
        ]
        html = render_template_string(
            loop, station=station, facilities=rows, **station_faults(station)
        )
        assert "Microwave: reported broken" in html and "Me too" in html
        assert html.count("Report broken") == 1  # only the drinking water
        item = db.session.get(Feedback, reported.id)
        item.status = FeedbackStatus.RESOLVED
        item.resolved_at = item.created_at
        db.session.flush()
        html = render_template_string(
            loop, station=station, facilities=rows, **station_faults(station)
        )
        assert "Does the Microwave work now?" in html
        db.session.rollback()


def test_a_report_merely_seen_is_not_shown_as_confirmed(app, client, reported):
    with app.app_context():
        db.session.get(Feedback, reported.id).status = FeedbackStatus.ACKNOWLEDGED
        db.session.commit()
    [report] = client.get("/api/v1/stations/FB-001").get_json()["properties"]["reports"]
    assert report["status"] == "reported"  # the microwave still shows as working


def test_the_ordinary_working_button_also_answers_the_visitors(app, reported):
    operator = operator_client(app)
    tap(operator, "confirm")
    token = CSRF.search(operator.get("/operator/stations/FB-001").get_data(as_text=True))
    operator.post(
        "/operator/stations/FB-001/facilities",
        data={"csrf_token": token.group(1), "facility": "microwave", "state": "working"},
    )
    assert facility_state(app) == "working"
    assert the_report(app).status is FeedbackStatus.RESOLVED  # the next visitors are asked
