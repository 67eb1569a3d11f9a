"""A station as a result card: the facts a rider reads before choosing where to go."""

from __future__ import annotations

from datetime import datetime

from flask import url_for

from .. import hours, labels, navigation
from ..locator.index import Hit
from ..models import FacilityState, Station
from .presenters import describe, still_available, when
from .services import visible_facilities

_STATE_RANK = {hours.State.OPEN: 0, hours.State.UNKNOWN: 1, hours.State.CLOSED: 2}


def station_card(station: Station, hit: Hit, now: datetime, lang: str, origin=None) -> dict:
    present = visible_facilities(station)
    status = hit.now
    card = {
        "code": station.code,
        "name": station.name(lang),
        "kind": station.kind.value,
        "kind_label": labels.KIND_SHORT[station.kind.value],
        "state": status.state.value,
        "temporarily_closed": status.reason == "temporarily_closed",
        "status_text": describe(status, now),
        "still_available": still_available(station, status, now, lang),
        "address": station.address,
        "district": station.district,
        "facilities": [
            {"code": f.facility.code, "name": f.facility.name(lang), "icon": f.facility.icon}
            for f in present
            if f.state == FacilityState.WORKING
        ],
        "broken": [f.facility.name(lang) for f in present if f.state == FacilityState.OUT_OF_ORDER],
        "url": _detail_url(station.code, origin),
        "rank": (_STATE_RANK[status.state], station.district, station.code),
    }
    if origin is not None:
        card.update(
            distance_m=round(hit.distance_m),
            walk_min=hit.minutes["walk"],
            ebike_min=hit.minutes["ebike"],
            arrival_text=when(hit.arrival_at, now),
            open_on_arrival=hit.open_on_arrival,
            # the asked facilities keep their own hours: they may be there while the rooms are not
            need_on_arrival=hit.available_on_arrival if hit.need_arrival != hit.arrival else None,
            nav=navigation.links(station.lat, station.lon, station.name("zh"), origin=origin),
        )
    return card


def _detail_url(code: str, origin) -> str:
    """The station page; from a located search it carries the rider on, for distance and routes."""
    if origin is None:
        return url_for("stations.detail", code=code)
    lat, lon = origin
    return url_for("stations.detail", code=code, lat=f"{lat:.5f}", lon=f"{lon:.5f}")
