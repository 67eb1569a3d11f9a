"""One tap to a navigation app: https links (they also open from WeChat's browser), each in
the coordinate system its app expects: AMap, Tencent and Apple Maps (in China) GCJ-02,
Baidu BD-09, OpenStreetMap WGS-84."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from . import geo

SOURCE = "stationsite"


@dataclass(frozen=True)
class NavLink:
    provider: str
    label_zh: str
    label_en: str
    url: str


def _f(value: float) -> str:
    return f"{value:.6f}"


def amap(lat: float, lon: float, name: str, mode: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    query = {
        "to": f"{_f(glon)},{_f(glat)},{name}",
        "mode": "ride" if mode == "ebike" else "walk",
        "coordinate": "gaode",
        "callnative": 1,
        "src": SOURCE,
    }
    return f"https://uri.amap.com/navigation?{urlencode(query)}"


def baidu(lat: float, lon: float, name: str, mode: str, origin=None) -> str:
    blat, blon = geo.wgs84_to_bd09(lat, lon)
    if origin is None:
        query = {
            "location": f"{_f(blat)},{_f(blon)}",
            "title": name,
            "content": name,
            "coord_type": "bd09ll",
            "output": "html",
            "src": SOURCE,
        }
        return f"https://api.map.baidu.com/marker?{urlencode(query)}"
    olat, olon = geo.wgs84_to_bd09(*origin)
    query = {
        "origin": f"latlng:{_f(olat)},{_f(olon)}|name:我的位置",
        "destination": f"latlng:{_f(blat)},{_f(blon)}|name:{name}",
        "mode": "riding" if mode == "ebike" else "walking",
        "coord_type": "bd09ll",
        "output": "html",
        "src": SOURCE,
    }
    return f"https://api.map.baidu.com/direction?{urlencode(query)}"


def tencent(lat: float, lon: float, name: str, mode: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    query = {
        "type": "bike" if mode == "ebike" else "walk",
        "to": name,
        "tocoord": f"{_f(glat)},{_f(glon)}",
        "referer": SOURCE,
    }
    return f"https://apis.map.qq.com/uri/v1/routeplan?{urlencode(query)}"


def apple(lat: float, lon: float, name: str, mode: str) -> str:
    glat, glon = geo.wgs84_to_gcj02(lat, lon)
    query = {"daddr": f"{_f(glat)},{_f(glon)}", "q": name, "dirflg": "w" if mode == "walk" else "d"}
    return f"https://maps.apple.com/?{urlencode(query)}"


def openstreetmap(lat: float, lon: float, mode: str, origin=None) -> str:
    if origin is None:
        return f"https://www.openstreetmap.org/?mlat={_f(lat)}&mlon={_f(lon)}#map=17/{_f(lat)}/{_f(lon)}"
    engine = "fossgis_osrm_bike" if mode == "ebike" else "fossgis_osrm_foot"
    route = quote(f"{_f(origin[0])},{_f(origin[1])};{_f(lat)},{_f(lon)}")
    return f"https://www.openstreetmap.org/directions?engine={engine}&route={route}"


def links(lat: float, lon: float, name: str, mode: str = "ebike", origin=None) -> list[NavLink]:
    """Deep links to the station at WGS-84 (lat, lon), from `origin` when known."""
    return [
        NavLink("amap", "高德地图", "AMap", amap(lat, lon, name, mode)),
        NavLink("baidu", "百度地图", "Baidu Maps", baidu(lat, lon, name, mode, origin)),
        NavLink("tencent", "腾讯地图", "Tencent Maps", tencent(lat, lon, name, mode)),
        NavLink("apple", "Apple 地图", "Apple Maps", apple(lat, lon, name, mode)),
        NavLink("osm", "OpenStreetMap", "OpenStreetMap", openstreetmap(lat, lon, mode, origin)),
    ]
