"""Feedback, quick ratings and check-ins as visitors send them: CSRF on, as in production."""

import re
from html import unescape
from io import BytesIO

import pytest
import segno
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import Feedback, FeedbackStatus, Station, Visit

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def token(client, url: str) -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def count(app, model, **where):
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


@pytest.fixture
def station(make_station):
    return make_station(code="FB-001", facilities=["microwave", "drinking_water"])


def post_feedback(client, code="FB-001", **fields):
    url = f"/stations/{code}/feedback"
    data = {
        "csrf_token": token(client, url),
        "visitor_group": "food_delivery",
        "category": "facility_fault",
        "facility": "microwave",
        "comment": "微波炉不加热",
    }
    data.update(fields)
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def test_the_form_is_prefilled_from_a_report_link(client, station):
    body = client.get("/stations/FB-001/feedback?category=facility_fault&facility=microwave")
    html = body.get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="facility_fault"', html)
    assert '<option selected value="microwave">' in html


def test_feedback_is_stored_once_and_thanks_explain_what_happens(client, app, station):
    response = post_feedback(client)
    assert response.status_code == 302
    assert "/stations/FB-001/feedback/thanks" in response.headers["Location"]
    assert count(app, Feedback) == 1
    thanks = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "访客报告" in thanks and "一个工作日" in thanks
    with app.app_context():
        item = db.session.scalar(select(Feedback))
        assert item.facility.code == "microwave" and item.status is FeedbackStatus.NEW
        assert re.fullmatch(r"[0-9a-f]{64}", item.client_hash)
        assert item.source == "web" and not item.approved


