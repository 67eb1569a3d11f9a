"""Accounts and the operator's station page, CSRF on, as operators use them."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.models import AuditEntry, Role, Station, User, Visit
from stationsite.users import create_user

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def csrf(client, url="/auth/login"):
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def sign_in(client, username, password="long-password", next_url=None):
    data = {"csrf_token": csrf(client), "username": username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post("/auth/login", data=data)


@pytest.fixture
def people(app, make_station):
    mine = make_station(
        code="OP-1", facilities=["microwave", "drinking_water"], opening_hours="Mo-Su 07:00-19:00"
    )
    make_station(code="OP-2")
    with app.app_context():
        create_user("op", "long-password", "operator", ["OP-1"])
        create_user("other", "long-password", "operator", ["OP-2"])
        create_user("boss", "long-password", "admin")
        db.session.commit()
    return mine


@pytest.fixture
def operator(client, people):
    assert sign_in(client, "op").status_code == 302
    return client


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf(client, "/operator/stations/OP-1"), **data})


# --- signing in -------------------------------------------------------------------------


def test_sign_in_goes_to_my_stations_and_sets_safe_cookies(client, people):
    response = sign_in(client, "op")
    assert response.headers["Location"].endswith("/operator/")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = unescape(client.get("/operator/").get_data(as_text=True))
    assert "OP-1" in page and "OP-2" not in page


def test_secure_cookie_when_configured(app, client, people):
    app.config["SESSION_COOKIE_SECURE"] = True
    assert "Secure" in sign_in(client, "op").headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/operator/stations/OP-1", "/operator/stations/OP-1"),
        ("https://evil.example/x", "/operator/"),
        ("//evil.example/x", "/operator/"),
        ("/\\evil.example", "/operator/"),
        ("javascript:alert(1)", "/operator/"),
    ],
)
def test_next_is_followed_only_within_the_site(client, people, target, lands):
    response = sign_in(client, "op", next_url=target)
    assert response.headers["Location"].endswith(lands)


def test_one_message_for_every_failed_sign_in(client, people):
    unknown = unescape(sign_in(client, "nobody").get_data(as_text=True))
    wrong = unescape(sign_in(client, "op", "wrong-password").get_data(as_text=True))
    message = "用户名或密码错误"
    assert message in unknown and message in wrong


def test_sign_out_needs_a_post_with_a_token(operator):
    assert operator.get("/auth/logout").status_code == 405
    assert operator.post("/auth/logout").status_code == 400  # no CSRF token
    assert operator.get("/operator/").status_code == 200
    response = operator.post("/auth/logout", data={"csrf_token": csrf(operator, "/operator/")})
    assert response.status_code == 302
    assert operator.get("/operator/").status_code == 302


def test_password_change(operator):
    url = "/auth/password"
    wrong = operator.post(
        url,
        data={
            "csrf_token": csrf(operator, url),
            "current": "nope",
            "new": "another-pass",
            "confirm": "another-pass",
        },
    )
    assert wrong.status_code == 400 and 'id="current-errors"' in wrong.get_data(as_text=True)
    differ = operator.post(
        url,
        data={
            "csrf_token": csrf(operator, url),
            "current": "long-password",
            "new": "another-pass",
            "confirm": "different",
        },
    )
    assert 'id="confirm-errors"' in differ.get_data(as_text=True)
    done = operator.post(
        url,
        data={
            "csrf_token": csrf(operator, url),
            "current": "long-password",
            "new": "another-pass",
            "confirm": "another-pass",
        },
    )
    assert done.status_code == 302
    operator.post("/auth/logout", data={"csrf_token": csrf(operator, "/operator/")})
    assert sign_in(operator, "op", "another-pass").status_code == 302


# --- who may do what --------------------------------------------------------------------

PAGES = [
    ("get", "/operator/stations/{code}", {}),
    (
        "post",
        "/operator/stations/{code}/facilities",
        {"facility": "microwave", "state": "out_of_order"},
    ),
    ("post", "/operator/stations/{code}/facilities/details", {"facility": "microwave"}),
    ("post", "/operator/stations/{code}/facilities/add", {"facility": "aed"}),
    ("post", "/operator/stations/{code}/hours", {"mode": "raw", "raw": "24/7"}),
    ("post", "/operator/stations/{code}/closure", {"reason": "x", "preset": "1h"}),
    ("post", "/operator/stations/{code}/reopen", {}),
    ("post", "/operator/stations/{code}/verify", {}),
    ("post", "/operator/stations/{code}/tally", {"day": "2025-11-24", "courier": "3"}),
]


@pytest.mark.parametrize(("method", "url", "data"), PAGES)
def test_anonymous_is_sent_to_sign_in(client, people, method, url, data):
    response = getattr(client, method)(url.format(code="OP-1"), data=data)
    assert response.status_code in (302, 400)  # a POST without a session has no token either
    if response.status_code == 302:
        assert "/auth/login?next=" in response.headers["Location"]


@pytest.mark.parametrize(("method", "url", "data"), PAGES)
def test_another_operators_station_is_forbidden(operator, method, url, data):
    token = csrf(operator, "/operator/")
    response = getattr(operator, method)(
        url.format(code="OP-2"), data={"csrf_token": token, **data}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("method", "url", "data"), PAGES)
def test_a_missing_station_is_404(operator, method, url, data):
    token = csrf(operator, "/operator/")
    response = getattr(operator, method)(
        url.format(code="NOPE"), data={"csrf_token": token, **data}
    )
    assert response.status_code == 404


def test_admins_may_manage_every_station(client, people):
    sign_in(client, "boss")
    assert client.get("/operator/stations/OP-2").status_code == 200
    page = client.get("/operator/").get_data(as_text=True)
    assert "OP-1" in page and "OP-2" in page


# --- changing a station -----------------------------------------------------------------


def audit(app, action):
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        return [(e.before, e.after, e.user.username if e.user else None) for e in entries]


def test_marking_the_microwave_out_of_order_shows_publicly_and_is_audited(app, operator):
    response = post(
        operator, "/operator/stations/OP-1/facilities", facility="microwave", state="out_of_order"
    )
    assert response.status_code == 302
    public = unescape(operator.get("/stations/OP-1").get_data(as_text=True))
    assert "facility-out_of_order" in public
    api = operator.get("/api/v1/stations/OP-1").get_json()["properties"]["facilities"]
    assert {f["code"]: f["state"] for f in api}["microwave"] == "out_of_order"
    [(before, after, who)] = audit(app, "facility:microwave")
    assert before["state"] == "working" and after["state"] == "out_of_order" and who == "op"


def test_closing_for_an_hour_shows_at_once_and_reopening_undoes_it(app, operator):
    post(operator, "/operator/stations/OP-1/closure", reason="水管维修", preset="1h")
    public = unescape(operator.get("/stations/OP-1").get_data(as_text=True))
    assert "临时关闭" in public and "水管维修" in public
    properties = operator.get("/api/v1/stations/OP-1").get_json()["properties"]
    assert properties["status"] == "temporarily_closed" and properties["open_now"] is False
    nearby = operator.get("/api/v1/stations/nearby?lat=30.251&lon=120.161&open_now=1")
    assert "OP-1" not in [f["id"] for f in nearby.get_json()["features"]]
    [(_before, after, _who)] = audit(app, "closure")
    assert after["status"] == "temporarily_closed" and after["reason"] == "水管维修"
    post(operator, "/operator/stations/OP-1/reopen")
    assert operator.get("/api/v1/stations/OP-1").get_json()["properties"]["status"] == "open"


def test_closure_needs_a_reason_and_a_future_end(operator):
    missing = post(operator, "/operator/stations/OP-1/closure", reason="")
    assert missing.status_code == 400 and 'id="reason-errors"' in missing.get_data(as_text=True)
    past = post(operator, "/operator/stations/OP-1/closure", reason="x", until="2020-01-01T10:00")
    assert past.status_code == 400 and 'id="until-errors"' in past.get_data(as_text=True)


def test_weekly_editor_writes_valid_osm_hours(app, operator):
    days = {}
    for i in range(5):
        days |= {f"days-{i}-opens": "08:00", f"days-{i}-closes": "18:00"}
    days |= {"days-5-closed": "y", "days-6-closed": "y", "holidays": "off"}
    response = post(operator, "/operator/stations/OP-1/hours", mode="weekly", **days)
    assert response.status_code == 302
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "OP-1"))
        assert station.opening_hours == "Mo-Fr 08:00-18:00; PH off"
    page = operator.get("/operator/stations/OP-1").get_data(as_text=True)
    assert 'value="08:00"' in page  # the editor shows the saved week again


def test_weekly_editor_errors_and_raw_syntax(app, operator):
    empty = post(operator, "/operator/stations/OP-1/hours", mode="weekly")
    assert empty.status_code == 400 and 'id="days-0-opens-errors"' in empty.get_data(as_text=True)
    bad = post(operator, "/operator/stations/OP-1/hours", mode="raw", raw="every day 8 to 6")
    assert bad.status_code == 400
    assert "开放时间格式不正确" in unescape(bad.get_data(as_text=True))
    good = post(
        operator,
        "/operator/stations/OP-1/hours",
        mode="raw",
        raw="Mo-Su 06:00-22:00; PH 08:00-17:00",
    )
    assert good.status_code == 302


def test_facility_details_add_and_verify(app, operator):
    bad = post(
        operator,
        "/operator/stations/OP-1/facilities/details",
        facility="drinking_water",
        hours="always",
        note="",
    )
    assert bad.status_code == 400 and "开放时间格式不正确" in unescape(bad.get_data(as_text=True))
    post(
        operator,
        "/operator/stations/OP-1/facilities/details",
        facility="drinking_water",
        hours="24/7",
        note="门外",
    )
    post(operator, "/operator/stations/OP-1/facilities/add", facility="umbrella_loan")
    post(operator, "/operator/stations/OP-1/verify")
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "OP-1"))
        items = {f.facility.code: f for f in station.facilities}
        assert items["drinking_water"].hours == "24/7" and items["drinking_water"].note == "门外"
        assert "umbrella_loan" in items
        assert station.last_verified_at > datetime.now(UTC) - timedelta(minutes=1)
    assert audit(app, "verified")


def test_daily_tally_replaces_the_days_counts(app, operator):
    post(operator, "/operator/stations/OP-1/tally", day="2025-11-24", courier="5", sanitation="2")
    post(operator, "/operator/stations/OP-1/tally", day="2025-11-24", courier="7")
    with app.app_context():
        rows = db.session.scalars(select(Visit).where(Visit.source == "tally")).all()
        assert [(v.visitor_group.value, v.count) for v in rows] == [("courier", 7)]
    bad = post(operator, "/operator/stations/OP-1/tally", day="someday", courier="-1")
    assert bad.status_code == 400


def test_dashboard_puts_problems_first(app, operator):
    post(operator, "/operator/stations/OP-1/facilities", facility="microwave", state="out_of_order")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "op"))
        user.stations.append(db.session.scalar(select(Station).where(Station.code == "OP-2")))
        assert user.role is Role.OPERATOR
        db.session.commit()
    page = operator.get("/operator/").get_data(as_text=True)
    assert page.index("OP-1") < page.index("OP-2")
    assert "1 项故障" in page


def test_every_operator_form_needs_its_token(app, operator):
    for url, data in [
        ("/operator/stations/OP-1/hours", {"mode": "raw", "raw": "24/7"}),
        ("/operator/stations/OP-1/facilities", {"facility": "microwave", "state": "removed"}),
        ("/operator/stations/OP-1/closure", {"reason": "x", "preset": "1h"}),
    ]:
        assert operator.post(url, data=data).status_code == 400
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.code == "OP-1"))
        assert station.opening_hours == "Mo-Su 07:00-19:00"
        assert station.status.value == "open"
        assert all(f.state.value == "working" for f in station.facilities)


# --- the feedback inbox -----------------------------------------------------------------


@pytest.fixture
def messages(app, people):
    from stationsite.models import Facility, Feedback

    with app.app_context():
        stations = {s.code: s for s in db.session.scalars(select(Station))}
        microwave = db.session.scalar(select(Facility).where(Facility.code == "microwave"))
        for item in stations["OP-1"].facilities:
            if item.facility.code == "microwave":
                item.state = "out_of_order"
        fault = Feedback(
            station=stations["OP-1"],
            visitor_group="courier",
            category="facility_fault",
            facility=microwave,
            comment="不加热",
            contact="13800138000",
        )
        praise = Feedback(
            station=stations["OP-1"],
            visitor_group="citizen",
            category="praise",
            rating=5,
            comment="很干净",
        )
        elsewhere = Feedback(
            station=stations["OP-2"], visitor_group="citizen", category="other", comment="别家的"
        )
        db.session.add_all([fault, praise, elsewhere])
        db.session.commit()
        return {"fault": fault.id, "praise": praise.id, "elsewhere": elsewhere.id}


def act(client, feedback_id, action, reply=""):
    return client.post(
        f"/operator/feedback/{feedback_id}",
        data={"csrf_token": csrf(client, "/operator/feedback"), "action": action, "reply": reply},
    )


def test_inbox_shows_my_stations_messages_with_private_contacts(operator, messages):
    page = unescape(operator.get("/operator/feedback").get_data(as_text=True))
    assert "不加热" in page and "很干净" in page and "13800138000" in page
    assert "别家的" not in page
    only_faults = operator.get("/operator/feedback?category=facility_fault&status=new")
    assert "很干净" not in unescape(only_faults.get_data(as_text=True))
    bad_filter = operator.get("/operator/feedback?status=bogus&station=NOPE")
    assert bad_filter.status_code == 200


def test_resolving_a_fault_report_puts_the_facility_back_to_working(app, operator, messages):
    assert act(operator, messages["fault"], "resolve").status_code == 302
    from stationsite.models import Feedback

    with app.app_context():
        item = db.session.get(Feedback, messages["fault"])
        assert item.status.value == "resolved" and item.resolved_at is not None
        states = {f.facility.code: f.state.value for f in item.station.facilities}
        assert states["microwave"] == "working"
    page = unescape(operator.get("/operator/feedback?status=resolved").get_data(as_text=True))
    assert "小时内解决" in page
    assert audit(app, f"feedback:{messages['fault']}")


def test_a_reply_shows_publicly_and_spam_disappears(operator, messages):
    act(operator, messages["praise"], "reply", "谢谢您的表扬！")
    public = unescape(operator.get("/stations/OP-1").get_data(as_text=True))
    assert "谢谢您的表扬！" in public
    act(operator, messages["praise"], "reject")
    public = unescape(operator.get("/stations/OP-1").get_data(as_text=True))
    assert "谢谢您的表扬！" not in public


def test_inbox_actions_are_checked(operator, messages):
    assert act(operator, messages["elsewhere"], "resolve").status_code == 403
    assert act(operator, 99999, "resolve").status_code == 404
    empty_reply = act(operator, messages["praise"], "reply", "   ")
    assert empty_reply.status_code == 302  # back to the inbox with a message
    assert act(operator, messages["praise"], "approve").status_code == 302  # refused: not admin
    no_token = operator.post(f"/operator/feedback/{messages['praise']}", data={"action": "resolve"})
    assert no_token.status_code == 400


def test_admins_approve_comments(app, client, messages):
    sign_in(client, "boss")
    act(client, messages["praise"], "approve")
    assert "很干净" in unescape(client.get("/stations/OP-1").get_data(as_text=True))


def test_inbox_needs_sign_in(client, messages):
    response = client.get("/operator/feedback")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
