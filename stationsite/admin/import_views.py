"""Importing stations: upload, preview every row, confirm. A file over BACKGROUND_BYTES (about
2,000 rows) is read and checked in a background job, with its progress on a page of its own
that then shows the preview; confirming it imports it in a background job too."""

from __future__ import annotations

import re
import secrets
import sys
from functools import partial
from pathlib import Path

import click
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import stations_io
from ..auth.access import admin_required
from ..extensions import db
from ..stations_io import jobs
from ..stations_io.hours_words import describe
from ..stations_io.preview import summarize
from . import bp, importing
from .forms import ConfirmImportForm, ImportForm

MAX_UPLOAD = 20 * 1024 * 1024
BACKGROUND_BYTES = 256 * 1024  # larger files are checked and imported as jobs
ABANDONED_S = 24 * 3600

TOKEN = re.compile(r"[0-9a-f]{32}")  # secrets.token_hex(16), the upload's name


def _uploads(app=None) -> jobs.Uploads:
    return jobs.Uploads(Path((app or current_app).instance_path) / "imports")


def _background(app=None) -> int:
    return (app or current_app).config.get("IMPORT_BACKGROUND_BYTES", BACKGROUND_BYTES)


def _token(token: str) -> str:
    """An upload's name as we gave it (secrets.token_hex(16)); anything else names no file."""
    if not TOKEN.fullmatch(token):
        abort(404)
    return token


@bp.record_once
def _watch_jobs(state) -> None:
    """A serving process resumes interrupted import jobs on its own, a moment after start-up;
    commands (other than `flask run`) and tests do not."""
    app = state.app
    serving = click.get_current_context(silent=True) is None or "run" in sys.argv[1:]
    if app.config.get("IMPORT_JOBS_WATCH", not app.testing and serving):
        jobs.watch(app, _uploads(app))


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_stations():
    uploads, form = _uploads(), ImportForm()
    uploads.sweep(current_app.config.get("IMPORT_ABANDONED_S", ABANDONED_S))
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form), 400 if form.errors else 200
    data, filename = form.file.data.read(MAX_UPLOAD + 1), form.file.data.filename or "upload.csv"
    if len(data) > MAX_UPLOAD:
        form.file.errors.append(_("The file is larger than 20 MB."))
        return render_template("admin/import.html", form=form), 400
    token = secrets.token_hex(16)
    if len(data) > _background():
        uploads.keep(token, data, filename)
        jobs.start_check(current_app._get_current_object(), uploads, token, current_user)
        return redirect(url_for("admin.import_job", token=token))
    try:
        rows = stations_io.parse(data, filename, importing.service_area())
    except stations_io.ImportRefused as refused:
        form.file.errors.append(importing.say(refused.message))
        return render_template("admin/import.html", form=form), 400
    uploads.keep(token, data, filename)
    return _preview(summarize(rows, stations_io.plan(rows), filename), token)


def _preview(preview, token: str):
    return render_template(
        "admin/import_preview.html",
        preview=preview,
        confirm=ConfirmImportForm(token=token),
        hours_in_words=partial(describe, lang=str(get_locale() or "zh")),
        say=importing.say,
        facility_names=importing.facility_names,
    )


@bp.post("/import/confirm")
@admin_required
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    uploads, token = _uploads(), _token(form.token.data)
    if uploads.size(token) > _background():
        job = uploads.job(token)
        if job is not None and job.state != "checked":
            return redirect(url_for("admin.import_job", token=token))  # confirmed already
        jobs.start(current_app._get_current_object(), uploads, token, current_user)
        return redirect(url_for("admin.import_job", token=token))
    upload = uploads.read(token)
    if upload is None:
        abort(404)
    try:
        rows = stations_io.parse(*upload, importing.service_area())
    except stations_io.ImportRefused:
        abort(400)
    outcome = stations_io.apply(rows, by=current_user)
    db.session.commit()
    uploads.forget(token)
    flash(_imported(outcome), "success")
    return redirect(url_for("admin.index"))


def _imported(outcome) -> str:
    return _(
        "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
        "%(failed)d rows with errors skipped.",
        created=len(outcome.created),
        updated=len(outcome.updated),
        unchanged=len(outcome.unchanged),
        failed=len(outcome.failed),
    )


@bp.get("/import/jobs/<token>")
@admin_required
def import_job(token: str):
    uploads = _uploads()
    job = uploads.job(_token(token))
    if job is None:
        abort(404)
    if job.state == "checked":
        preview = uploads.preview(token)
        return _preview(preview, token) if preview is not None else abort(404)
    if jobs.dead(current_app._get_current_object(), uploads, job):
        jobs.resume_dead(current_app._get_current_object(), uploads)
    problem = _(job.problem, **(job.problem_params or {})) if job.problem else ""
    return render_template("admin/import_job.html", job=job, problem=problem)


@bp.get("/import/jobs/<token>.json")
@admin_required
def import_job_json(token: str):
    job = _uploads().job(_token(token))
    if job is None:
        abort(404)
    return {"state": job.state, "read": job.read, "checked": job.checked, "total": job.total,
            "done": job.done, "created": job.created, "updated": job.updated,
            "unchanged": job.unchanged, "failed": job.failed}  # fmt: skip
