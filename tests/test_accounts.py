"""Staff accounts: sessions the server can end, and failed sign-ins that cannot be turned
against a colleague or raced."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from html import unescape

import pytest
from sqlalchemy import select, update

from stationsite.auth import services
from stationsite.extensions import db
from stationsite.models import SignInFailure, User, UserSession
from stationsite.users import create_user, update_user
from tests.test_operator import csrf, people, sign_in  # noqa: F401 (a fixture)

HOME = {"REMOTE_ADDR": "10.0.0.1"}
ELSEWHERE = {"REMOTE_ADDR": "10.0.0.2"}


def browser(app, environ: dict):
    client = app.test_client()
    client.environ_base.update(environ)
    return client


def _copy_of(app, client):
    """A second browser holding a copy of `client`'s session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie(cookie.key, cookie.value)
    return thief


@pytest.mark.usefixtures("people")
def test_a_copied_cookie_stops_working_after_sign_out(app):
    client = app.test_client()
    assert sign_in(client, "op").status_code == 302
    thief = _copy_of(app, client)
    assert thief.get("/operator/").status_code == 200
    client.post("/auth/logout", data={"csrf_token": csrf(client, "/operator/")})
    assert client.get("/operator/").status_code == 302
    assert thief.get("/operator/").status_code == 302  # sent to sign in


@pytest.mark.usefixtures("people")
def test_a_password_change_signs_out_every_other_browser(app):
    client = app.test_client()
    assert sign_in(client, "op").status_code == 302
    other = app.test_client()
    assert sign_in(other, "op").status_code == 302
    data = {
        "csrf_token": csrf(client, "/auth/password"),
        "current": "long-password",
        "new": "another-long-password",
        "confirm": "another-long-password",
    }
    assert client.post("/auth/password", data=data).status_code == 302
    assert client.get("/operator/").status_code == 200  # this browser carries on
    assert other.get("/operator/").status_code == 302


@pytest.mark.usefixtures("people")
def test_disabling_or_resetting_an_account_signs_it_out(app):
    client = app.test_client()
    assert sign_in(client, "op").status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "op"))
        update_user(
            user, display_name="", role="operator", station_codes=["OP-1"], active=True,
            password="a-new-long-password",
        )  # fmt: skip
        db.session.commit()
        assert db.session.scalar(select(UserSession).where(UserSession.user_id == user.id)) is None
    assert client.get("/operator/").status_code == 302


@pytest.mark.usefixtures("people")
def test_repeated_failures_hold_back_that_client_only(app):
    attacker = browser(app, ELSEWHERE)
    for _ in range(services.MAX_FAILURES):
        assert sign_in(attacker, "op", "wrong-password").status_code == 400
    held = sign_in(attacker, "op")  # even the right password, from there
    assert held.status_code == 400
    assert "用户名或密码错误" in unescape(held.get_data(as_text=True))
    # the colleague signing in from their own address is not locked out
    assert sign_in(browser(app, HOME), "op").status_code == 302
    with app.app_context():  # after the pause, the held-back client may try again
        db.session.execute(
            update(SignInFailure).values(last_at=datetime.now(UTC) - services.LOCKOUT)
        )
        db.session.commit()
    assert sign_in(attacker, "op").status_code == 302


@pytest.mark.usefixtures("people")
def test_a_success_clears_that_clients_failures(app):
    client = browser(app, HOME)
    for _ in range(services.MAX_FAILURES - 1):
        sign_in(client, "op", "wrong-password")
    assert sign_in(client, "op").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(SignInFailure)).all() == []


@pytest.mark.usefixtures("people")
def test_concurrent_failures_are_all_counted(app):
    """Each failure is an atomic upsert: parallel guesses cannot overwrite each other."""
    tries = 8
    clients = [browser(app, ELSEWHERE) for _ in range(tries)]
    forms = [
        {"csrf_token": csrf(c), "username": "op", "password": "wrong-password"} for c in clients
    ]
    threads = [
        threading.Thread(target=c.post, args=("/auth/login",), kwargs={"data": f})
        for c, f in zip(clients, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        assert db.session.scalar(select(SignInFailure.failures)) == tries


@pytest.mark.usefixtures("people")
def test_an_unknown_name_costs_a_password_check_too(app, monkeypatch):
    checked = []
    real = services.check_password_hash

    def counting(hashed, password):
        checked.append(hashed)
        return real(hashed, password)

    monkeypatch.setattr(services, "check_password_hash", counting)
    with app.test_request_context(environ_base=HOME):
        assert services.authenticate("nobody", "whatever-password") is None
        assert services.authenticate("op", "wrong-password") is None
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # the same method and cost


@pytest.mark.usefixtures("people")
def test_one_client_guessing_many_names_is_held_back(app):
    guesser = browser(app, ELSEWHERE)
    for n in range(services.MAX_CLIENT_FAILURES):
        sign_in(guesser, f"name-{n}", "wrong-password")
    assert sign_in(guesser, "op").status_code == 400
    assert sign_in(browser(app, HOME), "op").status_code == 302


def test_sign_in_works_while_the_rate_limit_store_is_down(empty_db_file, tmp_path):
    """Sign-in is throttled in the database, so a dead Redis does not keep staff out."""
    from tests.conftest import _app_on_copy

    app = _app_on_copy(empty_db_file, tmp_path, RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    with app.app_context():
        create_user("op", "long-password", "operator")
        db.session.commit()
    client = browser(app, HOME)
    assert sign_in(client, "op", "wrong-password").status_code == 400
    assert sign_in(client, "op").status_code == 302
    assert client.get("/operator/").status_code == 200
