"""Nothing matched: the station usable soonest and one-filter-less links, ready for the page."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import url_for
from flask_babel import lazy_gettext as _l

from .. import labels
from .cards import station_card
from .presenters import when

OPEN_LABELS = {"now": _l("Open now"), "arrival": _l("Open when I get there")}


def soonest_card(found, now: datetime, lang: str) -> dict | None:
    if found.soonest is None or found.soonest.hit.id not in found.stations:
        return None
    hit = found.soonest.hit
    card = station_card(found.stations[hit.id], hit, now, lang, found.origin)
    card["usable_text"] = when(found.soonest.usable_at, now)
    return card


def relax_links(found, args, facility_names: dict[str, str], lang: str) -> list[dict]:
    links = []
    for relaxation in found.relaxed:
        station = found.stations.get(relaxation.nearest.id)
        if station is None:
            continue
        links.append(
            {
                "filter": _label(relaxation.field, relaxation.value, facility_names),
                "name": station.name(lang),
                "distance_m": round(relaxation.nearest.distance_m),
                "url": _url_without(args, relaxation.field, relaxation.value),
            }
        )
    return links


def _label(field: str, value: str, facility_names: dict[str, str]) -> str:
    if field == "kind":
        return str(labels.KIND_SHORT.get(value, value))
    if field == "facility":
        return facility_names.get(value, value)
    if field == "open":
        return str(OPEN_LABELS.get(value, value))
    return str(_l("24 hours"))


def _url_without(args, field: str, value: str) -> str:
    """This search again without one filter (one facility of several)."""
    pairs = [
        (key, item)
        for key, item in args.items(multi=True)
        if not (key == field and (field != "facility" or item == value))
    ]
    return f"{url_for('stations.index')}?{urlencode(pairs)}"
