"""Large files as background jobs: checking them for the preview, then importing them once the
clerk confirms. On RQ over Redis when `REDIS_URL` is set, in a thread of the web process
otherwise. A job's state lives in a small JSON file beside its upload in the instance folder,
so the page can show progress, the preview waits there for the clerk, an interrupted job is
resumed on its own (`watch`, `resume_dead`; applying is idempotent, and finished batches are
skipped), and the upload is deleted when the job is done or abandoned.

A job runs only while it holds its lock file (an flock, freed by the system when the process
dies), so the same job never runs twice at once on one machine.

RQ workers run `rq worker stationsite-imports --url $REDIS_URL` with the same environment as the
site; the job builds its own app.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask

from ..extensions import db
from ..models import User
from .messages import ImportRefused, Message, _n
from .positions import ServiceArea
from .preview import Preview, summarize
from .reading import Progress

QUEUE = "stationsite-imports"
BATCH_ROWS = 1000  # committed together; a resumed job starts after the last batch saved
STALE_S = 120  # an RQ job whose heartbeat is older than this, and which RQ no longer holds, died
SAVE_EVERY_S = 0.5  # progress is written at most this often
GRACE_S = 5  # a job just started may not hold its lock yet
STOPPED = _n("The import stopped because of an error. The rows imported so far are saved.")
GONE = _n("The uploaded file is no longer there. Please upload it again.")
WORKING = ("checking", "queued", "running")  # someone should be working on these


@dataclass
class Job:
    token: str
    by: int | None = None
    state: str = "queued"  # checking, checked (preview waits), queued, running, done, failed
    filename: str = ""
    read: int = 0  # rows read from the file so far, before the total is known
    checked: int = 0  # rows checked of `total`
    total: int = 0
    done: int = 0  # rows imported
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problem: str = ""  # the English message, translated on the page
    problem_params: dict | None = None
    heartbeat: float = 0.0
    rq_id: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def reading(self) -> bool:
        """Still reading and checking the file (for the preview, or again to import it)."""
        return self.state in ("checking", "running") and (
            not self.total or self.checked < self.total
        )


class Uploads:
    """Uploaded files waiting for confirmation, their previews, and the jobs importing them."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, token: str, suffix: str) -> Path:
        return self.folder / f"{token}.{suffix}"

    def keep(self, token: str, data: bytes, filename: str) -> None:
        self.path(token, "upload").write_bytes(data)
        self.path(token, "name").write_text(filename)

    def read(self, token: str) -> tuple[bytes, str] | None:
        upload = self.path(token, "upload")
        if not upload.exists():
            return None
        return upload.read_bytes(), self.path(token, "name").read_text()

    def size(self, token: str) -> int:
        upload = self.path(token, "upload")
        return upload.stat().st_size if upload.exists() else 0

    def forget(self, token: str) -> None:
        for suffix in ("upload", "name", "preview"):
            self.path(token, suffix).unlink(missing_ok=True)

    def save(self, job: Job) -> None:
        job.heartbeat = time.time()
        self._write(job.token, "job", asdict(job))

    def job(self, token: str) -> Job | None:
        try:
            return Job(**json.loads(self.path(token, "job").read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def jobs(self) -> list[Job]:
        return [job for p in self.folder.glob("*.job") if (job := self.job(p.stem)) is not None]

    def save_preview(self, token: str, preview: Preview) -> None:
        self._write(token, "preview", preview.to_json())

    def preview(self, token: str) -> Preview | None:
        try:
            return Preview.from_json(json.loads(self.path(token, "preview").read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            return None

    def _write(self, token: str, suffix: str, value: dict) -> None:
        temporary = self.path(token, f"{suffix}.tmp")
        temporary.write_text(json.dumps(value, ensure_ascii=False))
        os.replace(temporary, self.path(token, suffix))

    @contextmanager
    def lock(self, token: str) -> Iterator[bool]:
        """Whether this caller holds the job's lock (never waits for it)."""
        with open(self.path(token, "lock"), "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def running_here(self, token: str) -> bool:
        with self.lock(token) as free:
            return not free

    def sweep(self, max_age_s: float) -> None:
        """Delete uploads and previews nobody confirmed (also previews checked in the
        background and never imported), and the records of long finished jobs."""
        cutoff = time.time() - max_age_s
        for upload in self.folder.glob("*.upload"):
            job = self.job(upload.stem)
            waiting = job is None or job.finished or job.state == "checked"
            if upload.stat().st_mtime < cutoff and waiting:
                self.forget(upload.stem)
        for record in self.folder.glob("*.job"):
            job = self.job(record.stem) or Job("", state="failed")
            if record.stat().st_mtime < cutoff and (job.finished or job.state == "checked"):
                self.forget(record.stem)
                for suffix in ("job", "lock"):
                    self.path(record.stem, suffix).unlink(missing_ok=True)


# --- starting and resuming --------------------------------------------------------------


def start_check(app: Flask, uploads: Uploads, token: str, by: User | None) -> Job:
    """Read and check a kept upload in the background; its preview waits for the clerk."""
    filename = uploads.path(token, "name").read_text()
    job = Job(token, by=by.id if by else None, state="checking", filename=filename)
    uploads.save(job)
    launch(app, uploads, job)
    return job


def start(app: Flask, uploads: Uploads, token: str, by: User | None) -> Job:
    """Import a kept upload (the clerk has confirmed its preview)."""
    job = uploads.job(token) or Job(token)
    job.by, job.state, job.read, job.checked, job.total = by.id if by else None, "queued", 0, 0, 0
    uploads.save(job)
    uploads.path(token, "preview").unlink(missing_ok=True)
    launch(app, uploads, job)
    return job


def launch(app: Flask, uploads: Uploads, job: Job) -> None:
    if _queue(app) is not None:
        job.rq_id = _queue(app).enqueue(run_job, str(uploads.folder), job.token,
                                        job_timeout=6 * 3600).id  # fmt: skip
        uploads.save(job)
        return
    thread = threading.Thread(
        target=run, args=(app, uploads, job.token), name=f"import-{job.token}", daemon=True
    )
    thread.start()


def _queue(app: Flask):
    url = app.config.get("REDIS_URL")
    if not url or app.config.get("IMPORT_JOBS_IN_PROCESS"):
        return None
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(url))


def dead(app: Flask, uploads: Uploads, job: Job) -> bool:
    """A job that should be working but that nothing runs any more: its process died."""
    if job.state not in WORKING or time.time() - job.heartbeat < GRACE_S:
        return False
    if uploads.running_here(job.token):
        return False
    queue = _queue(app)
    if queue is None:
        return True  # in process: a live job holds its lock
    if time.time() - job.heartbeat < STALE_S:
        return False
    from rq.exceptions import NoSuchJobError
    from rq.job import Job as QueuedJob

    try:
        status = QueuedJob.fetch(job.rq_id, connection=queue.connection).get_status()
    except NoSuchJobError:
        return True
    return str(getattr(status, "value", status)) not in ("queued", "started", "deferred")


def resume_dead(app: Flask, uploads: Uploads) -> list[str]:
    """Start again every job whose process died (after a restart or a crash); a job whose
    upload is gone ends with that said. One caller at a time scans the folder."""
    resumed = []
    with uploads.lock("resume") as mine:
        if not mine:
            return resumed
        for job in uploads.jobs():
            if not dead(app, uploads, job):
                continue
            if uploads.read(job.token) is None:
                _finish(uploads, job, "failed", GONE)
                continue
            uploads.save(job)  # a fresh heartbeat: one resumption, not one per scan
            launch(app, uploads, job)
            resumed.append(job.token)
    return resumed


_watching: dict[str, threading.Event] = {}


def watch(
    app: Flask, uploads: Uploads, every_s: float = 10.0, first_s: float = 2.0
) -> threading.Event:
    """In the background of a serving process: resume dead jobs and delete abandoned uploads
    now and then, the first time a moment after start-up (start-up never waits for it).
    Setting the returned event stops the watcher."""
    if str(uploads.folder) in _watching:
        return _watching[str(uploads.folder)]
    stop = _watching[str(uploads.folder)] = threading.Event()

    def loop() -> None:
        stop.wait(first_s)
        while not stop.is_set():
            try:
                resume_dead(app, uploads)
                uploads.sweep(app.config.get("IMPORT_ABANDONED_S", 24 * 3600))
            except Exception:  # never let the watcher die: the next pass tries again
                app.logger.exception("import jobs: resuming failed")
            stop.wait(every_s)
        _watching.pop(str(uploads.folder), None)

    threading.Thread(target=loop, name="import-jobs-watch", daemon=True).start()
    return stop


# --- running ----------------------------------------------------------------------------


def run_job(folder: str, token: str) -> None:
    """The RQ entry point: a worker process has no app yet."""
    from .. import create_app

    run(create_app({"IMPORT_JOBS_WATCH": False}), Uploads(Path(folder)), token)


def run(app: Flask, uploads: Uploads, token: str) -> None:
    with uploads.lock(token) as mine, app.app_context():
        if not mine:
            return  # another thread or process runs it
        try:
            job, upload = uploads.job(token), uploads.read(token)
            if job is None or job.state not in WORKING:
                return
            if upload is None:
                return _finish(uploads, job, "failed", GONE)
            (_check if job.state == "checking" else _import)(app, uploads, job, upload)
        except Exception:  # a job must end with a state the page can show, never silently
            app.logger.exception("import job %s stopped", token)
            db.session.rollback()
            job = uploads.job(token)
            if job is not None:
                _finish(uploads, job, "failed", STOPPED)
        finally:
            db.session.remove()


class JobProgress(Progress):
    """Reading progress written into the job's record, at most every SAVE_EVERY_S."""

    def __init__(self, uploads: Uploads, job: Job) -> None:
        self.uploads, self.job, self.saved = uploads, job, 0.0

    def reading(self, rows: int) -> None:
        self.job.read = rows
        self._save()

    def checking(self, done: int, total: int) -> None:
        self.job.checked, self.job.total = done, total
        self._save()

    def _save(self) -> None:
        if time.monotonic() - self.saved >= SAVE_EVERY_S:
            self.uploads.save(self.job)
            self.saved = time.monotonic()


def _parse(app: Flask, uploads: Uploads, job: Job, upload: tuple[bytes, str]):
    from . import parse

    job.read, job.checked, job.total = 0, 0, 0
    uploads.save(job)
    area = ServiceArea.parse(app.config.get("SERVICE_AREA"))
    return parse(*upload, area, JobProgress(uploads, job))


def _check(app: Flask, uploads: Uploads, job: Job, upload: tuple[bytes, str]) -> None:
    from . import plan

    try:
        rows = _parse(app, uploads, job, upload)
    except ImportRefused as refused:
        return _finish(uploads, job, "failed", refused.message)
    uploads.save_preview(job.token, summarize(rows, plan(rows), upload[1]))
    job.state, job.checked, job.total = "checked", len(rows), len(rows)
    uploads.save(job)


def _import(app: Flask, uploads: Uploads, job: Job, upload: tuple[bytes, str]) -> None:
    from . import apply

    job.state = "running"
    try:
        rows = _parse(app, uploads, job, upload)
    except ImportRefused as refused:
        return _finish(uploads, job, "failed", refused.message)
    job.total = job.checked = len(rows)
    by = db.session.get(User, job.by) if job.by else None
    for start_row in range(job.done, len(rows), BATCH_ROWS):
        outcome = apply(rows[start_row : start_row + BATCH_ROWS], by=by)
        db.session.commit()
        job.done = min(start_row + BATCH_ROWS, len(rows))
        for name in ("created", "updated", "unchanged", "failed"):
            setattr(job, name, getattr(job, name) + len(getattr(outcome, name)))
        uploads.save(job)
    _finish(uploads, job, "done")


def _finish(uploads: Uploads, job: Job, state: str, problem: Message | None = None) -> None:
    uploads.forget(job.token)  # first: a finished job never has an upload left
    job.state = state
    if problem is not None:
        job.problem, job.problem_params = problem.text, dict(problem.params)
    uploads.save(job)
