"""Importing stations: upload, preview every row, confirm; large files run as a background job
with its progress on a page of its own."""

from __future__ import annotations

import secrets
from functools import partial
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import stations_io
from ..auth.access import admin_required
from ..extensions import db
from ..stations_io import jobs
from ..stations_io.hours_words import describe
from . import bp, importing
from .forms import ConfirmImportForm, ImportForm

MAX_UPLOAD = 20 * 1024 * 1024
PREVIEW_ROWS = 500  # rows with problems come first; a national file is not one page
BACKGROUND_BYTES = 256 * 1024  # larger files import as a job (about 2,000 rows and more)
ABANDONED_S = 24 * 3600


def _uploads() -> jobs.Uploads:
    return jobs.Uploads(Path(current_app.instance_path) / "imports")


def _token(token: str) -> str:
    if not token.isalnum():
        abort(404)
    return token


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
    try:
        rows = stations_io.parse(data, filename, importing.service_area())
    except stations_io.ImportRefused as refused:
        form.file.errors.append(importing.say(refused.message))
        return render_template("admin/import.html", form=form), 400
    token = secrets.token_hex(16)
    uploads.keep(token, data, filename)
    return _preview(rows, filename, token)


def _preview(rows, filename: str, token: str):
    ordered = sorted(rows, key=lambda row: (not row.errors, not row.warnings, row.number))
    return render_template(
        "admin/import_preview.html",
        rows=rows,
        shown=ordered[:PREVIEW_ROWS],
        plan=stations_io.plan(rows),
        confirm=ConfirmImportForm(token=token),
        filename=filename,
        hours_in_words=partial(describe, lang=str(get_locale() or "zh")),
        say=importing.say,
    )


@bp.post("/import/confirm")
@admin_required
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    uploads, token = _uploads(), _token(form.token.data)
    upload = uploads.read(token)
    if upload is None:
        abort(404)
    if len(upload[0]) > current_app.config.get("IMPORT_BACKGROUND_BYTES", BACKGROUND_BYTES):
        jobs.start(current_app._get_current_object(), uploads, token, current_user)
        return redirect(url_for("admin.import_job", token=token))
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
    jobs.resume_if_stale(current_app._get_current_object(), uploads, job)
    problem = _(job.problem, **(job.problem_params or {})) if job.problem else ""
    return render_template("admin/import_job.html", job=job, problem=problem)


@bp.get("/import/jobs/<token>.json")
@admin_required
def import_job_json(token: str):
    job = _uploads().job(_token(token))
    if job is None:
        abort(404)
    return {"state": job.state, "done": job.done, "total": job.total, "created": job.created,
            "updated": job.updated, "unchanged": job.unchanged, "failed": job.failed}  # fmt: skip
