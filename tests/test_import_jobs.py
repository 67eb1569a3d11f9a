"""Issue 10, part 7: big files are checked and imported as background jobs with progress on a
page of their own, resumed on their own after a restart, and the upload deleted when the job is
done or abandoned."""

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

CHK1 = "63686b31000000000000000000000000"  # as secrets.token_hex(16) names uploads
IMP1 = "696d7031000000000000000000000000"
GONE1 = "676f6e65310000000000000000000000"
PROG1 = "70726f67310000000000000000000000"
ABC123 = "61626331323300000000000000000000"
LIVE1 = "6c697665310000000000000000000000"
CLI1 = "636c6931000000000000000000000000"
HEADER = "编号,名称,类型,纬度,经度,开放时间\n"


def big_file(rows: int, start: int = 0) -> bytes:
    lines = [
        f"J-{n:05d},驿站{n},暖心驿站,30.{n:05d},120.1,8:00-18:00\n" for n in range(start, rows)
    ]
    return (HEADER + "".join(lines)).encode()


@pytest.fixture
def staff(app, client, tmp_path):
    app.config["IMPORT_BACKGROUND_BYTES"] = 1000
    app.instance_path = str(tmp_path / "instance")  # the jobs of this test only
    with app.app_context():
        create_user("boss", "long-password", "admin")
        db.session.commit()
    sign_in(client, "boss")
    return client


def uploads(app) -> jobs.Uploads:
    return jobs.Uploads(Path(app.instance_path) / "imports")


def upload(client, data: bytes, name: str = "big.csv"):
    return client.post(
        "/admin/import",
        data={"csrf_token": csrf(client, "/admin/import"), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def checked(app, client, data: bytes) -> tuple[str, str]:
    """Upload a big file, wait for its check, and return its token and preview page."""
    sent = upload(client, data)
    assert sent.status_code == 302 and "/admin/import/jobs/" in sent.headers["Location"]
    token = sent.headers["Location"].rsplit("/", 1)[1]
    wait_for(app, token, until=("checked", "failed"))
    return token, client.get(f"/admin/import/jobs/{token}").get_data(as_text=True)


def confirm(client, data: bytes, app=None):
    token, page = checked(app, client, data)
    assert re.search(r'name="token" type="hidden" value="([0-9a-f]+)"', page).group(1) == token
    done = client.post(
        "/admin/import/confirm", data={"csrf_token": csrf(client, "/admin/import"), "token": token}
    )
    return token, done, page


def wait_for(app, token: str, seconds: float = 30, until=("done", "failed")) -> jobs.Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = uploads(app).job(token)
        if job and job.state in until:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {token} did not finish: {uploads(app).job(token)}")


def count_stations(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Station.id)))


def test_a_big_file_imports_as_a_job_with_a_progress_page(app, staff):
    token, done, preview = confirm(staff, big_file(1200), app)
    assert "另有 700 行没有问题" in preview or "700 more rows" in preview  # 500 shown
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/import/jobs/{token}")
    job = wait_for(app, token)
    assert (job.state, job.done, job.total, job.created) == ("done", 1200, 1200, 1200)
    page = staff.get(f"/admin/import/jobs/{token}?lang=en").get_data(as_text=True)
    assert (
        "Done." in page
        and "<h1>Stations imported</h1>" in page
        and "1200 created" in page
        and 'http-equiv="refresh"' not in page
    )
    assert staff.get(f"/admin/import/jobs/{token}.json").get_json()["state"] == "done"
    assert count_stations(app) == 1200
    assert uploads(app).read(token) is None  # the upload is deleted when done


def dead_job(store, token: str, rows: int = 300, **fields) -> None:
    """A job record left by a process that died: old heartbeat, nobody holds its lock."""
    store.keep(token, big_file(rows), "big.csv")
    record = jobs.Job(token, **({"state": "running", "total": rows} | fields))
    record.heartbeat = time.time() - 10 * jobs.STALE_S
    store.path(token, "job").write_text(json.dumps(asdict(record)))


