"""Issue 11, part 8: the first QR check-in is one tap; who you are is asked after, once."""

import re
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Visit, VisitRollup

from .test_feedback import token


@pytest.fixture
def station(make_station):
    return make_station(code="QR-1", facilities=["microwave"])


def english(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "lang=en"


def groups(app) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(VisitRollup.visitor_group, VisitRollup.visits).where(VisitRollup.visits > 0)
        )
        return {group.value: visits for group, visits in rows}


def test_a_first_visitor_checks_in_with_one_tap_then_is_asked_once(app, client, station):
    url = "/stations/QR-1/checkin"
    response = client.post(url, data={"csrf_token": token(client, url)})  # just "I'm here"
    assert response.status_code == 302
    done = unescape(client.get(english(response.headers["Location"])).get_data(as_text=True))
    assert "One question, only this once" in done
    assert groups(app) == {"other": 1}
    answer = client.post(
        "/stations/QR-1/checkin/group",
        data={
            "csrf_token": token(client, "/stations/QR-1/checkin/done"),
            "visitor_group": "sanitation",
        },
    )
    assert answer.status_code == 302 and "visitor_group=sanitation" in answer.headers["Set-Cookie"]
    with app.app_context():
        assert db.session.scalar(select(Visit.visitor_group)).value == "sanitation"
    assert groups(app) == {"sanitation": 1}  # the rollup moved with it
    again = unescape(client.get("/stations/QR-1/checkin/done?lang=en").get_data(as_text=True))
    assert "One question" not in again  # asked once
    page = client.get(url).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="sanitation"', page)  # remembered from now on


def test_a_known_visitor_is_not_asked(app, client, station):
    client.set_cookie("visitor_group", "courier")
    url = "/stations/QR-1/checkin"
    response = client.post(url, data={"csrf_token": token(client, url), "visitor_group": "courier"})
    done = client.get(english(response.headers["Location"])).get_data(as_text=True)
    assert "One question" not in done
    assert groups(app) == {"courier": 1}


def test_the_group_answer_only_changes_my_own_recent_check_in(app, client, station):
    answer = client.post(
        "/stations/QR-1/checkin/group",
        data={
            "csrf_token": token(client, "/stations/QR-1/checkin/done"),
            "visitor_group": "courier",
        },
    )
    assert answer.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(Visit)) is None
    bad = client.post(
        "/stations/QR-1/checkin/group",
        data={"csrf_token": token(client, "/stations/QR-1/checkin/done"), "visitor_group": "alien"},
    )
    assert bad.status_code == 400
