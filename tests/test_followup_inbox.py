"""Issue 11, part 4: the inbox and the dashboard hold what needs a person, oldest first."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import Feedback, Station
from stationsite.users import create_user

from .test_operator import sign_in

NOW = datetime.now(UTC)


@pytest.fixture
def operator(app, client, make_station):
    make_station(code="IN-1", facilities=["microwave"])
    with app.app_context():
        create_user("op", "long-password", "operator", ["IN-1"])
        db.session.commit()
    sign_in(client, "op")
    return client


def add(app, hours_ago: float, **fields) -> int:
    values = {"visitor_group": "courier", "category": "praise"} | fields
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "IN-1"))
        item = Feedback(station=station, created_at=NOW - timedelta(hours=hours_ago), **values)
        db.session.add(item)
        db.session.commit()
        return item.id


def page(client, url):
    return unescape(client.get(url).get_data(as_text=True))


def test_bare_ratings_only_count_towards_the_rating(app, operator):
    add(app, 1, rating=5)
    add(app, 2, rating=2, category="suggestion")
    inbox = page(operator, "/operator/feedback?lang=en")
    assert "Nothing needs action now." in inbox
    assert "inbox-item" not in page(operator, "/operator/feedback?status=all")
    dashboard = page(operator, "/operator/?lang=en")
    assert "All fine" in dashboard and "need action" not in dashboard
    public = page(operator, "/stations/IN-1")
    assert "2 个评分" in public or "3.5" in public  # still in the station's score


def test_the_inbox_lists_what_needs_action_oldest_first_with_its_age(app, operator):
    add(app, 3, category="facility_fault", comment="微波炉不热")
    add(app, 50, category="cleanliness", comment="地上有水", status="acknowledged")
    add(app, 5, category="praise", comment="很好", status="acknowledged")  # seen: done
    add(app, 1, category="other", comment="已经解决了", status="resolved")
    inbox = page(operator, "/operator/feedback?lang=en")
    assert inbox.index("地上有水") < inbox.index("微波炉不热")
    assert "很好" not in inbox and "已经解决了" not in inbox
    assert "sent 2 days ago" in inbox and "sent 3 hours ago" in inbox
    everything = page(operator, "/operator/feedback?status=all")
    assert everything.index("已经解决了") < everything.index("地上有水")  # newest first


def test_the_dashboard_never_says_all_fine_while_a_complaint_is_open(app, operator):
    add(app, 26, category="closed_when_open", comment="门锁着", status="acknowledged")
    dashboard = page(operator, "/operator/?lang=en")
    assert "All fine" not in dashboard
    assert "1 messages need action; the oldest was sent 1 day ago." in dashboard
    assert "1 to deal with, the oldest sent 1 day ago" in dashboard