def test_a_dead_job_resumes_on_its_own_after_its_last_batch(app, staff, monkeypatch):
    monkeypatch.setattr(jobs, "BATCH_ROWS", 100)
    store = uploads(app)
    dead_job(store, ABC123, done=100, created=100)
    assert jobs.resume_dead(app, store) == [ABC123]  # nobody viewed the page
    job = wait_for(app, ABC123)
    assert (job.state, job.done, job.created) == ("done", 300, 300)
    assert count_stations(app) == 200  # rows 0-99 were the dead process's batch: skipped
    assert store.read(ABC123) is None


def test_the_watcher_resumes_dead_checks_and_imports_after_a_restart(app, staff):
    store = uploads(app)
    dead_job(store, CHK1, state="checking", total=0, read=2000)
    dead_job(store, IMP1, rows=50, state="queued", total=0)
    stop = jobs.watch(app, store, every_s=0.1, first_s=0)
    try:
        assert wait_for(app, CHK1, until=("checked",)).total == 300
        assert wait_for(app, IMP1).created == 50
    finally:
        stop.set()
    page = staff.get(f"/admin/import/jobs/{CHK1}?lang=en").get_data(as_text=True)
    assert "300 rows;" in page and "J-00001" in page  # new or to update: IMP1 ran meanwhile


def test_a_job_that_runs_is_not_started_twice(app, staff):
    store = uploads(app)
    dead_job(store, LIVE1, rows=10)
    with store.lock(LIVE1) as mine:  # a live runner holds the lock, however old its beat
        assert mine
        assert jobs.resume_dead(app, store) == []
        staff.get(f"/admin/import/jobs/{LIVE1}")
        time.sleep(0.3)
    assert store.job(LIVE1).state == "running" and count_stations(app) == 0


def test_a_dead_job_whose_upload_is_gone_says_so(app, staff):
    store = uploads(app)
    dead_job(store, GONE1)
    store.forget(GONE1)
    jobs.resume_dead(app, store)
    assert store.job(GONE1).state == "failed"
    page = staff.get(f"/admin/import/jobs/{GONE1}?lang=en").get_data(as_text=True)
    assert "The uploaded file is no longer there" in page


def test_the_check_shows_its_progress(app, staff):
    store = uploads(app)
    store.keep(PROG1, big_file(10), "national.csv")
    reading = jobs.Job(PROG1, state="checking", read=41000, filename="national.csv")
    checking = jobs.Job(PROG1, state="checking", read=100000, checked=3000, total=100000)
    said_for = {"Reading row 41000…": reading, "Checking row 3000 of 100000…": checking}
    for said, record in said_for.items():
        with store.lock(PROG1):
            store.save(record)
            page = staff.get(f"/admin/import/jobs/{PROG1}?lang=en").get_data(as_text=True)
        assert said in page and 'http-equiv="refresh"' in page and "<progress" in page
    assert staff.get(f"/admin/import/jobs/{PROG1}.json").get_json()["checked"] == 3000


def test_a_refused_file_ends_the_check_with_the_reason(app, staff):
    sent = upload(staff, b"\xd0\xcf\x11\xe0" + b"\x00" * 2000, "old.xls")
    token = sent.headers["Location"].rsplit("/", 1)[1]
    job = wait_for(app, token)
    assert job.state == "failed" and "Excel 97-2003" in job.problem
    page = staff.get(f"/admin/import/jobs/{token}?lang=en").get_data(as_text=True)
    assert "The file cannot be imported." in page and "Excel 97-2003" in page
    assert uploads(app).read(token) is None


def test_a_small_file_is_still_checked_in_the_request(app, staff):
    app.config["IMPORT_BACKGROUND_BYTES"] = 256 * 1024
    page = upload(staff, big_file(20)).get_data(as_text=True)
    assert "import-preview" in page and "J-00019" in page


def test_a_preview_nobody_confirms_is_deleted(app, staff):
    store = uploads(app)
    token, _page = checked(app, staff, big_file(40))
    assert store.preview(token) is not None
    past = time.time() - 3 * 24 * 3600
    for suffix in ("upload", "job", "preview"):
        os.utime(store.path(token, suffix), (past, past))
    store.sweep(24 * 3600)
    assert not any(store.path(token, x).exists() for x in ("upload", "name", "preview", "job"))
    assert staff.get(f"/admin/import/jobs/{token}").status_code == 404


