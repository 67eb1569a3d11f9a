import json
import secrets
from functools import partial
from pathlib import Path

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import maps, stations_io
from ..auth.access import admin_required
from ..catalogue import forget_cached_catalogue, save_facility
from ..extensions import db
from ..models import User
from ..operator.services import recent_audit
from ..stations.services import facility_catalogue, get_station_or_404
from ..stations_io.hours_words import describe
from ..users import UserError, create_user, update_user
from . import bp, importing
from . import stations as admin_stations
from .forms import ConfirmImportForm, FacilityForm, ImportForm, StationForm, UserForm

MAX_UPLOAD = 20 * 1024 * 1024


def _uploads() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _upload(token: str) -> Path:
    if not token.isalnum():
        abort(404)
    path = _uploads() / f"{token}.upload"
    if not path.exists():
        abort(404)
    return path


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html")


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_stations():
    form = ImportForm()
    if not form.validate_on_submit():
        return render_template("admin/import.html", form=form), 400 if form.errors else 200
    data = form.file.data.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        form.file.errors.append(_("The file is larger than 20 MB."))
        return render_template("admin/import.html", form=form), 400
    try:
        rows = stations_io.parse(data, form.file.data.filename or "", importing.service_area())
    except stations_io.ImportRefused as refused:
        form.file.errors.append(importing.say(refused.message))
        return render_template("admin/import.html", form=form), 400
    token = secrets.token_hex(16)
    (_uploads() / f"{token}.upload").write_bytes(data)
    (_uploads() / f"{token}.name").write_text(form.file.data.filename or "upload.csv")
    confirm = ConfirmImportForm(token=token)
    return render_template(
        "admin/import_preview.html",
        rows=sorted(rows, key=lambda row: (not row.errors, not row.warnings, row.number)),
        plan=stations_io.plan(rows),
        confirm=confirm,
        filename=form.file.data.filename,
        hours_in_words=partial(describe, lang=str(get_locale() or "zh")),
        say=importing.say,
    )


@bp.post("/import/confirm")
@admin_required
def import_confirm():
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    path = _upload(form.token.data)
    name = path.with_suffix(".name").read_text()
    try:
        rows = stations_io.parse(path.read_bytes(), name, importing.service_area())
    except stations_io.ImportRefused:
        abort(400)
    outcome = stations_io.apply(rows, by=current_user)
    db.session.commit()
    path.unlink(missing_ok=True)
    path.with_suffix(".name").unlink(missing_ok=True)
    flash(
        _(
            "Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged, "
            "%(failed)d rows with errors skipped.",
            created=len(outcome.created),
            updated=len(outcome.updated),
            unchanged=len(outcome.unchanged),
            failed=len(outcome.failed),
        ),
        "success",
    )
    return redirect(url_for("admin.index"))


@bp.get("/export.csv")
@admin_required
def export_csv():
    return Response(
        stations_io.export_csv(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=stations.csv"},
    )


@bp.get("/export.geojson")
@admin_required
def export_geojson():
    body = json.dumps(stations_io.export_geojson(), ensure_ascii=False)
    return Response(
        body,
        mimetype="application/geo+json",
        headers={"Content-Disposition": "attachment; filename=stations.geojson"},
    )


@bp.get("/stations")
@admin_required
def stations():
    query = request.args.get("q", "")[:80]
    return render_template("admin/stations.html", stations=admin_stations.search(query), q=query)


@bp.route("/stations/new", methods=["GET", "POST"])
@admin_required
def station_new():
    return _station_form(None)


@bp.route("/stations/<code>", methods=["GET", "POST"])
@admin_required
def station_edit(code: str):
    return _station_form(get_station_or_404(code))


def _station_form(station):
    form = StationForm(obj=station)
    if station is None and request.method == "GET":
        form.lat.data, form.lon.data = maps.map_center()
        form.status.data = "open"
    if form.validate_on_submit():
        if admin_stations.code_taken(form.code.data, station):
            form.code.errors.append(_("Another station already has this code."))
        else:
            saved = admin_stations.save_station(station, form.data, by=current_user)
            db.session.commit()
            flash(_("Station saved."), "success")
            return redirect(url_for("admin.station_edit", code=saved.code))
    lat = form.lat.data if isinstance(form.lat.data, float) else maps.map_center()[0]
    lon = form.lon.data if isinstance(form.lon.data, float) else maps.map_center()[1]
    return render_template(
        "admin/station_form.html",
        form=form,
        station=station,
        fmap=maps.station_map((lat, lon), 16),
        audit=recent_audit(station) if station else [],
    ), 400 if form.errors else 200


@bp.get("/users")
@admin_required
def users():
    return render_template(
        "admin/users.html",
        users=db.session.scalars(select(User).order_by(User.role, User.username)).all(),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def user_new():
    return _user_form(None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_required
def user_edit(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return _user_form(user)


def _user_form(user):
    form = UserForm(obj=user)
    if request.method == "GET" and user is not None:
        form.stations.data = ", ".join(s.code for s in user.stations)
        form.active.data = "1" if user.active else "0"
        form.role.data = user.role.value
    if form.validate_on_submit():
        try:
            if user is None:
                if not form.password.data:
                    raise UserError(_("A new account needs a password."))
                user = create_user(
                    form.username.data, form.password.data, form.role.data, form.codes()
                )
            update_user(
                user,
                display_name=form.display_name.data or "",
                role=form.role.data,
                station_codes=form.codes(),
                active=form.active.data == "1",
                password=form.password.data or None,
            )
        except UserError as error:
            db.session.rollback()
            target = (
                form.stations
                if "station" in str(error)
                else (form.password if "password" in str(error) else form.username)
            )
            target.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Account saved."), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user), (
        400 if form.errors else 200
    )


@bp.route("/facilities", methods=["GET", "POST"])
@admin_required
def facilities():
    form = FacilityForm()
    if form.validate_on_submit():
        save_facility(
            form.code.data,
            form.name_zh.data,
            form.name_en.data,
            icon=form.icon.data or "",
            lendable=form.lendable.data == "1",
            sort_order=form.sort_order.data or 500,
            by=current_user,
        )
        db.session.commit()
        forget_cached_catalogue()
        flash(_("Catalogue saved."), "success")
        return redirect(url_for("admin.facilities"))
    return render_template("admin/facilities.html", form=form, facilities=facility_catalogue()), (
        400 if form.errors else 200
    )
