"""gunicorn opens the locator's shared snapshot before a worker takes requests."""

from __future__ import annotations

import gc
import logging
import runpy
from pathlib import Path

from stationsite.extensions import db
from stationsite.synthetic import generate_stations

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


class FakeWorker:
    def __init__(self, app) -> None:
        self.wsgi, self.log = app, logging.getLogger("test-worker")


def test_a_worker_opens_the_index_then_freezes_what_start_up_made(app, tmp_path):
    app.config.update(LOCATOR_SNAPSHOT=True, LOCATOR_SNAPSHOT_DIR=str(tmp_path / "snap"))
    with app.app_context():
        generate_stations(50, seed=1)
        db.session.commit()
    settings = runpy.run_path(str(CONF))
    try:
        settings["post_worker_init"](FakeWorker(app))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    live = app.extensions["station_index"]
    assert len(live.index) == 50
    assert list((tmp_path / "snap").glob("*/meta.json"))  # the snapshot the others will map


def test_another_app_under_the_same_settings_is_left_alone(tmp_path):
    from flask import Flask

    settings = runpy.run_path(str(CONF))
    plain = Flask("plain")
    settings["post_worker_init"](FakeWorker(plain))
    assert "station_index" not in plain.extensions
    assert settings["max_requests"] >= 100_000


def test_reads_pass_the_rate_limiter_by_and_writes_still_meet_it(app):
    app.config["RATELIMIT_ENABLED"] = True
    client = app.test_client()
    read = client.get("/api/v1/facilities")
    assert read.status_code == 200
    assert not any(name.startswith("X-RateLimit") for name, _value in read.headers.items())
    from stationsite import limits

    hooks = [
        hook
        for funcs in (app.before_request_funcs, app.after_request_funcs)
        for hook in funcs[None]
    ]
    assert not any(limits._limiter_hook(hook) for hook in hooks)  # all wrapped
    assert sum(hook.__name__ == "skipping" for hook in hooks) == 2


def test_the_gunicorn_settings_come_with_the_package():
    """An installed wheel has no checkout: its settings load by module name, from anywhere,
    and the checkout's gunicorn.conf.py is the same settings."""
    from gunicorn.app.wsgiapp import WSGIApplication

    loader = WSGIApplication.__new__(WSGIApplication)
    packaged = loader.get_config_from_module_name("stationsite.gunicorn_conf")
    checkout = runpy.run_path(str(CONF))
    for name in ("timeout", "graceful_timeout", "workers", "forwarded_allow_ips"):
        assert packaged[name] == checkout[name]
    assert packaged["post_worker_init"] is checkout["post_worker_init"]
    assert packaged["timeout"] >= 60  # room for the locator's first start on a database
