from datetime import UTC, datetime

from flask import render_template, request

from .. import hours
from ..i18n import current_lang
from ..maps import station_map
from . import bp
from .cards import marker, station_card
from .forms import StationFilterForm
from .presenters import describe, facility_rows, week_rows
from .services import (
    closure_end,
    facility_catalogue,
    find_stations,
    get_station_or_404,
    station_status,
)

FILTER_FACILITIES = (
    "microwave",
    "drinking_water",
    "hot_water",
    "toilet",
    "phone_charging",
    "seating",
    "air_conditioning",
    "aed",
)


@bp.get("/")
def index():
    lang, now = current_lang(), datetime.now(UTC)
    form = StationFilterForm(request.args)
    catalogue = [f for f in facility_catalogue() if f.code in FILTER_FACILITIES]
    form.set_facility_choices(catalogue, lang)
    form.validate()
    rows = find_stations(
        kind=form.kind.data if not form.kind.errors else None,
        facilities=[] if form.facility.errors else form.facility.data,
        open_now=True if form.open_now.data else None,
        at=now,
    )
    cards = sorted((station_card(s, st, now, lang) for s, st in rows), key=lambda c: c["rank"])
    fmap = station_map([marker(card) for card in cards])
    return render_template("stations/index.html", form=form, cards=cards, fmap=fmap)


@bp.get("/stations/<code>")
def detail(code: str):
    station = get_station_or_404(code)
    lang, now = current_lang(), datetime.now(UTC)
    status = station_status(station, now)
    week = hours.week(station.opening_hours, now.astimezone(hours.SHANGHAI).date())
    return render_template(
        "stations/detail.html",
        station=station,
        status=status,
        status_text=describe(status, now),
        week=week_rows(week, closure_end(station)),
        facilities=facility_rows(station, status, now, lang),
        describe=lambda st: describe(st, now),
    )
