"""Cookies only where a form needs one, and the headers a public service sends."""

from __future__ import annotations

import pytest

from tests.test_accounts import browser
from tests.test_operator import people, sign_in  # noqa: F401 (a fixture)


@pytest.fixture
def station(make_station):
    return make_station(code="CK-1")


@pytest.mark.usefixtures("station")
@pytest.mark.parametrize("path", ["/", "/api/v1/facilities", "/api/v1/stations/CK-1", "/healthz"])
def test_public_pages_without_a_form_set_no_cookie(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers.getlist("Set-Cookie") == []


@pytest.mark.usefixtures("station")
def test_a_page_with_a_form_sets_the_session_once_and_never_clears_a_remember_cookie(client):
    first = client.get("/stations/CK-1")
    cookies = first.headers.getlist("Set-Cookie")
    assert [c.split("=")[0] for c in cookies] == ["session"]
    again = client.get("/stations/CK-1")
    assert again.headers.getlist("Set-Cookie") == []  # not re-signed on every view
    assert client.get("/").headers.getlist("Set-Cookie") == []


def test_hsts_only_over_tls(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers
    secure = client.get("/healthz", base_url="https://stations.example/")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_language_cookie_is_secure_when_sessions_are(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    cookie = client.get("/?lang=en").headers["Set-Cookie"]
    assert cookie.startswith("lang=en") and "Secure" in cookie and "HttpOnly" in cookie


@pytest.mark.usefixtures("people")
def test_a_session_copied_to_another_browser_is_refused(app):
    phone = browser(app, {"HTTP_USER_AGENT": "Operator phone"})
    assert sign_in(phone, "op").status_code == 302
    assert phone.get("/operator/").status_code == 200
    copy = browser(app, {"HTTP_USER_AGENT": "Somebody else"})
    cookie = phone.get_cookie("session")
    copy.set_cookie(cookie.key, cookie.value)
    assert copy.get("/operator/").status_code == 302
    # the address may change (a phone between networks): the same browser stays signed in
    phone.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    assert phone.get("/operator/").status_code == 200


def test_only_the_public_host_is_served_once_public_url_is_set(empty_db_file, tmp_path):
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, PUBLIC_URL="https://stations.example.cn")
    client = app.test_client()
    assert client.get("/healthz", base_url="https://stations.example.cn/").status_code == 200
    assert client.get("/healthz", base_url="http://localhost/").status_code == 200
    forged = client.get("/api/v1/facilities", base_url="https://evil.example/")
    assert forged.status_code == 400


def test_a_page_for_a_host_not_trusted_is_a_400_not_a_500(empty_db_file, tmp_path):
    """The error page could not be drawn without a URL adapter (gunicorn answered 500)."""
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, PUBLIC_URL="https://stations.example.cn")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    for path in ("/", "/auth/login", "/no/such/page"):
        assert client.get(path, base_url="https://evil.example/").status_code == 400


@pytest.mark.usefixtures("station")
def test_every_absolute_url_is_on_public_url_whatever_host_asked(app, client):
    """A proxy that forwards Host: 127.0.0.1 (nginx's default) or a local request: the QR
    code, the poster, openapi.json and the API's station links still name PUBLIC_URL."""
    app.config["PUBLIC_URL"] = "https://stations.example.cn"
    public = "https://stations.example.cn"
    poster = client.get("/stations/CK-1/poster", base_url="http://127.0.0.1:8000/")
    assert f"{public}/stations/CK-1/checkin" in poster.get_data(as_text=True)
    local = client.get("/stations/CK-1/qr.svg", base_url="http://127.0.0.1:8000/").data
    assert local == client.get("/stations/CK-1/qr.svg", base_url=f"{public}/").data
    document = client.get("/api/v1/openapi.json", base_url="http://localhost/").get_json()
    assert document["servers"] == [{"url": public}]
    one = client.get("/api/v1/stations/CK-1", base_url="http://localhost/").get_data(as_text=True)
    assert f"{public}/stations/CK-1" in one and "http://localhost" not in one


def _script_policy(response) -> str:
    policy = response.headers["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if "script-src" in part)


@pytest.mark.usefixtures("station")
def test_map_pages_run_their_set_up_script_under_a_fresh_nonce(client):
    nonces = []
    for _ in range(2):
        response = client.get("/")
        policy = _script_policy(response)
        assert "'unsafe-inline'" not in policy
        nonce = policy.split("'nonce-")[1].rstrip("'")
        assert f'<script nonce="{nonce}">'.encode() in response.data
        nonces.append(nonce)
    assert nonces[0] != nonces[1]  # new on every response
    assert b'nonce="' in client.get("/stations/CK-1").data


def test_pages_without_inline_script_allow_only_files(client):
    assert _script_policy(client.get("/healthz")) == "script-src 'self'"


def test_no_template_carries_inline_handlers_or_javascript_urls():
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parent.parent / "templates"
    inline = re.compile(r"\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if inline.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
