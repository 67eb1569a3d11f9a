"""The import's messages in the reader's language, columns named as the reader knows them."""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from ..catalogue import FACILITIES, facility_list
from ..stations_io import Message
from ..stations_io.positions import ServiceArea

COLUMN_LABELS = {
    "code": _l("code"),
    "name_zh": _l("name"),
    "name_en": _l("English name"),
    "kind": _l("kind"),
    "address": _l("address"),
    "district": _l("district"),
    "street": _l("street"),
    "lat": _l("latitude"),
    "lon": _l("longitude"),
    "opening_hours": _l("opening hours"),
    "phone": _l("phone"),
    "operator_org": _l("operator"),
    "facilities": _l("facilities"),
    "coord": _l("coordinate system"),
}


def say(message: Message) -> str:
    params = dict(message.params)
    if "column" in params:
        params["column"] = str(COLUMN_LABELS.get(str(params["column"]), params["column"]))
    return gettext(message.text, **params)


def facility_names(codes: list[str]) -> str:
    """The facilities a row adds, by their names in the reader's language (the starting
    catalogue's names where a fresh database has no catalogue yet)."""
    english = not str(get_locale() or "zh").startswith("zh")
    names = {code: en if english else zh for code, zh, en, *_rest in FACILITIES}
    names |= {e.code: e.name_en if english else e.name_zh for e in facility_list()}
    return (", " if english else "、").join(names.get(code, code) for code in codes)


def service_area() -> ServiceArea:
    return ServiceArea.parse(current_app.config.get("SERVICE_AREA"))