def test_confirming_twice_starts_one_import(app, staff):
    token, done, _page = confirm(staff, big_file(30), app)
    again = staff.post(
        "/admin/import/confirm", data={"csrf_token": csrf(staff, "/admin/import"), "token": token}
    )
    assert again.status_code in (302, 404)
    assert wait_for(app, token).created == 30 and count_stations(app) == 30


def test_resume_command_runs_dead_jobs_with_progress(app, staff):
    store = uploads(app)
    dead_job(store, CLI1, rows=120, state="queued", total=0)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-jobs", "resume"])
    assert result.exit_code == 0, result.output
    assert CLI1 in result.output and "done: 120 created" in result.output
    assert store.job(CLI1).state == "done" and count_stations(app) == 120


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


@pytest.fixture
def redis_url():
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    connection = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis: {error.__class__.__name__}")
    yield url
    connection.close()


@pytest.mark.redis
def test_with_redis_the_job_runs_on_an_rq_worker(app, staff, monkeypatch, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    url, connection = redis_url, Redis.from_url(redis_url)
    app.config["REDIS_URL"] = url
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    queue = Queue(jobs.QUEUE, connection=connection)
    queue.empty()
    sent = upload(staff, big_file(150))
    token = sent.headers["Location"].rsplit("/", 1)[1]
    assert uploads(app).job(token).state == "checking"
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert uploads(app).job(token).state == "checked"
    assert "J-00000" in staff.get(f"/admin/import/jobs/{token}").get_data(as_text=True)
    done = staff.post(
        "/admin/import/confirm", data={"csrf_token": csrf(staff, "/admin/import"), "token": token}
    )
    assert done.status_code == 302 and uploads(app).job(token).state == "queued"
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert uploads(app).job(token).state == "done"
    assert count_stations(app) == 150


def test_import_stations_shows_how_far_reading_has_come(app, tmp_path):
    source = tmp_path / "national.csv"
    source.write_bytes(big_file(2500))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["import-stations", str(source)])
    assert result.exit_code == 0, result.output
    assert "Reading row 2,000…" in result.output and "Checking row 2,500 of 2,500…" in result.output
    assert "Created 2500" in result.output


@pytest.mark.redis
def test_with_redis_a_job_rq_lost_is_queued_again_once(app, staff, monkeypatch, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(redis_url)
    app.config["REDIS_URL"] = redis_url
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    queue = Queue(jobs.QUEUE, connection=connection)
    queue.empty()
    store = uploads(app)
    dead_job(store, ABC123, rows=80, state="queued", total=0, rq_id="gone-from-redis")
    assert jobs.resume_dead(app, store) == [ABC123]  # RQ no longer knows it: queued again
    assert jobs.resume_dead(app, store) == []  # now RQ holds it: not twice
    assert len(queue) == 1
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert store.job(ABC123).state == "done" and count_stations(app) == 80


def test_a_serving_app_resumes_dead_jobs_soon_after_it_starts(app, tmp_path, monkeypatch):
    """What a restarted server does with nobody on any page (`flask run`, gunicorn)."""
    from stationsite import create_app

    from .conftest import BASE_CONFIG

    instance = tmp_path / "restarted"
    store = jobs.Uploads(instance / "imports")
    dead_job(store, ABC123, rows=40, state="queued", total=0)
    monkeypatch.setenv("STATIONSITE_INSTANCE", str(instance))
    database = app.config["SQLALCHEMY_DATABASE_URI"]
    restarted = create_app({**BASE_CONFIG, "DATABASE_URL": database, "IMPORT_JOBS_WATCH": True})
    try:
        job = wait_for(restarted, ABC123)
        assert (job.state, job.created) == ("done", 40) and count_stations(app) == 40
    finally:
        jobs._watching[str(store.folder)].set()
        with restarted.app_context():
            db.engine.dispose()
