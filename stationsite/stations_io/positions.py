"""A row's position: numbers, a known coordinate system, inside the service area (the
`SERVICE_AREA` setting, China by default), converted to WGS-84. Plain module."""

from __future__ import annotations

from dataclasses import dataclass

from .. import geo
from .messages import Row, _n

DATUMS = {
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "bd09": "bd09",
    "bd-09": "bd09",
    "高德": "gcj02",
    "腾讯": "gcj02",
    "火星坐标": "gcj02",
    "百度": "bd09",
    "": "wgs84",
}


@dataclass(frozen=True)
class ServiceArea:
    """Bounds written as the API's bbox: min lon, min lat, max lon, max lat."""

    min_lon: float = 73.0
    min_lat: float = 3.0
    max_lon: float = 136.0
    max_lat: float = 54.0

    @classmethod
    def parse(cls, text: str | None) -> ServiceArea:
        if not text:
            return cls()
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in text.split(","))
        return cls(min_lon, min_lat, max_lon, max_lat)

    def holds(self, lat: float, lon: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon

    def words(self) -> str:
        return f"{self.min_lat:g}–{self.max_lat:g}, {self.min_lon:g}–{self.max_lon:g}"


CHINA = ServiceArea()


def check_position(row: Row, area: ServiceArea = CHINA) -> None:
    """Errors name the column and its value; the position is stored in WGS-84."""
    values = row.fields
    numbers = [_number(row, column) for column in ("lat", "lon")]
    written = values.pop("coord", "")
    datum = DATUMS.get(written.strip().lower().replace(" ", ""))
    if datum is None:
        row.errors.append(
            _n(
                "unknown coordinate system %(value)s (use wgs84, gcj02 or bd09)",
                value=written[:40],
            )
        )
    if None in numbers or datum is None:
        return
    lat, lon = numbers
    if not area.holds(lat, lon):
        row.errors.append(_outside(lat, lon, area))
        return
    values["lat"], values["lon"] = geo.to_wgs84(lat, lon, datum)


def _number(row: Row, column: str) -> float | None:
    raw = str(row.fields.get(column, "")).strip()
    if not raw:
        row.errors.append(_n("missing %(column)s", column=column))
        return None
    try:
        value = float(raw.removesuffix("°"))
    except ValueError:
        value = float("nan")
    if value != value:  # NaN: not a number at all
        row.errors.append(
            _n("%(column)s is not a number: %(value)s", column=column, value=raw[:40])
        )
        return None
    return value


def _outside(lat: float, lon: float, area: ServiceArea):
    if area.holds(lon, lat):
        return _n(
            "latitude %(lat)s and longitude %(lon)s are outside the service area; "
            "they look swapped",
            lat=f"{lat:g}",
            lon=f"{lon:g}",
        )
    return _n(
        "latitude %(lat)s and longitude %(lon)s are outside the service area "
        "(latitude, longitude: %(area)s)",
        lat=f"{lat:g}",
        lon=f"{lon:g}",
        area=area.words(),
    )
