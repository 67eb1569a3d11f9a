"""Query-parameter parsing for the API: every bad value names its parameter."""

from __future__ import annotations

import math

from flask_babel import gettext as _

from ..errors import APIError
from ..models import StationKind
from ..stations.services import BBox, known_facility_codes


def invalid(name: str, message: str, status: int = 400) -> APIError:
    return APIError(status, "invalid_parameter", message, {name: message})


def bbox(raw: str | None) -> BBox | None:
    if raw is None or raw == "":
        return None
    parts = raw.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise invalid("bbox", _("bbox must be four numbers: minlon,minlat,maxlon,maxlat"))
    box = BBox(*values)
    if not (-180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180):
        raise invalid("bbox", _("bbox longitudes must lie between -180 and 180"), 422)
    if not (-90 <= box.min_lat <= 90 and -90 <= box.max_lat <= 90):
        raise invalid("bbox", _("bbox latitudes must lie between -90 and 90"), 422)
    if box.min_lon > box.max_lon or box.min_lat > box.max_lat:
        raise invalid("bbox", _("bbox is inverted: the minimum must come before the maximum"), 422)
    return box


def kind(raw: str | None) -> str | None:
    if not raw:
        return None
    if raw not in {k.value for k in StationKind}:
        allowed = ", ".join(k.value for k in StationKind)
        raise invalid("kind", _("unknown kind; use one of: %(allowed)s", allowed=allowed), 422)
    return raw


def facilities(raw: str | None) -> list[str]:
    codes = [c.strip() for c in (raw or "").split(",") if c.strip()]
    unknown = sorted(set(codes) - known_facility_codes())
    if unknown:
        message = _("unknown facility: %(codes)s", codes=", ".join(unknown))
        raise invalid("facility", message, 422)
    return codes


def boolean(name: str, raw: str | None) -> bool | None:
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise invalid(name, _("%(name)s must be 1/true or 0/false", name=name))


def integer(name: str, raw: str | None, *, default: int | None, low: int, high: int) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, _("%(name)s must be a whole number", name=name)) from None
    if not low <= value <= high:
        message = _("%(name)s must be between %(low)d and %(high)d", name=name, low=low, high=high)
        raise invalid(name, message, 422)
    return value


def coordinate(name: str, raw: str | None, limit: float) -> float:
    if raw is None or raw.strip() == "":
        raise invalid(name, _("%(name)s is required", name=name))
    try:
        value = float(raw)
    except ValueError:
        raise invalid(name, _("%(name)s must be a number", name=name)) from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        message = _(
            "%(name)s must be between %(low)d and %(high)d", name=name, low=-limit, high=limit
        )
        raise invalid(name, message, 422)
    return value


def choice(name: str, raw: str | None, allowed: tuple[str, ...], default: str) -> str:
    if raw is None or raw == "":
        return default
    if raw not in allowed:
        message = _("%(name)s must be one of: %(allowed)s", name=name, allowed=", ".join(allowed))
        raise invalid(name, message, 422)
    return raw
