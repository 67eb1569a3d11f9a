"""Issue 11, part 5: alerts reach the operators' group robot and mailbox, in the background,
retried, and a failure never loses or blocks the report. Fakes on 127.0.0.1 only."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socketserver
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from stationsite.extensions import db
from stationsite.feedback import worker
from stationsite.models import Alert, Feedback, Station

from .test_feedback import post_feedback


class FakeRobot:
    """A WeCom/DingTalk group robot: records each post, fails the first `failures`."""

    def __init__(self, failures: int = 0):
        self.posts: list[tuple[str, dict]] = []
        self.failures = failures
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                robot.posts.append((self.path, body))
                failing = len(robot.posts) <= robot.failures
                answer = {"errcode": 93000 if failing else 0, "errmsg": "busy" if failing else "ok"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class FakeSMTP:
    """Just enough SMTP for smtplib: EHLO, MAIL, RCPT, DATA, QUIT; keeps each message."""

    def __init__(self):
        self.messages: list[str] = []
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self):
                self.reply("220 fake ESMTP")
                while line := self.rfile.readline().decode().strip():
                    verb = line.split(" ")[0].upper()
                    if verb == "EHLO":
                        self.reply("250-fake")
                        self.reply("250 8BITMIME")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        fake.messages.append(self.read_data())
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

            def read_data(self) -> str:
                lines = []
                while (line := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(line)
                return b"".join(lines).decode()

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def eventually(check, seconds: float = 8.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("did not happen in time")


@pytest.fixture
def robot():
    fake = FakeRobot()
    yield fake
    fake.close()


@pytest.fixture
def alerting(app, make_station):
    """Fast retries; the worker is joined after each test, before the database goes."""
    app.config["ALERT_RETRY_DELAYS_S"] = (0.1, 0.1)
    make_station(code="FB-001", facilities=["microwave"], operator_org="城西环卫所")
    yield app
    running = worker._workers.get(id(app))
    if running:
        running[0].join(timeout=10)


def alerts(app) -> list[Alert]:
    with app.app_context():
        found = list(db.session.scalars(select(Alert).order_by(Alert.id)))
        db.session.expunge_all()
        return found


def settled(app) -> bool:
    return all(a.sent_at or a.failed for a in alerts(app))


def test_a_fault_report_reaches_the_wecom_robot(alerting, client, robot):
    alerting.config["NOTIFY_WEBHOOK"] = f"wecom:{robot.url}/cgi-bin/webhook/send?key=k1"
    started = time.monotonic()
    response = post_feedback(client, contact="13800138000")
    assert response.status_code == 302 and time.monotonic() - started < 3
    eventually(lambda: robot.posts)
    path, body = robot.posts[0]
    assert path == "/cgi-bin/webhook/send?key=k1"
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "测试驿站1（FB-001）" in content and "微波炉" in content and "微波炉不加热" in content
    assert "http://localhost/operator/feedback?station=FB-001#feedback-1" in content
    assert "13800138000" not in content
    eventually(lambda: settled(alerting))
    [alert] = alerts(alerting)
    assert alert.sent_at is not None and alert.attempts == 1


def test_praise_alerts_nobody(alerting, client, robot):
    alerting.config["NOTIFY_WEBHOOK"] = f"wecom:{robot.url}/send"
    post_feedback(client, category="praise", facility="", comment="很干净")
    assert alerts(alerting) == []


def test_a_busy_robot_is_retried_until_it_takes_the_alert(alerting, client):
    busy = FakeRobot(failures=2)
    alerting.config["NOTIFY_WEBHOOK"] = f"dingtalk:{busy.url}/robot/send?access_token=t"
    try:
        post_feedback(client, category="closed_when_open", facility="", comment="门锁着")
        eventually(lambda: settled(alerting))
    finally:
        busy.close()
    [alert] = alerts(alerting)
    assert alert.sent_at is not None and alert.attempts == 3 and len(busy.posts) == 3
    body = busy.posts[-1][1]
    assert body["msgtype"] == "markdown" and "门锁着" in body["markdown"]["text"]
    assert "开放时间内关门" in body["markdown"]["title"]


def test_an_unreachable_robot_never_loses_or_blocks_the_report(alerting, client, robot):
    url = robot.url
    robot.close()  # nothing listens there any more
    alerting.config["NOTIFY_WEBHOOK"] = f"wecom:{url}/send"
    started = time.monotonic()
    assert post_feedback(client).status_code == 302
    assert time.monotonic() - started < 3
    eventually(lambda: settled(alerting))
    [alert] = alerts(alerting)
    assert alert.failed and alert.attempts == 3 and "URLError" in alert.last_error
    with alerting.app_context():
        assert db.session.scalar(select(Feedback.comment)) == "微波炉不加热"


def test_dingtalk_robots_with_a_signing_secret_get_a_signed_url(alerting, client, robot):
    alerting.config["NOTIFY_WEBHOOK"] = f"dingtalk:{robot.url}/robot/send?access_token=t#SECabc"
    post_feedback(client)
    eventually(lambda: robot.posts)
    query = parse_qs(urlsplit(robot.posts[0][0]).query)
    timestamp, sign = query["timestamp"][0], query["sign"][0]
    expected = hmac.new(b"SECabc", f"{timestamp}\nSECabc".encode(), hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected  # parse_qs undid the URL encoding
    assert query["access_token"] == ["t"]


def test_email_through_smtp_and_an_organisations_own_robot(alerting, client, robot):
    mail = FakeSMTP()
    own = FakeRobot()
    alerting.config.update(
        SMTP_URL=f"smtp://127.0.0.1:{mail.port}/?from=alerts@yizhan.cn&to=union@yizhan.cn",
        NOTIFY_WEBHOOK=f"wecom:{robot.url}/deployment",
        NOTIFY_ORGS={"城西环卫所": {"webhook": f"wecom:{own.url}/org", "email_to": "duty@cx.cn"}},
    )
    try:
        post_feedback(client)
        eventually(lambda: settled(alerting) and len(alerts(alerting)) == 2)
    finally:
        mail.close()
        own.close()
    assert robot.posts == [] and own.posts[0][0] == "/org"
    [message] = mail.messages
    assert "To: duty@cx.cn" in message and "From: alerts@yizhan.cn" in message
    assert "Subject:" in message


def test_unanswered_reports_alert_once_from_the_cron_command(alerting, robot):
    alerting.config.update(NOTIFY_WEBHOOK=f"wecom:{robot.url}/send", ALERT_UNANSWERED_HOURS=24)
    with alerting.app_context():
        station = db.session.scalar(select(Station))
        db.session.add_all(
            [
                Feedback(
                    station=station,
                    visitor_group="courier",
                    category="cleanliness",
                    comment="地上都是水",
                    created_at=datetime.now(UTC) - timedelta(hours=30),
                ),
                Feedback(  # a bare rating is no message: no alert
                    station=station,
                    visitor_group="courier",
                    category="praise",
                    rating=5,
                    created_at=datetime.now(UTC) - timedelta(hours=30),
                ),
            ]
        )
        db.session.commit()
    runner = alerting.test_cli_runner()
    assert "none pending" in runner.invoke(args=["send-alerts"]).output
    assert len(robot.posts) == 1 and "地上都是水" in robot.posts[0][1]["markdown"]["content"]
    runner.invoke(args=["send-alerts"])
    assert len(robot.posts) == 1


def test_still_broken_after_a_fix_alerts_again(alerting, client, robot):
    from .test_followup_metoo import visitor, vote

    post_feedback(client)
    alerting.config["NOTIFY_WEBHOOK"] = f"wecom:{robot.url}/send"
    with alerting.app_context():
        item = db.session.scalar(select(Feedback))
        item.status, item.resolved_at = "resolved", datetime.now(UTC)
        db.session.commit()
        report_id = item.id
        db.session.expunge(item)
    vote(visitor(alerting, 7), report_id, "still_broken")
    eventually(lambda: robot.posts)
    [(_, body)] = robot.posts  # the first report was made before any robot was set up
    assert "FB-001" in body["markdown"]["content"] and item.reference in body["markdown"]["content"]


def test_settings_come_from_the_environment_too(alerting, client, robot, monkeypatch):
    orgs = {"城西环卫所": {"webhook": f"wecom:{robot.url}/from-env"}}
    monkeypatch.setenv("NOTIFY_ORGS", json.dumps(orgs, ensure_ascii=False))
    post_feedback(client)
    eventually(lambda: robot.posts)
    assert robot.posts[0][0] == "/from-env"


def test_union_staff_see_alerts_that_could_not_be_delivered(alerting, client):
    from stationsite.users import create_user

    from .test_operator import sign_in

    with alerting.app_context():
        db.session.add(
            Alert(channel="webhook", subject="s", body="b", failed=True, last_error="URLError: x")
        )
        create_user("boss", "long-password", "admin")
        create_user("op", "long-password", "operator", ["FB-001"])
        db.session.commit()
    sign_in(client, "op")
    assert "could not be delivered" not in client.get("/operator/?lang=en").text
    staff = alerting.test_client()
    sign_in(staff, "boss")
    page = staff.get("/operator/?lang=en").text
    assert "1 alerts to operators could not be delivered" in page and "URLError: x" in page
