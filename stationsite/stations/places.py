"""Typed places on the page: what the search matched, and the choices when it is not sure."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import url_for
from flask_babel import lazy_gettext as _l

PLACE_KIND = {
    "park": _l("park"),
    "scenic": _l("scenic area"),
    "landmark": _l("landmark"),
    "transit": _l("transport hub"),
    "metro": _l("metro station"),
    "station": _l("rest station"),
    "street": _l("sub-district"),
    "district": _l("district"),
    "road": _l("road"),
    "lake": _l("lake"),
    "area": _l("area"),
}
HOW = {
    "sounds_like": _l("sounds alike"),
    "partial": _l("partial match"),
    "fuzzy": _l("similar spelling"),
}
KEPT = ("kind", "open", "facility", "h24", "mode", "lang")  # the rider's filters stay on


def kind_label(kind: str) -> str:
    return str(PLACE_KIND.get(kind, _l("place")))


def place_choices(choices, args, lang: str = "zh") -> list[dict]:
    """The places a typed name may mean, named in `lang` (English where stored); each link
    carries the Chinese name as `near`, so it works in either language."""
    return [
        {
            "name": place.shown(lang),
            "kind": kind_label(place.kind),
            "district": "" if place.district == place.name else place.district,
            "how": str(HOW[place.how]) if place.how in HOW else "",
            "url": _url(place, args),
        }
        for place in choices
    ]


def _url(place, args) -> str:
    """Search from this place: its point and its name, with the rider's filters kept."""
    pairs = [(key, value) for key, value in args.items(multi=True) if key in KEPT]
    pairs += [("lat", f"{place.lat:.5f}"), ("lon", f"{place.lon:.5f}"), ("near", place.name)]
    return f"{url_for('stations.index')}?{urlencode(pairs)}"
