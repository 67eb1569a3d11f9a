"""Where is "湖滨公园"? Typed places matched offline against the database, through geopy.

`OfflineGeocoder` is a geopy geocoder over a gazetteer (station names and addresses, streets,
districts, parks and landmarks). Matching forgives what people type: partial names, names with
or without 区 / 街道 / 公园 / 广场 / 站 suffixes, homophone typos and pinyin (pypinyin), and
near misses (rapidfuzz). Every match says how it matched ("exact", "sounds_like", "partial",
"fuzzy"), so the caller can offer choices instead of a confident wrong place. Online geocoders
(Nominatim, Baidu, AMap) are optional by configuration, their datums converted to WGS-84, and
never used in tests.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from geopy.geocoders import BaiduV3, Nominatim
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from pypinyin import lazy_pinyin
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from . import geo

SUFFIXES = (
    "特别行政区",
    "自治区",
    "街道办事处",
    "风景名胜区",
    "风景区",
    "景区",
    "街道",
    "公园",
    "广场",
    "地铁站",
    "火车站",
    "湿地",
    "省",
    "市",
    "区",
    "县",
    "镇",
    "乡",
    "站",
    "路",
)
_NOISE = re.compile(r"[\s·•,，.。、()（）\[\]【】\-_/]+|演示|demo", re.IGNORECASE)
KIND_RANK = {"place": 0, "station": 1, "street": 2, "district": 3}
# a centre of one of these is only a rough answer
BROAD_KINDS = frozenset({"district", "street", "road", "lake", "scenic", "area"})
FUZZY_AT = 75  # rapidfuzz ratio (0-100) from which two names are near misses of each other
FUZZY_SOUND_AT = 85  # ... and from which Chinese names sound alike enough (their pinyin)


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # place, station, street, district
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    district: str = ""
    detail: str = ""  # a finer kind, e.g. "park", "transit", "road"
    line: str = field(default="", compare=False, repr=False)  # a road's course (WKT)
    name_en: str = ""  # its English name where the gazetteer stores one

    def shown(self, lang: str) -> str:
        """The name for a reader of `lang`: English where stored, else the Chinese name."""
        return self.name_en if lang == "en" and self.name_en else self.name

    @property
    def broad(self) -> bool:
        return self.kind in BROAD_KINDS or self.detail in BROAD_KINDS


def normalize(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def core(text: str) -> str:
    """The name without its administrative or place-type suffixes."""
    changed = True
    while changed:
        changed = False
        for suffix in SUFFIXES:
            if text.endswith(suffix) and len(text) - len(suffix) >= 2:
                text, changed = text[: -len(suffix)], True
                break
    return text


def _bigrams(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def score(query: str, name: str) -> float:
    """How well `name` answers `query`: 100 exact, down to 0 for nothing in common."""
    qn, nn = normalize(query), normalize(name)
    if not qn or not nn:
        return 0
    qc, nc = core(qn), core(nn)
    if qn == nn:
        return 100
    if qc == nc:
        return 95
    if nn.startswith(qn) or nc.startswith(qc):
        return 85
    if qc in nn:
        return 70
    if len(nc) >= 2 and nc in qn:
        return 50 + min(len(nc), 10)
    if len(qc) >= 3 and LCSseq.similarity(qc, nn) == len(qc):
        return 60  # every character in order: 萧山机场 is short for 杭州萧山国际机场
    a, b = _bigrams(qc), _bigrams(nc)
    similarity = len(a & b) / len(a | b)
    return 40 * similarity if similarity >= 0.5 else 0


@lru_cache(maxsize=65536)
def pinyin(text: str) -> str:
    """Toneless pinyin of the Chinese in `text` (other characters kept): 西湖 -> xihu."""
    return "".join(lazy_pinyin(text)).lower()


def _is_latin(text: str) -> bool:
    return text.isascii()


@dataclass(frozen=True)
class Match:
    entry: Entry
    score: float
    how: str  # "exact", "sounds_like", "partial" or "fuzzy"
    name: str  # the name or alias that matched


def _how(query: str, name: str) -> tuple[float, str]:
    """How well one name answers the query, and in what way."""
    value = score(query, name)
    if value >= 95:
        return value, "exact"
    qn, nn = core(normalize(query)), core(normalize(name))
    # 杭州冬站 sounds like 杭州东站; "xihu" is 西湖, and "xihu wenhua guangchang" is 西湖文化广场
    # (pinyin typed with the place-type suffix the Chinese core leaves out)
    if qn and (pinyin(qn) == pinyin(nn) or pinyin(normalize(query)) == pinyin(normalize(name))):
        return (95, "exact") if _is_latin(qn) else (90, "sounds_like")
    if value:
        return value, "partial"
    sound = fuzz.ratio(pinyin(qn), pinyin(nn))
    if not _is_latin(qn) and sound < FUZZY_SOUND_AT:  # 庆春 is not 蒋村 (qingchun, jiangcun)
        sound = 0
    ratio = max(fuzz.ratio(qn, nn), sound)
    return (0.4 * ratio, "fuzzy") if ratio >= FUZZY_AT and len(qn) >= 2 else (0, "")


def match(query: str, entry: Entry) -> Match | None:
    found = [(*_how(query, name), name) for name in (entry.name, *entry.aliases) if name]
    value, how, name = max(found, key=lambda item: item[0])
    return Match(entry, value, how, name) if value else None


def ranked(query: str, entries: Iterable[Entry], most: int = 6) -> list[Match]:
    found = [m for m in (match(query, entry) for entry in entries) if m]
    found.sort(key=lambda m: (-m.score, KIND_RANK.get(m.entry.kind, 9), len(m.entry.name)))
    return found[:most]


def best(query: str, entries: Iterable[Entry], most: int = 5) -> list[tuple[float, Entry]]:
    return [(m.score, m.entry) for m in ranked(query, entries, most)]


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over a gazetteer given as a callable (so it can read the database)."""

    def __init__(self, gazetteer: Callable[[str], Iterable[Entry]]):
        super().__init__()
        self.gazetteer = gazetteer

    def geocode(self, query, *, exactly_one=True, timeout=None):
        found = [
            Location(
                m.entry.name,
                (m.entry.lat, m.entry.lon),
                {"kind": m.entry.kind, "score": m.score, "how": m.how, "entry": m.entry},
            )
            for m in ranked(str(query), self.gazetteer(str(query)))
        ]
        if exactly_one:
            return found[0] if found else None
        return found or None


