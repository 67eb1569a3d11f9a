"""A station as a list card and as a map marker (the same facts in both places)."""

from __future__ import annotations

from datetime import datetime

from flask import render_template, url_for

from .. import hours, labels
from ..models import Station
from .presenters import describe
from .services import visible_facilities

_STATE_RANK = {hours.State.OPEN: 0, hours.State.UNKNOWN: 1, hours.State.CLOSED: 2}


def station_card(station: Station, status: hours.Status, now: datetime, lang: str) -> dict:
    working = [f.facility for f in visible_facilities(station) if f.state.value == "working"]
    broken = [f.facility for f in visible_facilities(station) if f.state.value == "out_of_order"]
    return {
        "code": station.code,
        "name": station.name(lang),
        "kind": station.kind.value,
        "kind_label": labels.KIND_SHORT[station.kind.value],
        "state": status.state.value,
        "temporarily_closed": status.reason == "temporarily_closed",
        "status_text": describe(status, now),
        "address": station.address,
        "district": station.district,
        "lat": station.lat,
        "lon": station.lon,
        "facilities": [f.name(lang) for f in working],
        "broken": [f.name(lang) for f in broken],
        "url": url_for("stations.detail", code=station.code),
        "rank": (_STATE_RANK[status.state], station.district, station.code),
    }


def marker(card: dict) -> dict:
    return {
        "lat": card["lat"],
        "lon": card["lon"],
        "title": card["name"],
        "icon_html": render_template("stations/_pin.html", card=card),
        "popup_html": render_template("stations/_popup.html", card=card),
    }
