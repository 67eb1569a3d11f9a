"""Facility icons: SVG from the vendored Tabler icon set (MIT, static/vendor/tabler-icons/),
served as one sprite so a card's icons cost one cached request. Emoji are not used: phones
without an emoji font showed empty boxes. A facility an admin adds without an icon here gets
a plain check mark."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# inside the package (the checkout links stationsite/static to the top-level folder), so an
# installed wheel finds them too
ICON_DIR = Path(__file__).resolve().parents[1] / "static" / "vendor" / "tabler-icons" / "outline"
FALLBACK = "circle-check"
FACILITY_ICONS = {
    "seating": "armchair",
    "drinking_water": "droplet",
    "hot_water": "cup",
    "microwave": "microwave",
    "fridge": "fridge",
    "air_conditioning": "air-conditioning",
    "phone_charging": "device-mobile-charging",
    "ebike_charging": "charging-pile",
    "toilet": "badge-wc",
    "accessible_toilet": "wheelchair",
    "baby_care": "baby-carriage",
    "first_aid": "first-aid-kit",
    "aed": "heartbeat",
    "emergency_kit": "lifebuoy",
    "umbrella_loan": "umbrella",
    "wifi": "wifi",
    "ebook_lending": "device-tablet",
    "reading": "books",
    "convenience_box": "package",
    "paper_dispenser": "toilet-paper",
    "guide_display": "device-desktop",
    "policy_corner": "speakerphone",
}
_BODY = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)


def icon_id(code: str) -> str:
    """The sprite symbol for a facility code."""
    return FACILITY_ICONS.get(code, FALLBACK)


@lru_cache(maxsize=1)
def sprite() -> str:
    symbols = []
    for name in sorted({*FACILITY_ICONS.values(), FALLBACK}):
        body = _BODY.search((ICON_DIR / f"{name}.svg").read_text(encoding="utf-8")).group(1)
        symbols.append(f'<symbol id="{name}" {_STROKE}>{body.strip()}</symbol>')
    return (
        '<svg xmlns="http://www.w3.org/2000/svg">'
        "<!-- Tabler Icons, MIT licence: static/vendor/tabler-icons/LICENSE -->"
        + "".join(symbols)
        + "</svg>"
    )


_STROKE = (
    'viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round"'
)
