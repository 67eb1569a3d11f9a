"""What /api/v1 takes and answers, declared once: the views validate requests with these
models and /api/v1/openapi.json is generated from them (see contract.py)."""

from __future__ import annotations

import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ..feedback.forms import CONTACT, NEEDS_FACILITY
from ..models import FacilityState, FeedbackCategory, StationKind, StationStatus, VisitorGroup
from ..stations.services import BBox, known_facility_codes

Kind = Literal[tuple(k.value for k in StationKind)]
Group = Literal[tuple(g.value for g in VisitorGroup)]
Category = Literal[tuple(c.value for c in FeedbackCategory)]


# --- query parameters -------------------------------------------------------------------


# A decimal number as openapi.json declares it (ASCII digits, no spaces): Python's float()
# alone would also take "1_0", " 1", "١" or "inf", which the document cannot say.
NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
BBOX = re.compile(rf"^{NUMBER},{NUMBER},{NUMBER},{NUMBER}$")


def _bbox(raw: object) -> BBox:
    """Four finite numbers (400 otherwise), on the globe and not inverted (422 otherwise)."""
    text = str(raw)
    values = [float(part) for part in text.split(",")] if BBOX.fullmatch(text) else []
    if len(values) != 4 or not all(map(math.isfinite, values)):
        raise PydanticCustomError("bbox_format", "bbox must be four numbers")
    box = BBox(*values)
    if not all(-180 <= lon <= 180 for lon in (box.min_lon, box.max_lon)):
        raise PydanticCustomError("bbox_lon", "bbox longitudes must lie between -180 and 180")
    if not all(-90 <= lat <= 90 for lat in (box.min_lat, box.max_lat)):
        raise PydanticCustomError("bbox_lat", "bbox latitudes must lie between -90 and 90")
    if box.min_lon > box.max_lon or box.min_lat > box.max_lat:
        raise PydanticCustomError("bbox_inverted", "bbox is inverted")
    return box


def _codes(raw: object) -> list[str]:
    return [code.strip() for code in str(raw).split(",") if code.strip()]


def _known(codes: list[str]) -> list[str]:
    unknown = sorted(set(codes) - known_facility_codes())
    if unknown:
        raise PydanticCustomError("unknown_facility", "unknown facility", {"codes": unknown})
    return codes


BBoxParam = Annotated[
    BBox,
    BeforeValidator(_bbox),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": BBOX.pattern,
            "description": "minlon,minlat,maxlon,maxlat (WGS-84): longitudes -180..180, "
            "latitudes -90..90, minimum before maximum",
            "examples": ["120.0,30.1,120.3,30.4"],
        }
    ),
]
FacilityCodes = Annotated[
    list[str],
    BeforeValidator(_codes),
    AfterValidator(_known),
    WithJsonSchema(
        {
            "type": "string",
            "description": "comma-separated facility codes (GET /api/v1/facilities); "
            "stations where all of them work",
            "examples": ["microwave,toilet"],
        }
    ),
]
Lang = Annotated[
    str | None, Field(None, description="zh (default) or en: names and words in that language")
]


class Query(BaseModel):
    """Query strings: unknown parameters are ignored; a given parameter must be valid
    (an empty `h24=` is not "no"), so a typo never silently widens a search."""

    model_config = ConfigDict(extra="ignore", allow_inf_nan=False, frozen=True)


class ViewportQuery(Query):
    bbox: BBoxParam | None = Field(None, description="the map view; default: the whole world")
    zoom: int = Field(12, ge=0, le=22, description="map zoom level")
    kind: Kind | None = Field(None, description="station kind")
    facility: FacilityCodes = []
    open_now: bool | None = Field(None, description="1: open now, 0: closed now")
    h24: bool = Field(False, description="1: open around the clock")
    mode: Literal["ebike", "walk"] = Field("ebike", description="travel mode")
    lang: Lang


class NearbyQuery(Query):
    lat: float = Field(ge=-90, le=90, description="the rider's latitude")
    lon: float = Field(ge=-180, le=180, description="the rider's longitude")
    coord: Literal["wgs84", "gcj02", "bd09"] = Field(
        "wgs84", description="datum of lat/lon; answers are always WGS-84"
    )
    limit: int = Field(10, ge=1, le=50, description="at most this many stations")
    radius_m: int = Field(3000, ge=1, le=50_000, description="search radius in metres")
    facility: FacilityCodes = []
    kind: Kind | None = Field(None, description="station kind")
    open_now: bool = Field(False, description="1: open now")
    open_on_arrival: bool = Field(
        False, description="1: open when the rider gets there (by `mode`) and 10 minutes after"
    )
    h24: bool = Field(False, description="1: open around the clock")
    mode: Literal["ebike", "walk"] = Field("ebike", description="travel mode for arrival times")
    links: bool = Field(
        False, description="1: add navigation deep links (AMap, Baidu, Tencent, Apple, OSM)"
    )
    lang: Lang


