"""The import's messages in the reader's language, columns named as the reader knows them."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

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


def service_area() -> ServiceArea:
    return ServiceArea.parse(current_app.config.get("SERVICE_AREA"))
