"""Rendered pieces kept between requests: folium map parts, and the anonymous home page.

Building a folium map and rendering fifty station cards cost most of the home page's time,
yet for everyone who has not said where they are the page is the same within a minute. The
home page is kept per address (path and query), language, minute, station data (the locator
index: any patched edit gives a new one) and catalogue, for visitors without a session
cookie only (a signed-in header, a flashed message or a form token is personal); a rider's
own position is never kept (those searches are also recorded, so they always run). The
script nonce differs per response: the kept page's nonce is swapped for this response's.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace

from flask import current_app, g, request
from markupsafe import Markup

from ..catalogue import facility_list
from ..hours import this_minute
from ..i18n import current_lang
from ..locator.service import live_index
from ..maps import MapParts, station_map, tiles
from ..security import csp_nonce

PERSONAL_ARGS = ("lat", "lon", "q", "near")  # a rider's position: searched and recorded


class Kept:
    """A small thread-safe LRU map."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _kept() -> tuple[Kept, Kept]:
    """This app's maps and pages."""
    kept = current_app.extensions.get("page_cache")
    if kept is None:
        kept = current_app.extensions["page_cache"] = (Kept(4096), Kept(256))
    return kept


def cached_map(
    center: tuple[float, float], zoom: int, assets: str = "stations/_map_assets.html"
) -> MapParts:
    """maps.station_map, rendered once per zoom, tiles and language: with WGS-84 tiles the
    map does not depend on where it is centred, so one rendering serves every place (its
    centre is written in); without tiles it shows what is around, so once per place."""
    setting = current_app.config.get("MAP_TILES")
    maps, key = _kept()[0], (setting, current_lang(), zoom, assets)
    provider = tiles(setting)
    if provider is not None and provider.datum == "wgs84":
        parts = maps.get(key)
        if parts is None:
            parts = station_map(ANYWHERE, zoom, assets)
            maps.put(key, parts)
        centred = str(parts.script).replace(_centre(ANYWHERE), _centre(center))
        if centred != str(parts.script):
            return replace(parts, script=Markup(centred))
    key += (round(center[0], 7), round(center[1], 7))
    parts = maps.get(key)
    if parts is None:
        parts = station_map(center, zoom, assets)
        maps.put(key, parts)
    return parts


ANYWHERE = (1.2345678901, 2.3456789012)  # a centre no real map has, to be replaced


def _centre(center: tuple[float, float]) -> str:
    return f"center: {json.dumps([float(center[0]), float(center[1])])}"


def cached_pin_map(center: tuple[float, float]) -> MapParts:
    return cached_map(center, 16, "stations/_pin_map_assets.html")


def _session_cookies() -> bool:
    config = current_app.config
    names = (config.get("SESSION_COOKIE_NAME", "session"), config.get("REMEMBER_COOKIE_NAME"))
    return any(request.cookies.get(name) for name in names if name)


def home_key() -> tuple | None:
    """What the anonymous home page depends on, or None when this request is not one."""
    if _session_cookies() or any(name in request.args for name in PERSONAL_ARGS):
        return None
    live = live_index()
    live.get()
    return (
        request.full_path,
        current_lang(),
        this_minute(),
        live.generation,
        tuple(facility_list()),
        tiles(current_app.config.get("MAP_TILES")),
    )


def home_page(render: Callable[[], tuple[str, bool]]) -> str:
    """The kept page for this request, or `render()`'s (page, keepable) kept when it may be."""
    key, pages = home_key(), _kept()[1]
    kept = pages.get(key) if key is not None else None
    if kept is not None:
        page, nonce = kept
        return Markup(page.replace(nonce, csp_nonce())) if nonce else page
    page, keepable = render()
    if key is not None and keepable and home_key() == key:  # nothing changed meanwhile
        pages.put(key, (page, g.get("csp_nonce")))
    return page
