"""Issue 10, part 7: big files import as a background job with progress on a page of its own,
resumable after a restart, and the upload deleted when the job is done or abandoned."""

from __future__ import annotations

import io
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import func, select

from stationsite.extensions import db
from stationsite.models import Station
from stationsite.stations_io import jobs
from stationsite.users import create_user

from .test_operator import csrf, sign_in

HEADER = "编号,名称,类型,纬度,经度,开放时间\n"


def big_file(rows: int, start: int = 0) -> bytes:
    lines = [
        f"J-{n:05d},驿站{n},暖心驿站,30.{n:05d},120.1,8:00-18:00\n" for n in range(start, rows)
    ]
    return (HEADER + "".join(lines)).encode()


@pytest.fixture
def staff(app, client):
    app.config["IMPORT_BACKGROUND_BYTES"] = 1000
    with app.app_context():
        create_user("boss", "long-password", "admin")
        db.session.commit()
    sign_in(client, "boss")
    return client


def uploads(app) -> jobs.Uploads:
    return jobs.Uploads(Path(app.instance_path) / "imports")


def confirm(client, data: bytes):
    page = client.post(
        "/admin/import",
        data={"csrf_token": csrf(client, "/admin/import"), "file": (io.BytesIO(data), "big.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1)
    done = client.post(
        "/admin/import/confirm", data={"csrf_token": csrf(client, "/admin/import"), "token": token}
    )
    return token, done, page


def wait_for(app, token: str, seconds: float = 30) -> jobs.Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = uploads(app).job(token)
        if job and job.finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {token} did not finish: {uploads(app).job(token)}")


def count_stations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Station.id)))


def test_a_big_file_imports_as_a_job_with_a_progress_page(app, staff):
    token, done, preview = confirm(staff, big_file(1200))
    assert "另有 700 行没有问题" in preview or "700 more rows" in preview  # 500 shown
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/import/jobs/{token}")
    job = wait_for(app, token)
    assert (job.state, job.done, job.total, job.created) == ("done", 1200, 1200, 1200)
    page = staff.get(f"/admin/import/jobs/{token}?lang=en").get_data(as_text=True)
    assert "Done." in page and "1200 created" in page and 'http-equiv="refresh"' not in page
    assert staff.get(f"/admin/import/jobs/{token}.json").get_json()["state"] == "done"
    assert count_stations(app) == 1200
    assert uploads(app).read(token) is None  # the upload is deleted when done


def test_a_job_that_died_with_its_process_resumes_after_its_last_batch(app, staff, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 100)
    store = uploads(app)
    store.keep("abc123", big_file(300), "big.csv")
    dead = jobs.Job("abc123", state="running", total=300, done=100, created=100)
    dead.heartbeat = time.time() - 10 * jobs.STALE_S
    store.path("abc123", "job").write_text(json.dumps(asdict(dead)))
    assert store.job("abc123").stale
    assert staff.get("/admin/import/jobs/abc123?lang=en").status_code == 200
    job = wait_for(app, "abc123")
    assert (job.state, job.done, job.created) == ("done", 300, 300)
    assert count_stations(app) == 200  # rows 0-99 were the dead process's batch: skipped


def test_a_live_job_is_not_started_twice(app, staff):
    store = uploads(app)
    store.keep("live1", big_file(10), "big.csv")
    store.save(jobs.Job("live1", state="running", total=10))
    assert not store.job("live1").stale
    staff.get("/admin/import/jobs/live1")
    time.sleep(0.3)
    assert store.job("live1").state == "running" and count_stations(app) == 0


def test_a_refused_file_ends_the_job_with_the_reason(app, staff):
    store = uploads(app)
    store.keep("bad1", b"\xd0\xcf\x11\xe0" + b"\x00" * 64, "old.xls")
    jobs.start(app, store, "bad1", None)
    job = wait_for(app, "bad1")
    assert job.state == "failed" and "Excel 97-2003" in job.problem
    page = staff.get("/admin/import/jobs/bad1?lang=en").get_data(as_text=True)
    assert "did not finish" in page and "Excel 97-2003" in page


def test_abandoned_uploads_are_deleted(app, staff):
    store = uploads(app)
    store.keep("old1", b"x", "x.csv")
    store.keep("new1", b"x", "x.csv")
    past = time.time() - 3 * 24 * 3600
    os.utime(store.path("old1", "upload"), (past, past))
    assert staff.get("/admin/import").status_code == 200
    assert store.read("old1") is None and store.read("new1") is not None


def test_unknown_jobs_are_404(staff):
    assert staff.get("/admin/import/jobs/nope").status_code == 404
    assert staff.get("/admin/import/jobs/no-pe").status_code == 404
    assert staff.get("/admin/import/jobs/nope.json").status_code == 404


@pytest.mark.redis
def test_with_redis_the_job_runs_on_an_rq_worker(app, staff, monkeypatch):
    redis = pytest.importorskip("redis")
    from rq import Queue, SimpleWorker

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis: {error.__class__.__name__}")
    app.config["REDIS_URL"] = url
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    queue = Queue(jobs.QUEUE, connection=connection)
    queue.empty()
    token, done, _page = confirm(staff, big_file(150))
    assert done.status_code == 302 and uploads(app).job(token).state == "queued"
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert uploads(app).job(token).state == "done"
    assert count_stations(app) == 150