def test_a_post_without_csrf_stores_nothing(client, app, station):
    response = client.post(
        "/stations/FB-001/feedback",
        data={"visitor_group": "courier", "category": "praise", "comment": "好"},
    )
    assert response.status_code == 400
    assert count(app, Feedback) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"visitor_group": None}, "visitor_group"),
        ({"visitor_group": "astronaut"}, "visitor_group"),
        ({"category": None}, "category"),
        ({"facility": ""}, "facility"),
        ({"facility": "teleporter"}, "facility"),
        ({"comment": "长" * 501}, "comment"),
        ({"category": "other", "comment": "  ", "facility": ""}, "comment"),
        ({"contact": "call me maybe"}, "contact"),
        ({"rating": "6"}, "rating"),
    ],
)
def test_each_invalid_field_gets_its_error_beside_it(client, app, station, fields, field):
    response = post_feedback(client, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-errors"' in html
    assert count(app, Feedback) == 0


def test_valid_contacts(client, app, station):
    for contact in ("13800138000", "0571-88888888", "rider_wang88"):
        assert post_feedback(client, contact=contact, comment=contact).status_code == 302
    assert count(app, Feedback) == 3


def test_the_honeypot_thanks_a_bot_and_stores_nothing(client, app, station):
    response = post_feedback(client, website="http://spam.example")
    assert response.status_code == 302
    assert count(app, Feedback) == 0


def test_the_same_message_twice_is_stored_once(client, app, station):
    post_feedback(client)
    post_feedback(client)
    assert count(app, Feedback) == 1
    post_feedback(client, comment="微波炉 不加热 ")  # the same text, spaced differently
    assert count(app, Feedback) == 1
    post_feedback(client, comment="热水器也坏了")
    assert count(app, Feedback) == 2


def test_script_in_a_comment_is_escaped_wherever_it_shows(client, app, station):
    post_feedback(client, category="suggestion", facility="", comment="<script>alert('x')</script>")
    with app.app_context():
        item = db.session.scalar(select(Feedback))
        item.approved, item.reply = True, "<b>谢谢</b>"
        db.session.commit()
    html = client.get("/stations/FB-001").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "<b>谢谢</b>" not in html and "&lt;b&gt;谢谢&lt;/b&gt;" in html


def test_public_page_shows_ratings_replies_and_approved_comments_only(client, app, station):
    for n, comment in enumerate(["很好", "一般", "不错"], start=3):
        post_feedback(
            client,
            category="praise",
            facility="",
            rating=str(n),
            comment=comment,
            contact="13800138000",
        )
    with app.app_context():
        first, second, _third = db.session.scalars(select(Feedback).order_by(Feedback.id))
        first.approved = True
        second.reply = "已改进"
        db.session.commit()
    html = unescape(client.get("/stations/FB-001").get_data(as_text=True))
    assert "4.0" in html and "近 90 天 3 人评分" in html
    assert "很好" in html and "已改进" in html
    assert "一般" not in html and "不错" not in html  # not approved
    assert "13800138000" not in html


def test_comments_show_at_once_when_approval_is_off(client, app, station):
    app.config["FEEDBACK_REQUIRE_APPROVAL"] = False
    post_feedback(client, category="praise", facility="", comment="干净整洁")
    assert "干净整洁" in client.get("/stations/FB-001").get_data(as_text=True)


def test_fault_reports_show_as_reported_by_visitors_until_an_operator_acts(client, app, station):
    post_feedback(client)
    post_feedback(client, category="closed_when_open", facility="", comment="门锁着")
    html = unescape(client.get("/stations/FB-001").get_data(as_text=True))
    assert "有人报告故障" in html and "运营方尚未确认" in html and "我也遇到了" in html
    assert "开放时间内关门（1 次" in html
    with app.app_context():  # seen but not fixed: still open, still shown
        for item in db.session.scalars(select(Feedback)):
            item.status = FeedbackStatus.ACKNOWLEDGED
        db.session.commit()
    html = unescape(client.get("/stations/FB-001").get_data(as_text=True))
    assert "有人报告故障" in html
    with app.app_context():  # resolved: the report leaves the page
        for item in db.session.scalars(select(Feedback)):
            item.status = FeedbackStatus.RESOLVED
        db.session.commit()
    html = unescape(client.get("/stations/FB-001").get_data(as_text=True))
    assert "有人报告故障" not in html and "开放时间内关门" not in html


def test_quick_rating_in_three_taps(client, app, station):
    page = client.get("/stations/FB-001").get_data(as_text=True)
    assert 'name="rating" value="5"' in page
    csrf = TOKEN.search(page).group(1)
    response = client.post(
        "/stations/FB-001/rate",
        data={"csrf_token": csrf, "visitor_group": "courier", "rating": "5"},
    )
    assert response.status_code == 302
    assert "visitor_group=courier" in response.headers["Set-Cookie"]
    with app.app_context():
        item = db.session.scalar(select(Feedback))
        assert item.rating == 5 and item.category.value == "praise"
    # the group is remembered: next time it is preselected, and a star alone sends
    page = client.get("/stations/FB-001").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="courier"', page)
    assert "点星星直接提交评分" in page and "先在上面选择您是谁" not in page


def test_a_first_rating_says_to_choose_who_you_are_before_the_star(client, station):
    page = client.get("/stations/FB-001").get_data(as_text=True)
    assert "先在上面选择您是谁，再点星星提交评分" in page and "点星星直接提交评分" not in page


def test_an_expired_form_is_explained_in_the_readers_language(client, station):
    response = client.post(
        "/stations/FB-001/rate", data={"visitor_group": "courier", "rating": "5"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "表单已过期" in page and "CSRF" not in page


def test_quick_rating_needs_a_group_and_a_star(client, app, station):
    csrf = token(client, "/stations/FB-001")
    response = client.post("/stations/FB-001/rate", data={"csrf_token": csrf, "rating": "9"})
    assert response.status_code == 400
    assert 'id="visitor_group-errors"' in response.get_data(as_text=True)
    assert count(app, Feedback) == 0


def test_unknown_station_forms_are_404(client):
    assert client.get("/stations/NOPE/feedback").status_code == 404
    assert client.get("/stations/NOPE/checkin").status_code == 404
    assert client.get("/stations/NOPE/qr.svg").status_code == 404


# --- check-ins and QR codes -------------------------------------------------------------


def test_check_in_counts_once_per_half_hour(client, app, station):
    page = client.get("/stations/FB-001/checkin").get_data(as_text=True)
    assert "我到了" in page
    csrf = TOKEN.search(page).group(1)
    first = client.post(
        "/stations/FB-001/checkin", data={"csrf_token": csrf, "visitor_group": "sanitation"}
    )
    assert first.status_code == 302 and "again" not in first.headers["Location"]
    done = unescape(client.get(first.headers["Location"]).get_data(as_text=True))
    assert "签到成功" in done and "报告设施故障" in done and 'name="rating"' in done
    second = client.post(
        "/stations/FB-001/checkin", data={"csrf_token": csrf, "visitor_group": "sanitation"}
    )
    assert "again=1" in second.headers["Location"]
    assert "已经签到过了" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert count(app, Visit, source="checkin") == 1
    with app.app_context():
        visit = db.session.scalar(select(Visit))
        assert visit.visitor_group.value == "sanitation"


def test_check_in_needs_a_token_and_a_known_group_if_any(client, app, station):
    assert (
        client.post("/stations/FB-001/checkin", data={"visitor_group": "courier"}).status_code
        == 400
    )
    csrf = token(client, "/stations/FB-001/checkin")
    response = client.post(
        "/stations/FB-001/checkin", data={"csrf_token": csrf, "visitor_group": "astronaut"}
    )
    assert response.status_code == 400 and 'id="visitor_group-errors"' in response.get_data(
        as_text=True
    )
    assert count(app, Visit) == 0


def test_qr_code_points_at_the_check_in_page(client, station):
    response = client.get("/stations/FB-001/qr.svg")
    assert response.mimetype == "image/svg+xml"
    expected = BytesIO()
    segno.make("http://localhost/stations/FB-001/checkin", error="m").save(
        expected, kind="svg", scale=10, border=2, title="测试驿站1"
    )
    assert response.get_data() == expected.getvalue()  # the same symbol: the same URL


def test_poster_page_has_name_qr_and_instructions(client, station):
    html = client.get("/stations/FB-001/poster").get_data(as_text=True)
    assert "测试驿站" in html and "/stations/FB-001/qr.svg" in html
    assert "扫一扫" in html and "http://localhost/stations/FB-001/checkin" in html


def test_no_raw_address_is_ever_stored(client, app, station):
    post_feedback(client)
    csrf = token(client, "/stations/FB-001/checkin")
    client.post("/stations/FB-001/checkin", data={"csrf_token": csrf, "visitor_group": "courier"})
    with app.app_context():
        for model in (Feedback, Visit):
            for row in db.session.execute(select(model.__table__)):
                assert "127.0.0.1" not in " ".join(map(str, row))


# --- abuse control ----------------------------------------------------------------------


def test_too_many_posts_get_429_and_are_not_stored(client, app, station):
    app.config["FEEDBACK_LIMITS"] = "3 per minute"
    statuses = [post_feedback(client, comment=f"第{n}条").status_code for n in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert count(app, Feedback) == 3
    assert "提交太频繁" in unescape(post_feedback(client, comment="x").get_data(as_text=True))


def test_the_per_station_limit_holds_across_clients(client, app, station):
    app.config["STATION_WRITE_LIMITS"] = "2 per minute"
    for n in range(3):
        response = client.post(
            "/api/v1/stations/FB-001/feedback",
            json={"visitor_group": "courier", "category": "praise", "comment": f"{n}"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{n}"},
        )
    assert response.status_code == 429
    assert count(app, Feedback) == 2


def test_a_new_user_agent_buys_no_fresh_allowance(client, app, station):
    """Limits key on the address: one host rotating its User-Agent is still one client."""
    app.config["FEEDBACK_LIMITS"] = "2 per minute"
    statuses = [
        client.post(
            "/api/v1/stations/FB-001/feedback",
            json={"visitor_group": "courier", "category": "praise", "comment": f"第{n}条"},
            headers={"User-Agent": f"client-{n}"},
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 429, 429]


def test_check_ins_are_capped_per_station_and_per_visitor_there(empty_db_file, tmp_path):
    """The union's visit figures cannot be inflated: one phone counts a visit, not a stream
    of them, and a station takes at most so many check-ins an hour from everyone together."""
    from tests.conftest import _app_on_copy

    app = _app_on_copy(
        empty_db_file,
        tmp_path,
        REPEAT_CHECKIN_LIMITS="1 per hour",
        STATION_CHECKIN_LIMITS="3 per hour",
    )
    with app.app_context():
        for code in ("CAP-1", "CAP-2"):
            db.session.add(Station(code=code, kind="warm_station", name_zh="驿站", lat=30, lon=120))
        db.session.commit()
    client = app.test_client()

    def check_in(code, address, agent="phone"):
        return client.post(
            f"/api/v1/stations/{code}/checkins",
            json={"visitor_group": "courier"},
            environ_base={"REMOTE_ADDR": address},
            headers={"User-Agent": agent},
        ).status_code

    assert check_in("CAP-1", "10.0.0.1") == 201
    assert check_in("CAP-1", "10.0.0.1", agent="another phone") == 429  # same place again
    assert check_in("CAP-2", "10.0.0.1") == 201  # a visit elsewhere counts
    assert [check_in("CAP-1", f"10.0.1.{n}") for n in range(3)] == [201, 201, 429]
    assert count(app, Visit) == 4


def test_writes_are_refused_when_the_limiter_store_is_down(empty_db_file, tmp_path):
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = app.test_client()
    with app.app_context():
        db.session.add(Station(code="FB-9", kind="warm_station", name_zh="驿站", lat=30, lon=120))
        db.session.commit()
    assert client.get("/stations/FB-9").status_code == 200  # reading needs no limiter
    csrf = token(client, "/stations/FB-9/feedback")
    page = client.post(
        "/stations/FB-9/feedback",
        data={
            "csrf_token": csrf,
            "visitor_group": "courier",
            "category": "praise",
            "comment": "好",
        },
    )
    assert page.status_code == 503 and "暂时无法提交" in page.get_data(as_text=True)
    api = client.post("/api/v1/stations/FB-9/checkins", json={"visitor_group": "courier"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    assert count(app, Feedback) == 0 and count(app, Visit) == 0


def test_behind_a_proxy_each_rider_is_told_apart(empty_db_file, tmp_path):
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, PROXY_COUNT=1, CHECKIN_LIMITS="1 per minute")
    with app.app_context():
        db.session.add(Station(code="PX-1", kind="warm_station", name_zh="驿站", lat=30, lon=120))
        db.session.commit()
    client = app.test_client()

    def check_in(address):
        return client.post(
            "/api/v1/stations/PX-1/checkins",
            json={"visitor_group": "courier"},
            headers={"X-Forwarded-For": address},
        ).status_code

    assert [check_in("10.0.0.1"), check_in("10.0.0.2"), check_in("10.0.0.1")] == [201, 201, 429]


def test_settings_from_the_environment(monkeypatch):
    from stationsite.config import from_environ

    monkeypatch.setenv("PROXY_COUNT", "2")
    monkeypatch.setenv("FEEDBACK_REQUIRE_APPROVAL", "false")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    found = from_environ()
    assert found["PROXY_COUNT"] == 2
    assert found["FEEDBACK_REQUIRE_APPROVAL"] is False
    assert found["SESSION_COOKIE_SECURE"] is True


def test_open_station_offers_a_closed_when_open_report(client, station):
    html = client.get("/stations/FB-001").get_data(as_text=True)
    assert "/stations/FB-001/feedback?category=closed_when_open" in html
