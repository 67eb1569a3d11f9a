"""Union staff create, edit and retire stations; every change is audited."""

from __future__ import annotations

from sqlalchemy import or_, select

from ..extensions import db
from ..models import Station, StationKind, StationStatus, User
from ..operator.services import audit

EDITABLE = (
    "code",
    "kind",
    "name_zh",
    "name_en",
    "address",
    "district",
    "street",
    "lat",
    "lon",
    "operator_org",
    "phone",
    "opening_hours",
    "status",
)


def snapshot(station: Station) -> dict:
    return {
        name: str(getattr(station, name)) if name in ("kind", "status") else getattr(station, name)
        for name in EDITABLE
    }


def search(text: str, limit: int = 100) -> list[Station]:
    query = select(Station).order_by(Station.code).limit(limit)
    if text.strip():
        needle = text.strip()
        query = query.where(
            or_(
                Station.code.icontains(needle),
                Station.name_zh.contains(needle),
                Station.address.contains(needle),
            )
        )
    return list(db.session.scalars(query))


def code_taken(code: str, station: Station | None) -> bool:
    other = db.session.scalar(select(Station).where(Station.code == code))
    return other is not None and other is not station


def save_station(station: Station | None, values: dict, *, by: User) -> Station:
    """Create (station None) or update; the form's values, audited before and after."""
    before = snapshot(station) if station else {}
    if station is None:
        station = Station(code=values["code"], lat=values["lat"], lon=values["lon"])
        db.session.add(station)
    for name in EDITABLE:
        value = values[name]
        if name == "kind":
            value = StationKind(value)
        elif name == "status":
            value = StationStatus(value)
        setattr(station, name, value if value is not None else "")
    db.session.flush()
    audit(station, by, "station", before, snapshot(station))
    return station