class AMap(Geocoder):
    """AMap (高德) web geocoding; it answers in GCJ-02."""

    api = "https://restapi.amap.com/v3/geocode/geo"

    def __init__(self, api_key: str, **kwargs):
        super().__init__(**kwargs)
        self.api_key = api_key

    def geocode(self, query, *, exactly_one=True, timeout=None):
        url = "?".join((self.api, f"key={self.api_key}&output=JSON&address={query}"))
        return self._call_geocoder(
            url, lambda page: self._parse(page, exactly_one), timeout=timeout
        )

    @staticmethod
    def _parse(page, exactly_one):
        places = [
            Location(
                p.get("formatted_address", ""),
                tuple(reversed([float(v) for v in p["location"].split(",")])),
                p,
            )
            for p in page.get("geocodes") or []
        ]
        if not places:
            return None
        return places[0] if exactly_one else places


class Datum(Geocoder):
    """Wraps an online geocoder whose answers are in GCJ-02 or BD-09, answering WGS-84."""

    def __init__(self, inner: Geocoder, datum: str):
        super().__init__()
        self.inner, self.datum = inner, datum

    def geocode(self, query, *, exactly_one=True, timeout=None):
        found = self.inner.geocode(query, exactly_one=exactly_one, timeout=timeout)
        if found is None:
            return None
        converted = [self._convert(item) for item in ([found] if exactly_one else found)]
        return converted[0] if exactly_one else converted

    def _convert(self, location: Location) -> Location:
        lat, lon = geo.to_wgs84(location.latitude, location.longitude, self.datum)
        return Location(location.address, (lat, lon), location.raw)


def online_geocoder(setting: str, user_agent: str = "stationsite") -> Geocoder | None:
    """From GEOCODER: "offline" (none), "nominatim", "baidu:<ak>" or "amap:<key>"."""
    name, _, key = setting.partition(":")
    if name == "nominatim":
        return Nominatim(user_agent=user_agent, timeout=3)
    if name == "baidu" and key:
        return Datum(BaiduV3(api_key=key, timeout=3), "bd09")
    if name == "amap" and key:
        return Datum(AMap(key, timeout=3), "gcj02")
    return None
