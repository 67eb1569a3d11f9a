"""Coordinates and distances. Storage and maths are WGS-84; China's datums only at the edges.

GCJ-02 (AMap, Tencent, Apple Maps in China) and BD-09 (Baidu) conversions come from the
maintained `coordTransform` package. Its inverses (GCJ-02 -> WGS-84, BD-09 -> GCJ-02) are
one-step approximations (up to about 2 m off); we refine them with its own forward transforms
until they agree to millimetres.
"""

from __future__ import annotations

import math

import coordTransform as ct
from geopy.distance import great_circle

EARTH_RADIUS_M = 6_371_008.8
WALK_M_PER_MIN = 75  # 4.5 km/h
# 15 km/h door to door: e-bikes are limited to 25 km/h by GB 17761-2018 (enforced on new
# vehicles since September 2025), some cities set less in bike lanes (Guangzhou: 15 km/h
# from 30 December 2024), and lights and junctions take a good part of any urban trip; a
# naturalistic study of delivery riders (Zhang & Liu, Sustainability 15(23) 16227, 2023)
# found them working within 3 km of their station. A rough, honest "minutes", not a promise.
EBIKE_M_PER_MIN = 250
ROUTE_FACTOR = 1.3  # streets are longer than the straight line


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    glon, glat = ct.wgs84_to_gcj02(lon, lat)
    return glat, glon


def _refine(inverse, forward, lon: float, lat: float) -> tuple[float, float]:
    """Fixed-point refinement of an approximate inverse using the exact forward transform."""
    x, y = inverse(lon, lat)
    for _ in range(4):
        fx, fy = forward(x, y)
        x, y = x - (fx - lon), y - (fy - lat)
    return x, y


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    wlon, wlat = _refine(ct.gcj02_to_wgs84, ct.wgs84_to_gcj02, lon, lat)
    return wlat, wlon


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    blon, blat = ct.gcj02_to_bd09(*ct.wgs84_to_gcj02(lon, lat))
    return blat, blon


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    glon, glat = _refine(ct.bd09_to_gcj02, ct.gcj02_to_bd09, lon, lat)
    return gcj02_to_wgs84(glat, glon)


def to_wgs84(lat: float, lon: float, coord: str) -> tuple[float, float]:
    """Input from a client in `coord` ("wgs84", "gcj02" or "bd09") as WGS-84."""
    if coord == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    if coord == "bd09":
        return bd09_to_wgs84(lat, lon)
    return lat, lon


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle metres between two (lat, lon) points (geopy)."""
    return great_circle(a, b).meters


def unit_vector(lat: float, lon: float) -> tuple[float, float, float]:
    """A point on the unit sphere: chord distance between these orders like arc distance."""
    phi, lam = math.radians(lat), math.radians(lon)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def chord_for(metres: float) -> float:
    """The unit-sphere chord length of an arc of `metres`."""
    return 2 * math.sin(min(metres / EARTH_RADIUS_M, math.pi) / 2)


def arc_for(chord: float) -> float:
    return 2 * math.asin(min(chord / 2, 1.0)) * EARTH_RADIUS_M


def travel_minutes(metres: float, mode: str) -> int:
    """Minutes to cover a straight-line distance by street, walking or by e-bike."""
    speed = EBIKE_M_PER_MIN if mode == "ebike" else WALK_M_PER_MIN
    return max(1, math.ceil(metres * ROUTE_FACTOR / speed))
