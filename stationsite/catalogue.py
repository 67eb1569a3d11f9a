"""The starting facility catalogue (SPEC §5). It is data: admins may add to it later."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select

from .extensions import db
from .models import AuditEntry, Facility, User

# code, zh, en, lendable, icon
FACILITIES: list[tuple[str, str, str, bool, str]] = [
    ("seating", "桌椅休息", "Seats and tables", False, "🪑"),
    ("drinking_water", "直饮水", "Drinking water", False, "🚰"),
    ("hot_water", "热水", "Hot water", False, "♨️"),
    ("microwave", "微波炉", "Microwave", False, "🍱"),
    ("fridge", "爱心冰箱", "Community fridge", False, "🧊"),
    ("air_conditioning", "空调", "Air conditioning", False, "❄️"),
    ("phone_charging", "手机充电", "Phone charging", False, "🔌"),
    ("ebike_charging", "电动车充电", "E-bike charging", False, "🛵"),
    ("toilet", "厕所", "Toilet", False, "🚻"),
    ("accessible_toilet", "无障碍厕所", "Accessible toilet", False, "♿"),
    ("baby_care", "母婴室", "Baby-care room", False, "🍼"),
    ("first_aid", "医药箱", "First-aid kit", False, "🩹"),
    ("aed", "AED", "AED defibrillator", False, "💓"),
    ("emergency_kit", "应急物资", "Emergency supplies", False, "🧰"),
    ("umbrella_loan", "借伞", "Umbrella loan", True, "☂️"),
    ("wifi", "Wi-Fi", "Wi-Fi", False, "📶"),
    ("ebook_lending", "电子图书借阅", "E-book lending", False, "📱"),
    ("reading", "图书角", "Reading corner", False, "📚"),
    ("convenience_box", "便民服务箱", "Convenience box", False, "📦"),
    ("paper_dispenser", "刷脸取纸", "Face-scan paper dispenser", False, "🧻"),
    ("guide_display", "厕位引导屏", "Vacancy display", False, "🖥️"),
    ("policy_corner", "政策宣传", "Policy information", False, "📢"),
]


def ensure_catalogue() -> dict[str, Facility]:
    """Add missing catalogue entries; keep admins' edits to existing ones."""
    existing = {f.code: f for f in db.session.scalars(select(Facility))}
    for order, (code, zh, en, lendable, icon) in enumerate(FACILITIES):
        if code not in existing:
            existing[code] = Facility(
                code=code, name_zh=zh, name_en=en, lendable=lendable, sort_order=(order + 1) * 10
            )
            db.session.add(existing[code])
        if not existing[code].icon:
            existing[code].icon = icon
    db.session.flush()
    return existing


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    id: int
    code: str
    name_zh: str
    name_en: str
    sort_order: int
    lendable: bool = False
    icon: str = ""

    def name(self, locale: str = "zh") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh


_cache: dict[str, tuple[float, dict[int, CatalogueEntry], list[CatalogueEntry]]] = {}


def _cached(max_age_s: float) -> tuple[float, dict[int, CatalogueEntry], list[CatalogueEntry]]:
    key = str(db.engine.url)
    found = _cache.get(key)
    if found is None or time.monotonic() - found[0] > max_age_s:
        rows = db.session.execute(
            select(
                Facility.id,
                Facility.code,
                Facility.name_zh,
                Facility.name_en,
                Facility.sort_order,
                Facility.lendable,
                Facility.icon,
            )
        )
        entries = {row.id: CatalogueEntry(*row) for row in rows}
        ordered = sorted(entries.values(), key=lambda e: (e.sort_order, e.code))
        found = _cache[key] = (time.monotonic(), entries, ordered)
    return found


def cached_catalogue(max_age_s: float = 10.0) -> dict[int, CatalogueEntry]:
    """The catalogue by id, read at most every few seconds: it is small and changes rarely,
    and hot paths (the API, filter validation) need it on every request."""
    return _cached(max_age_s)[1]


def facility_list(max_age_s: float = 10.0) -> list[CatalogueEntry]:
    """The catalogue in display order (sort order, then code), cached like cached_catalogue:
    what the facilities API and the home page's filters list on every request."""
    return _cached(max_age_s)[2]


def forget_cached_catalogue() -> None:
    """After a catalogue change: this process reads it afresh (others within seconds)."""
    _cache.clear()


def save_facility(
    code: str, name_zh: str, name_en: str, *, icon: str, lendable: bool, sort_order: int, by: User
) -> Facility:
    """Add a catalogue entry, or change the one with this code; audited."""
    facility = db.session.scalar(select(Facility).where(Facility.code == code))
    before = {} if facility is None else _names(facility)
    facility = facility or Facility(code=code)
    facility.name_zh, facility.name_en, facility.icon = name_zh, name_en, icon
    facility.lendable, facility.sort_order = lendable, sort_order
    db.session.add(facility)
    db.session.add(
        AuditEntry(user=by, action=f"catalogue:{code}", before=before, after=_names(facility))
    )
    db.session.flush()
    return facility


def _names(facility: Facility) -> dict:
    return {"name_zh": facility.name_zh, "name_en": facility.name_en, "icon": facility.icon}
