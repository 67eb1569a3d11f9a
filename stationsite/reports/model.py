"""The figures of one report, as plain data: what the page, exports and CLI all render."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from .periods import Period

AGE_BUCKETS = ("under_1d", "1_3d", "3_7d", "over_7d")


@dataclass(frozen=True)
class Scope:
    """What a report covers. `station_ids` confines an operator to their own stations."""

    period: Period
    district: str | None = None
    kind: str | None = None  # warm_station / toilet_station
    station_code: str | None = None
    visitor_group: str | None = None
    station_ids: tuple[int, ...] | None = None  # None: every station


@dataclass
class StationFigures:
    built: int  # stations in scope that existed by the period's end (retired ones excluded)
    active: int  # with at least one visit in the period
    temporarily_closed: int  # now
    verified_30d: int  # information confirmed by an operator within the last 30 days


@dataclass
class StationVisits:
    code: str
    name: str
    district: str
    kind: str
    visits: int
    checkins: int
    lat: float | None = None
    lon: float | None = None
    # the station's row, for the queries that follow (ranking, the least used): not exported
    station_id: int | None = field(default=None, metadata={"internal": True})


@dataclass
class VisitFigures:
    total: int  # 服务人次: check-ins plus tallies (plus imported counts)
    by_group: dict[str, int]  # every visitor group, zeros included, in domain order
    by_source: dict[str, int]  # checkin / tally / import
    by_day: list[tuple[date, int]]  # every day of the period, zeros included
    by_month: list[tuple[date, int]]  # the first day of every month the period touches
    heat: list[list[int]]  # [weekday Monday=0][hour 0..23], QR check-ins only
    by_district: list[tuple[str, int]]  # most visited first
    by_station: list[StationVisits]  # most visited first (at most TOP)
    least_used: list[StationVisits]  # least visited first, zeros included, none in by_station
    stations_without_visits: int
    busiest: list[StationVisits] = field(default_factory=list)  # most first (visits.BUSIEST)


@dataclass
class Comparison:
    period: Period
    visits: int
    feedback: int
    rating: float | None


@dataclass
class FaultRow:
    code: str
    name: str
    facility: str  # facility code ("" when the report named none)
    facility_name: str
    count: int


@dataclass
class OpenProblem:
    reference: int  # feedback id
    code: str
    name: str
    category: str
    facility_name: str
    since: datetime
    age_days: float


@dataclass
class FeedbackFigures:
    count: int
    rated: int
    average: float | None
    by_category: dict[str, int]  # every category, zeros included
    trend: list[tuple[date, int, float | None]]  # (day or month start, count, average rating)
    trend_grain: str  # "day" or "month"
    top_faults: list[FaultRow]
    open_count: int  # needing action now (new or acknowledged), whatever the period
    open_by_age: dict[str, int]  # AGE_BUCKETS
    open_problems: list[OpenProblem]  # oldest first (at most TOP)
    resolved: int  # fault reports resolved, created in the period
    resolve_median_h: float | None
    resolve_p90_h: float | None
    needing_answer: int  # items with a comment or a fault/closure report, created in the period
    answered_24h: int  # of those, answered (reply or resolution) within 24 hours
    answered_24h_share: float | None


@dataclass
class RankRow:
    """One station in the 示范驿站 (model station) table."""

    code: str
    name: str
    district: str
    kind: str
    visits: int
    rating: float | None
    ratings: int
    faults: int
    fix_median_h: float | None


@dataclass
class Cell:
    lat: float  # the grid cell's centre
    lon: float
    searches: int  # unserved searches: nothing suitable within 1 km
    total: int  # every search in the cell
    district: str


@dataclass
class Candidate:
    lat: float
    lon: float
    district: str
    would_serve: int  # unserved searches within 1 km of this cell not served by a higher pick


@dataclass
class CoverageFigures:
    searches: int
    served_1km: int
    served_walk15: int  # within 15 minutes' walk (the national target)
    unserved_cells: list[Cell]  # cells with at least MIN_CELL unserved searches, most first
    candidates: list[Candidate]
    hidden_cells: int  # cells left out because they held fewer than MIN_CELL searches

    @property
    def share_1km(self) -> float | None:
        return self.served_1km / self.searches if self.searches else None

    @property
    def share_walk15(self) -> float | None:
        return self.served_walk15 / self.searches if self.searches else None


@dataclass
class Report:
    scope: Scope
    lang: str
    generated_at: datetime
    stations: StationFigures
    visits: VisitFigures
    feedback: FeedbackFigures
    ranking: list[RankRow]
    coverage: CoverageFigures
    previous: Comparison
    year_before: Comparison
    scope_label: str = ""  # "西湖区 · 暖心驿站", for titles
    notes: list[str] = field(default_factory=list)
    # A period still running is compared over its whole days so far: its own figures over
    # those days (visits None on its first day: nothing whole to compare yet)
    compared: Comparison | None = None

    @property
    def base(self) -> Comparison:
        """What `previous` and `year_before` are compared with."""
        if self.compared is not None:
            return self.compared
        return Comparison(
            self.scope.period, self.visits.total, self.feedback.count, self.feedback.average
        )
