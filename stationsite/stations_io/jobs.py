"""Large imports as background jobs: on RQ over Redis when `REDIS_URL` is set, in a thread of
the web process otherwise. A job's state lives in a small JSON file beside its upload in the
instance folder, so the page can show progress, a restart can resume it (applying is
idempotent, and finished batches are skipped), and the upload is deleted when the job is done
or abandoned.

RQ workers run `rq worker stationsite-imports --url $REDIS_URL` with the same environment as the
site; the job builds its own app.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask

from ..extensions import db
from ..models import User
from .messages import ImportRefused, Message, _n
from .positions import ServiceArea

QUEUE = "stationsite-imports"
BATCH_ROWS = 1000  # committed together; a resumed job starts after the last batch saved
STALE_S = 120  # a running job whose heartbeat is older than this has died with its process
STOPPED = _n("The import stopped because of an error. The rows imported so far are saved.")


@dataclass
class Job:
    token: str
    by: int | None = None
    state: str = "queued"  # queued, running, done, failed
    total: int = 0
    done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    problem: str = ""  # the English message, translated on the page
    problem_params: dict | None = None
    heartbeat: float = 0.0

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    @property
    def stale(self) -> bool:
        return not self.finished and time.time() - self.heartbeat > STALE_S


class Uploads:
    """Uploaded files waiting for confirmation, and the jobs importing them."""

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

    def forget(self, token: str) -> None:
        for suffix in ("upload", "name"):
            self.path(token, suffix).unlink(missing_ok=True)

    def save(self, job: Job) -> None:
        job.heartbeat = time.time()
        temporary = self.path(job.token, "job.tmp")
        temporary.write_text(json.dumps(asdict(job)))
        os.replace(temporary, self.path(job.token, "job"))

    def job(self, token: str) -> Job | None:
        try:
            return Job(**json.loads(self.path(token, "job").read_text()))
        except (OSError, ValueError, TypeError):
            return None

    def sweep(self, max_age_s: float) -> None:
        """Delete uploads nobody confirmed, and the records of long finished jobs."""
        cutoff = time.time() - max_age_s
        for upload in self.folder.glob("*.upload"):
            job = self.job(upload.stem)
            if upload.stat().st_mtime < cutoff and (job is None or job.finished):
                self.forget(upload.stem)
        for record in self.folder.glob("*.job"):
            if record.stat().st_mtime < cutoff and (self.job(record.stem) or Job("")).finished:
                record.unlink(missing_ok=True)


def start(app: Flask, uploads: Uploads, token: str, by: User | None) -> Job:
    job = Job(token, by=by.id if by else None)
    uploads.save(job)
    _launch(app, uploads, token)
    return job


def resume_if_stale(app: Flask, uploads: Uploads, job: Job) -> None:
    if job.stale and uploads.read(job.token) is not None:
        uploads.save(job)  # a fresh heartbeat: one resumption, not one per page view
        _launch(app, uploads, job.token)


def _launch(app: Flask, uploads: Uploads, token: str) -> None:
    url = app.config.get("REDIS_URL")
    if url and not app.config.get("IMPORT_JOBS_IN_PROCESS"):
        from redis import Redis
        from rq import Queue

        queue = Queue(QUEUE, connection=Redis.from_url(url))
        queue.enqueue(run_job, str(uploads.folder), token, job_timeout=6 * 3600)
        return
    thread = threading.Thread(
        target=run, args=(app, uploads, token), name=f"import-{token}", daemon=True
    )
    thread.start()


def run_job(folder: str, token: str) -> None:
    """The RQ entry point: a worker process has no app yet."""
    from .. import create_app

    run(create_app(), Uploads(Path(folder)), token)


def run(app: Flask, uploads: Uploads, token: str) -> None:
    with app.app_context():
        try:
            _import(app, uploads, token)
        except Exception:  # a job must end with a state the page can show, never silently
            app.logger.exception("import job %s stopped", token)
            db.session.rollback()
            job = uploads.job(token)
            if job is not None:
                _finish(uploads, job, "failed", STOPPED)
        finally:
            db.session.remove()


def _import(app: Flask, uploads: Uploads, token: str) -> None:
    from . import apply, parse

    job, upload = uploads.job(token), uploads.read(token)
    if job is None or upload is None or job.finished:
        return
    job.state = "running"
    try:
        rows = parse(*upload, ServiceArea.parse(app.config.get("SERVICE_AREA")))
    except ImportRefused as refused:
        return _finish(uploads, job, "failed", refused.message)
    job.total = len(rows)
    by = db.session.get(User, job.by) if job.by else None
    for start in range(job.done, len(rows), BATCH_ROWS):
        outcome = apply(rows[start : start + BATCH_ROWS], by=by)
        db.session.commit()
        job.done = min(start + BATCH_ROWS, len(rows))
        for name in ("created", "updated", "unchanged", "failed"):
            setattr(job, name, getattr(job, name) + len(getattr(outcome, name)))
        uploads.save(job)
    _finish(uploads, job, "done")


def _finish(uploads: Uploads, job: Job, state: str, problem: Message | None = None) -> None:
    job.state = state
    if problem is not None:
        job.problem, job.problem_params = problem.text, dict(problem.params)
    uploads.save(job)
    uploads.forget(job.token)
