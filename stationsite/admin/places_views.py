"""Importing the gazetteer from the admin pages: upload a places file (OpenStreetMap XML,
GeoJSON or CSV), preview every place and every row that cannot be used, confirm. The same
reader and saver as `import-places` (stationsite/locator/places_io.py, gazetteer.save_places)."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import InputRequired

from ..auth.access import admin_required
from ..extensions import db
from ..locator.gazetteer import district_near, plan_places, save_places
from ..locator.places_io import read_data
from ..stations.places import kind_label
from ..stations_io.jobs import Uploads
from . import bp, importing
from .import_views import TOKEN

MAX_UPLOAD = 20 * 1024 * 1024
SHOWN = 300  # places listed in the preview; errors are always all listed
ABANDONED_S = 24 * 3600


class PlacesFileForm(FlaskForm):
    file = FileField(
        _l("OpenStreetMap (.osm or .osm.pbf), GeoJSON or CSV file"),
        validators=[
            FileRequired(_l("Choose a file.")),
            FileAllowed(
                ["osm", "pbf", "xml", "geojson", "json", "csv"],
                _l("Only OpenStreetMap (.osm, .osm.pbf), GeoJSON or CSV files."),
            ),
        ],
    )


class ConfirmPlacesForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])


def _uploads() -> Uploads:
    return Uploads(Path(current_app.instance_path) / "place-imports")


@bp.route("/places/import", methods=["GET", "POST"])
@admin_required
def import_places():
    form, uploads = PlacesFileForm(), _uploads()
    uploads.sweep(ABANDONED_S)
    if not form.validate_on_submit():
        return render_template("admin/places_import.html", form=form), 400 if form.errors else 200
    data, filename = form.file.data.read(MAX_UPLOAD + 1), form.file.data.filename or "places"
    if len(data) > MAX_UPLOAD:
        form.file.errors.append(_("The file is larger than 20 MB."))
        return render_template("admin/places_import.html", form=form), 400
    rows, errors = read_data(data, filename)
    if not rows and errors and errors[0].row == "-":  # the file as a whole cannot be read
        form.file.errors.append(importing.say(errors[0].message))
        return render_template("admin/places_import.html", form=form), 400
    token = secrets.token_hex(16)
    uploads.keep(token, data, filename)
    return render_template(
        "admin/places_preview.html",
        filename=filename,
        places=_planned(rows),
        shown=SHOWN,
        errors=errors,
        confirm=ConfirmPlacesForm(token=token),
        say=importing.say,
        kind_label=kind_label,
    )


def _planned(rows) -> list[tuple]:
    """Each place with what importing does to it and the district it will have (a road from
    OSM rarely names one: it takes that of the stations near it), for the preview."""
    plan = plan_places(rows)
    return [
        (row, action, row.district or (district_near(row.lat, row.lon) if n < SHOWN else ""))
        for n, (row, action) in enumerate(zip(rows, plan, strict=True))
    ]


@bp.post("/places/import/confirm")
@admin_required
def import_places_confirm():
    form = ConfirmPlacesForm()
    if not form.validate_on_submit() or not TOKEN.fullmatch(form.token.data):
        abort(400)
    uploads = _uploads()
    upload = uploads.read(form.token.data)
    if upload is None:
        abort(404)
    rows, errors = read_data(*upload)
    added, updated = save_places(rows)
    db.session.commit()
    uploads.forget(form.token.data)
    flash(
        _(
            "Places imported: %(added)d added, %(updated)d updated, %(failed)d rows with errors "
            "skipped.",
            added=added,
            updated=updated,
            failed=len(errors),
        ),
        "success",
    )
    return redirect(url_for("admin.index"))
