"""Issue 11, part 1: every report gets a reference and a private link to follow it."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Feedback, FeedbackStatus
from stationsite.users import create_user

from .test_feedback import post_feedback
from .test_operator import sign_in

REFERENCE = re.compile(r"FK-[2-9A-HJKMNP-Z]{4}")


@pytest.fixture
def station(make_station):
    return make_station(code="FB-001", facilities=["microwave", "drinking_water"])


def page(client, url):
    return unescape(client.get(url).get_data(as_text=True))


def stored(app) -> Feedback:
    with app.app_context():
        item = db.session.scalar(select(Feedback).order_by(Feedback.id.desc()))
        db.session.expunge(item)
        return item


def test_the_thanks_page_gives_the_reference_and_the_private_link(client, app, station):
    response = post_feedback(client)
    thanks = page(client, response.headers["Location"] + "&lang=en")
    item = stored(app)
    assert REFERENCE.fullmatch(item.reference)
    assert len(item.follow_token) >= 32
    assert f"Your reference: {item.reference}" in thanks
    assert f"http://localhost/follow/{item.follow_token}" in thanks
    assert "WeChat" in thanks  # where to keep it


def test_the_follow_page_shows_status_reply_and_when_it_was_fixed(client, app, station):
    post_feedback(client, contact="13800138000")
    item = stored(app)
    url = f"/follow/{item.follow_token}?lang=en"
    response = client.get(url)
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    first = page(client, url)
    assert item.reference in first and "Received, waiting" in first and "Microwave" in first
    assert "13800138000" not in first  # the contact stays with the operator
    with app.app_context():
        create_user("op", "long-password", "operator", ["FB-001"])
        db.session.commit()
    operator = app.test_client()
    sign_in(operator, "op")
    inbox = page(operator, "/operator/feedback")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', inbox).group(1)
    target = f"/operator/feedback/{item.id}"
    operator.post(target, data={"csrf_token": csrf, "action": "reply", "reply": "明天上午修"})
    operator.post(target, data={"csrf_token": csrf, "action": "resolve"})
    later = page(client, url)
    assert "明天上午修" in later and "Fixed ·" in later


def test_a_token_that_does_not_exist_is_not_found(client, station):
    assert client.get("/follow/not-a-real-token").status_code == 404
    assert client.get("/follow/" + "x" * 60).status_code == 404


def test_references_are_unique_even_when_four_characters_collide(app, station, monkeypatch):
    from stationsite.feedback import follow

    picks = iter(["FK-AAAA", "FK-AAAA", "FK-BBBB"])
    monkeypatch.setattr(follow, "_candidate", lambda length: next(picks))
    with app.app_context():
        db.session.add(
            Feedback(station_id=1, visitor_group="citizen", category="praise", reference="FK-AAAA")
        )
        db.session.flush()
        assert follow.new_reference() == "FK-BBBB"
        db.session.rollback()


def test_reports_stored_in_one_flush_never_share_a_reference(app, station, monkeypatch):
    """Demo data and imports add many reports before one flush: the database cannot see the
    pending ones, so the flush itself keeps them apart."""
    from stationsite.feedback import follow

    picks = iter(["FK-CCCC", "FK-CCCC", "FK-DDDD"])
    monkeypatch.setattr(follow, "_candidate", lambda length: next(picks))
    with app.app_context():
        for _ in range(2):
            db.session.add(Feedback(station_id=1, visitor_group="citizen", category="praise"))
        db.session.commit()
        references = sorted(db.session.scalars(select(Feedback.reference)))
        assert references == ["FK-CCCC", "FK-DDDD"]


def test_the_api_returns_reference_and_follow_url(client, app, station):
    body = client.post(
        "/api/v1/stations/FB-001/feedback",
        json={"visitor_group": "courier", "category": "facility_fault", "facility": "microwave"},
    ).get_json()
    assert REFERENCE.fullmatch(body["reference"])
    assert body["follow_url"].startswith("http://localhost/follow/")
    assert client.get(body["follow_url"].removeprefix("http://localhost")).status_code == 200


def test_follow_urls_use_public_url_when_configured(client, app, station):
    app.config["PUBLIC_URL"] = "https://yizhan.example.cn/"
    body = client.post(
        "/api/v1/stations/FB-001/feedback",
        json={"visitor_group": "courier", "category": "praise", "comment": "很好"},
    ).get_json()
    assert body["follow_url"].startswith("https://yizhan.example.cn/follow/")


def test_open311_gives_a_token_and_the_status_by_id(client, app, station):
    response = client.post(
        "/open311/v2/requests.json",
        data={
            "service_code": "facility_fault",
            "address_id": "FB-001",
            "attribute[facility]": "microwave",
        },
    )
    assert response.status_code == 201
    [created] = response.get_json()
    assert REFERENCE.fullmatch(created["token"])
    assert created["follow_url"].startswith("http://localhost/follow/")
    [looked_up] = client.get(f"/open311/v2/tokens/{created['token']}.json").get_json()
    assert looked_up["service_request_id"] == created["service_request_id"]
    request_id = created["service_request_id"]
    [found] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert found["status"] == "open"
    with app.app_context():
        db.session.get(Feedback, int(request_id)).status = FeedbackStatus.RESOLVED
        db.session.commit()
    [found] = client.get(f"/open311/v2/requests/{request_id}.json").get_json()
    assert found["status"] == "closed"
    assert client.get("/open311/v2/tokens/FK-NOPE.json").status_code == 404
