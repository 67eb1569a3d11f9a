import math

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import maps, stations_io
from ..auth.access import admin_required
from ..catalogue import forget_cached_catalogue, save_facility
from ..extensions import db
from ..models import User
from ..operator.services import recent_audit, removed_facilities
from ..stations.services import facility_catalogue, get_station_or_404
from ..users import UserError, create_user, update_user
from . import bp
from . import stations as admin_stations
from .forms import FacilityForm, StationForm, UserForm


@bp.get("/")
@admin_required
def index():
    return render_template("admin/index.html")


@bp.get("/export.csv")
@admin_required
def export_csv():
    return Response(
        stream_with_context(stations_io.csv_chunks()),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=stations.csv"},
    )


@bp.get("/export.geojson")
@admin_required
def export_geojson():
    return Response(
        stream_with_context(stations_io.geojson_chunks()),
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
    return render_template(
        "admin/station_form.html",
        form=form,
        station=station,
        fmap=maps.station_map(_pin(form), 16),
        audit=recent_audit(station) if station else [],
        removed=removed_facilities(station) if station else [],
    ), 400 if form.errors else 200


def _pin(form) -> tuple[float, float]:
    """Where the form's map centres: the typed position once it is a valid one."""
    typed = (form.lat.data, form.lon.data)
    if form.lat.errors or form.lon.errors or not all(isinstance(v, float) for v in typed):
        return maps.map_center()
    return typed if all(map(math.isfinite, typed)) else maps.map_center()


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
    if user is not None and not isinstance(form.stations.data, str):  # the user's, not typed
        form.stations.data = ", ".join(s.code for s in user.stations)
    if request.method == "GET" and user is not None:
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
