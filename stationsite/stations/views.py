from urllib.parse import urlencode

from flask import Response, render_template, request

from .. import hours
from ..catalogue import facility_list
from ..feedback.follow import public_url
from ..feedback.public import public_voice
from ..hours import this_minute
from ..i18n import current_lang
from ..locator import index as idx
from ..locator.rider import answer
from ..maps import map_center
from ..reports.coverage import record_search
from . import bp
from .cards import station_card
from .demo_note import demo_data_loaded
from .forms import LocatorForm
from .hours_text import break_rows, summary
from .icons import icon_id, sprite
from .offline import worker_url
from .page_cache import cached_map, cached_pin_map, home_page
from .places import kind_label, place_choices
from .presenters import describe, facility_rows, still_available, week_rows
from .services import (
    closure_end,
    get_station_or_404,
    station_status,
)
from .suggest import relax_links, soonest_card
from .trip import origin_from, trip

bp.add_app_template_global(icon_id, "facility_icon")
bp.add_app_template_global(demo_data_loaded)
bp.add_app_template_global(worker_url)

FILTER_FACILITIES = (
    "microwave",
    "drinking_water",
    "hot_water",
    "toilet",
    "phone_charging",
    "ebike_charging",
    "seating",
    "air_conditioning",
    "aed",
    "umbrella_loan",
)


@bp.get("/")
def index():
    return home_page(_index)


def _index() -> tuple[str, bool]:
    """The home page, and whether it may be kept for others (no rider position in it)."""
    lang, now = current_lang(), this_minute()
    form = LocatorForm(request.args)
    offered = [f for f in facility_list() if f.code in FILTER_FACILITIES]
    form.set_facility_choices(offered, lang)
    form.validate()
    filters = idx.Filters(
        kind=form.valid(form.kind) or None,
        facilities=[] if form.facility.errors else form.facility.data,
        open=form.valid(form.open) or None,
        h24=bool(form.h24.data),
        mode=form.valid(form.mode),
    )
    near = "" if form.near.errors else (form.near.data or "")
    found = answer(form.origin, form.valid(form.q) or "", filters, now, near)
    if found.origin is not None:
        record_search(*found.origin, filters, now, source="web")
    cards = [station_card(s, hit, now, lang, found.origin) for s, hit in found.rows]
    if found.origin is None:
        cards.sort(key=lambda card: card["rank"])
    center = found.origin or map_center()
    fmap = cached_map(center, 15 if found.origin else 11)
    page = render_template(
        "stations/index.html",
        form=form,
        cards=cards,
        found=found,
        fmap=fmap,
        fit=_bounds(found),
        picked=PICKED,
        asked=filters.facilities,
        map_filters=_map_filters(filters, lang),
        filtering=_filter_count(filters),
        soonest=soonest_card(found, now, lang),
        relaxed=relax_links(found, request.args, {f.code: f.name(lang) for f in offered}, lang),
        choices=place_choices(found.choices, request.args, lang),
        place_kind=kind_label,
    )
    return page, found.origin is None


PICKED = 10  # result pins marked on the map, as templates/stations/index.html marks them


def _bounds(found) -> list | None:
    """The rider and every result the map marks as picked (the first ten cards), for the map to
    frame clear of its controls: a picked pin outside the frame could sit under one."""
    if found.origin is None:
        return None
    points = [found.origin] + [(s.lat, s.lon) for s, _hit in found.rows[:PICKED]]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


def _filter_count(filters: idx.Filters) -> int:
    return len(filters.facilities) + sum(map(bool, (filters.kind, filters.open, filters.h24)))


def _map_filters(filters: idx.Filters, lang: str) -> str:
    pairs = {
        "kind": filters.kind,
        "facility": ",".join(filters.facilities),
        "open_now": "1" if filters.open else None,
        "h24": "1" if filters.h24 else None,
        "lang": lang,
    }
    return urlencode({key: value for key, value in pairs.items() if value})


@bp.get("/stations/<code>")
def detail(code: str):
    station = get_station_or_404(code)
    lang, now = current_lang(), this_minute()
    status = station_status(station, now)
    today = now.astimezone(hours.SHANGHAI).date()
    week = hours.week(station.opening_hours, today, (station.lat, station.lon))
    facilities = facility_rows(station, status, now, lang)
    for row in facilities:
        row["hours_text"] = summary(row["hours"])
    return render_template(
        "stations/detail.html",
        station=station,
        status=status,
        status_text=describe(status, now),
        still_available=still_available(station, status, now, lang),
        week=week_rows(week, closure_end(station)),
        facilities=facilities,
        hours_summary=summary(station.opening_hours),
        holiday_rows=break_rows(station.opening_hours, today),
        describe=lambda st: describe(st, now),
        trip=trip(station, origin_from(request.args)),
        pin_map=cached_pin_map((station.lat, station.lon)),
        share_url=public_url("stations.detail", code=station.code),
        **public_voice(station),
    )


@bp.get("/icons/facilities.svg")
def icons():
    response = Response(sprite(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 7 * 24 * 3600
    return response
