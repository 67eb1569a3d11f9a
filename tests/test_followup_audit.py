"""Issue 11, part 7: the audit trail in words, in the reader's language and China time."""

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import AuditEntry, Feedback, Station, User
from stationsite.users import create_user

from .test_operator import sign_in


@pytest.fixture
def trail(app, client, make_station):
    make_station(code="AU-1", facilities=["microwave"])
    with app.app_context():
        create_user("wang", "long-password", "operator", ["AU-1"])
        user = db.session.scalar(select(User).where(User.username == "wang"))
        user.display_name = "王师傅"
        station = db.session.scalar(select(Station).where(Station.code == "AU-1"))
        item = Feedback(station=station, visitor_group="courier", category="other", comment="x")
        db.session.add(item)
        db.session.flush()
        at = datetime(2026, 12, 2, 11, 23, tzinfo=UTC)
        entries = [
            ("facility:microwave", {"state": "working"}, {"state": "out_of_order"}, user),
            (
                "closure",
                {"status": "open", "until": None},
                {"status": "temporarily_closed", "until": "2026-12-02T11:23:00+00:00"},
                user,
            ),
            (
                f"feedback:{item.id}",
                {"status": "resolved"},
                {"status": "new", "by": "visitor"},
                None,
            ),
            ("tally:2026-12-01", {}, {"courier": 4}, user),
        ]
        for action, before, after, who in entries:
            db.session.add(
                AuditEntry(
                    station=station,
                    user=who,
                    action=action,
                    before=before,
                    after=after,
                    created_at=at,
                )
            )
        db.session.commit()
        reference = item.reference
    sign_in(client, "wang")
    return reference


def trail_text(client, lang="zh") -> str:
    page = unescape(client.get(f"/operator/stations/AU-1?lang={lang}").get_data(as_text=True))
    audit = page[page.index('<ol class="audit">') :]
    return re.sub(r"</?(del|ins)>", "", audit)


def test_entries_read_as_who_did_what_with_before_and_after(client, trail):
    audit = trail_text(client)
    assert "王师傅" in audit and "正常 → 故障" in audit
    assert "feedback:" not in audit and "facility:microwave" not in audit
    assert '{"' not in audit and "+00:00" not in audit
    assert "2026/12/2 19:23" in audit  # 11:23 UTC is 19:23 in China


def test_the_trail_in_english(client, trail):
    audit = trail_text(client, "en")
    assert "Facility Microwave" in audit and "State: Working → Out of order" in audit
    assert f"Feedback {trail}" in audit and "a visitor" in audit
    assert "Visitor counts for" in audit and "Courier: — → 4" in audit
    assert "Temporarily closed" in audit
