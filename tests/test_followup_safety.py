"""Issue 11, part 6: operator tools that cannot destroy work by accident."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Feedback, FeedbackStatus, Station
from stationsite.users import create_user

from .test_operator import sign_in

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
PAGE = "/operator/stations/SF-1"


@pytest.fixture
def operator(app, client, make_station):
    make_station(code="SF-1", facilities=["microwave", ("aed", "out_of_order", "")])
    make_station(code="SF-2", facilities=["microwave"])
    with app.app_context():
        create_user("op", "long-password", "operator", ["SF-1"])
        db.session.commit()
    sign_in(client, "op")
    return client


def post(client, url, **data):
    token = CSRF.search(client.get(PAGE).get_data(as_text=True)).group(1)
    return client.post(url, data={"csrf_token": token, **data})


def states(app, code="SF-1"):
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == code))
        return {f.facility.code: f.state.value for f in station.facilities}


def test_removing_asks_first_and_says_how_to_undo(operator):
    page = unescape(operator.get(PAGE + "?lang=en").get_data(as_text=True))
    for direct in re.findall(r'<form[^>]*class="state-buttons">(.*?)</form>', page, re.S):
        assert 'value="removed"' not in direct  # no one-tap removal beside working / broken
    confirms = re.findall(r'<details class="remove-confirm">(.*?)</details>', page, re.S)
    assert len(confirms) == 2 and all('value="removed"' in c for c in confirms)
    assert "Yes, remove Microwave" in page
    response = post(operator, f"{PAGE}/facilities", facility="microwave", state="removed")
    assert response.headers["Location"].endswith("#removed")
    page = unescape(operator.get(PAGE + "?lang=en").get_data(as_text=True))
    assert "Removed. You can restore it below." in page and "Removed facilities" in page


def test_a_removed_facility_is_restored_as_it_was(app, operator):
    post(operator, f"{PAGE}/facilities", facility="aed", state="removed")
    assert states(app)["aed"] == "removed"
    assert post(operator, f"{PAGE}/facilities/aed/restore").status_code == 302
    assert states(app)["aed"] == "out_of_order"  # as before the removal
    assert post(operator, f"{PAGE}/facilities/aed/restore").status_code == 404  # not removed
    assert post(operator, f"{PAGE}/facilities/wifi/restore").status_code == 404


def test_a_removed_facility_can_be_added_again(app, operator):
    post(operator, f"{PAGE}/facilities", facility="microwave", state="removed")
    page = operator.get(PAGE).get_data(as_text=True)
    assert '<option value="microwave">' in page
    post(operator, f"{PAGE}/facilities/add", facility="microwave")
    assert states(app)["microwave"] == "working"


def test_restoring_is_confined_to_my_stations(app, operator):
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "SF-2"))
        station.facilities[0].state = "removed"
        db.session.commit()
    refused = post(operator, "/operator/stations/SF-2/facilities/microwave/restore")
    assert refused.status_code == 403
    assert states(app, "SF-2")["microwave"] == "removed"


def test_spam_can_be_undone(app, operator):
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "SF-1"))
        item = Feedback(station=station, visitor_group="courier", category="other", comment="好")
        db.session.add(item)
        db.session.commit()
        item_id = item.id
    post(operator, f"/operator/feedback/{item_id}", action="reject")
    rejected = unescape(operator.get("/operator/feedback?status=rejected&lang=en").text)
    assert "Not spam after all" in rejected
    post(operator, f"/operator/feedback/{item_id}", action="unreject")
    with app.app_context():
        assert db.session.get(Feedback, item_id).status is FeedbackStatus.NEW