# --- request bodies ---------------------------------------------------------------------


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, allow_inf_nan=False)


class CheckinBody(Body):
    visitor_group: Group


def _needs_facility(schema: dict) -> None:
    schema["allOf"] = [
        {
            "if": {"properties": {"category": {"enum": list(NEEDS_FACILITY)}}},
            "then": {"required": ["facility"], "properties": {"facility": {"type": "string"}}},
        },
        {
            "if": {"properties": {"category": {"const": "other"}}},
            "then": {"required": ["comment"], "properties": {"comment": {"minLength": 1}}},
        },
    ]


class FeedbackBody(Body):
    """A rating, a suggestion or a report. A fault names one of the station's facilities; a
    missing facility any catalogue code; "other" needs a comment."""

    model_config = ConfigDict(json_schema_extra=_needs_facility)

    visitor_group: Group
    category: Category
    rating: int | None = Field(None, ge=1, le=5)
    facility: str | None = Field(None, max_length=64, description="facility code")
    comment: str = Field("", max_length=500)
    contact: str = Field(
        "",
        max_length=40,
        # checked with the web form's other rules, so one answer names every bad field
        json_schema_extra={"pattern": f"^$|{CONTACT.pattern}"},
        description="mobile, landline or WeChat ID; seen only by the operator",
    )


# --- answers ----------------------------------------------------------------------------


class Point(BaseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="[lon, lat] WGS-84")


class FacilityAtStation(BaseModel):
    code: str = Field(examples=["microwave"])
    name: str
    state: Literal[tuple(s.value for s in FacilityState)]
    hours: str | None = Field(description="its own OSM opening_hours, if any")
    open_now: bool | None


class Report(BaseModel):
    category: Literal["facility_fault", "closed_when_open"]
    facility: str | None
    count: int = Field(description="reporter and 'me too'")
    since: str = Field(json_schema_extra={"format": "date-time"})
    status: Literal["reported", "confirmed", "fixed"]


DateTime = Annotated[str | None, Field(json_schema_extra={"format": "date-time"})]


class StationProperties(BaseModel):
    code: str = Field(examples=["HZ-T-007"])
    kind: Kind
    name: str
    address: str
    district: str
    street: str
    status: Literal[tuple(s.value for s in StationStatus)]
    closure_reason: str | None
    closed_until: DateTime
    open_now: bool | None = Field(description="null: the hours are unknown")
    next_change: DateTime
    status_text: str = Field(description="state and next change, in words")
    opening_hours: str | None
    phone: str | None
    facilities: list[FacilityAtStation]
    last_verified_at: DateTime
    url: str = Field(description="the station's public page")
    reports: list[Report] | None = Field(None, description="one station only")


class NearbyProperties(StationProperties):
    distance_m: int
    walk_min: int
    ebike_min: int
    arrival_at: DateTime
    open_on_arrival: bool | None
    navigation: dict[str, str] | None = Field(None, description="links=1: provider -> URL")


class StationFeature(BaseModel):
    type: Literal["Feature"]
    id: str
    geometry: Point
    properties: StationProperties


class NearbyFeature(StationFeature):
    properties: NearbyProperties


class ClusterProperties(BaseModel):
    cluster: Literal[True]
    count: int = Field(ge=1)


class ClusterFeature(BaseModel):
    """Stations drawn together at this zoom."""

    type: Literal["Feature"]
    geometry: Point
    properties: ClusterProperties


class ViewportCollection(BaseModel):
    """Stations in the view, or clusters once it holds more than a map can show (500)."""

    type: Literal["FeatureCollection"]
    features: list[StationFeature | ClusterFeature]
    total: int = Field(description="stations in the view that pass the filters")
    clustered: bool


class Origin(BaseModel):
    lat: float
    lon: float


class NearbyCollection(BaseModel):
    """Nearest first, by the `distance_m` property."""

    type: Literal["FeatureCollection"]
    features: list[NearbyFeature]
    origin: Origin = Field(description="the rider's position in WGS-84")


class CatalogueEntry(BaseModel):
    code: str
    name: str
    name_zh: str
    name_en: str
    lendable: bool


class Catalogue(BaseModel):
    facilities: list[CatalogueEntry]


class FeedbackReceipt(BaseModel):
    id: int
    reference: str = Field(description="quoted by the reporter")
    follow_url: str = Field(description="a private page that shows what became of it")
    status: str
    duplicate: bool = Field(description="true: the same from this client within the window")


class CheckinReceipt(BaseModel):
    visit_id: int
    counted: bool = Field(description="false: already counted in this half hour")
    visited_at: str = Field(json_schema_extra={"format": "date-time"})


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] = Field(description="parameter or field -> what is wrong with it")


class Error(BaseModel):
    error: ErrorDetail
