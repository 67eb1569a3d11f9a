"""The domain (SPEC §5) as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from .extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, also on SQLite, which drops the offset."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class StationKind(enum.StrEnum):
    WARM = "warm_station"
    TOILET = "toilet_station"


class StationStatus(enum.StrEnum):
    OPEN = "open"
    TEMPORARILY_CLOSED = "temporarily_closed"
    CLOSED = "closed"


class FacilityState(enum.StrEnum):
    WORKING = "working"
    OUT_OF_ORDER = "out_of_order"
    REMOVED = "removed"


class VisitorGroup(enum.StrEnum):
    COURIER = "courier"
    FOOD_DELIVERY = "food_delivery"
    SANITATION = "sanitation"
    RIDE_HAILING = "ride_hailing"
    OTHER_OUTDOOR = "other_outdoor"
    CITIZEN = "citizen"
    OTHER = "other"


class FeedbackCategory(enum.StrEnum):
    PRAISE = "praise"
    SUGGESTION = "suggestion"
    CLEANLINESS = "cleanliness"
    FACILITY_FAULT = "facility_fault"
    MISSING_FACILITY = "missing_facility"
    HOURS_WRONG = "hours_wrong"
    CLOSED_WHEN_OPEN = "closed_when_open"
    OTHER = "other"


class FeedbackStatus(enum.StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    REJECTED = "rejected"


class VisitSource(enum.StrEnum):
    CHECKIN = "checkin"
    TALLY = "tally"
    IMPORT = "import"


class Role(enum.StrEnum):
    ADMIN = "admin"
    OPERATOR = "operator"


def _enum_column(enum_cls: type[enum.StrEnum], **kw: Any):
    """Enums stored as their string value, checked by the database, portable across dialects."""
    return mapped_column(
        db.Enum(
            enum_cls,
            values_callable=lambda e: [m.value for m in e],
            native_enum=False,
            length=24,
            validate_strings=True,
            name=enum_cls.__name__.lower(),
        ),
        **kw,
    )


operator_station = Table(
    "operator_station",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("station_id", ForeignKey("station.id", ondelete="CASCADE"), primary_key=True),
)


class Station(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[StationKind] = _enum_column(StationKind, index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str | None] = mapped_column(String(160))
    address: Mapped[str] = mapped_column(String(255), default="")
    district: Mapped[str] = mapped_column(String(64), default="", index=True)
    street: Mapped[str] = mapped_column(String(64), default="")
    city: Mapped[str] = mapped_column(String(64), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    operator_org: Mapped[str] = mapped_column(String(120), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    opening_hours: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[StationStatus] = _enum_column(StationStatus, default=StationStatus.OPEN)
    closure_reason: Mapped[str] = mapped_column(String(255), default="")
    closed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    facilities: Mapped[list[StationFacility]] = relationship(
        back_populates="station", cascade="all, delete-orphan", order_by="StationFacility.id"
    )
    operators: Mapped[list[User]] = relationship(
        secondary=operator_station, back_populates="stations"
    )

    __table_args__ = (
        Index("ix_station_lat_lon", "lat", "lon"),
        # what report passes over every station read, without the wide rows
        # the few retired stations, which a report leaves out of every national count
        Index(
            "ix_station_retired",
            "id",
            sqlite_where=text("status = 'closed'"),
            postgresql_where=text("status = 'closed'"),
        ),
        # PostgreSQL indexes do not carry the row id as SQLite's do: INCLUDE it, so a report's
        # "the scope's stations" subquery is answered from the index alone
        Index(
            "ix_station_report",
            "district",
            "status",
            "kind",
            "code",
            "last_verified_at",
            postgresql_include=["id"],
        ),
    )

    def name(self, locale: str = "zh") -> str:
        if locale.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def can_edit(self, user: User | None) -> bool:
        if user is None or not user.is_active:
            return False
        return user.role == Role.ADMIN or self in user.stations

    def __repr__(self) -> str:
        return f"<Station {self.code}>"


class Facility(db.Model):
    """The facility catalogue: data, so admins can add to it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    icon: Mapped[str] = mapped_column(String(16), default="")
    lendable: Mapped[bool] = mapped_column(default=False)
    sort_order: Mapped[int] = mapped_column(default=100)

    def name(self, locale: str = "zh") -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Facility {self.code}>"


class StationFacility(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    state: Mapped[FacilityState] = _enum_column(FacilityState, default=FacilityState.WORKING)
    hours: Mapped[str] = mapped_column(String(255), default="")
    stock: Mapped[int | None]
    note: Mapped[str] = mapped_column(String(255), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    station: Mapped[Station] = relationship(back_populates="facilities")
    facility: Mapped[Facility] = relationship(lazy="joined")
    updated_by: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("station_id", "facility_id"),)


FEEDBACK_OPEN_NEEDING_ACTION = (
    "status IN ('new', 'acknowledged') AND (category IN ('facility_fault', 'missing_facility',"
    " 'closed_when_open', 'cleanliness', 'hours_wrong')"
    " OR (comment <> '' AND category <> 'praise'))"
)


class Feedback(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    visitor_group: Mapped[VisitorGroup] = _enum_column(VisitorGroup)
    rating: Mapped[int | None]
    category: Mapped[FeedbackCategory] = _enum_column(FeedbackCategory)
    facility_id: Mapped[int | None] = mapped_column(ForeignKey("facility.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    contact: Mapped[str] = mapped_column(String(120), default="")  # private, never public
    status: Mapped[FeedbackStatus] = _enum_column(FeedbackStatus, default=FeedbackStatus.NEW)
    approved: Mapped[bool] = mapped_column(default=False)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_hash: Mapped[str] = mapped_column(String(64), default="")  # keyed hash, never an IP
    # Same client, station and content within a window: the database refuses the second copy.
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(16), default="web")  # web, api, open311, demo
    # What the visitor keeps: a short reference to quote, and the secret of the follow link.
    reference: Mapped[str | None] = mapped_column(String(12), unique=True)
    follow_token: Mapped[str | None] = mapped_column(String(48), unique=True)
    me_too: Mapped[int] = mapped_column(default=0, server_default="0")  # "我也遇到了"
    fixed_confirmed: Mapped[int] = mapped_column(default=0, server_default="0")  # "好用了"
    overdue_alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    station: Mapped[Station] = relationship()
    facility: Mapped[Facility | None] = relationship()
    photos: Mapped[list[FeedbackPhoto]] = relationship(
        back_populates="feedback", cascade="all, delete-orphan", order_by="FeedbackPhoto.id"
    )

    __table_args__ = (
        Index("ix_feedback_station_created", "station_id", "created_at"),
        # what the report's feedback figures read over a period, without the wide rows
        Index(
            "ix_feedback_report",
            "created_at",
            "status",
            "category",
            "station_id",
            "facility_id",
            "rating",
            "visitor_group",
            "replied_at",
            "resolved_at",
        ),
        # the items with a comment, for "answered within 24 h" without reading every comment
        Index(
            "ix_feedback_commented",
            "created_at",
            "status",
            "category",
            "station_id",
            "visitor_group",
            "replied_at",
            "resolved_at",
            sqlite_where=text("comment != ''"),
            postgresql_where=text("comment <> ''"),
        ),
        # the few items still open that need action (reports.feedback: OPEN, needs_action()),
        # for a report's open problems: counted, aged and the oldest chosen from the index alone
        Index(
            "ix_feedback_open",
            "station_id",
            "created_at",
            "id",
            sqlite_where=text(FEEDBACK_OPEN_NEEDING_ACTION),
            postgresql_where=text(FEEDBACK_OPEN_NEEDING_ACTION),
        ),
    )


class FeedbackPhoto(db.Model):
    """A re-encoded JPEG in the photo folder (outside static/); public once approved."""

    __tablename__ = "feedback_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64), unique=True)  # random; the file's name
    width: Mapped[int]
    height: Mapped[int]
    size_bytes: Mapped[int]
    approved: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    feedback: Mapped[Feedback] = relationship(back_populates="photos")


class FeedbackVote(db.Model):
    """A visitor's "me too", "works again" or "still broken" on a report, once per client
    (and per time the report was marked fixed)."""

    __tablename__ = "feedback_vote"
    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # me_too, fixed, still_broken
    dedupe_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Alert(db.Model):
    """An alert to a station's operators, stored with the report (so never lost) and
    delivered in the background, retried until sent or given up."""

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int | None] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))  # webhook, email
    org: Mapped[str] = mapped_column(String(120), default="")  # whose settings to use
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed: Mapped[bool] = mapped_column(default=False)  # gave up after the last attempt
    last_error: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id", ondelete="CASCADE"))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    visitor_group: Mapped[VisitorGroup] = _enum_column(VisitorGroup)
    source: Mapped[VisitSource] = _enum_column(VisitSource)
    count: Mapped[int] = mapped_column(default=1)  # >1 only for operator tallies
    client_hash: Mapped[str] = mapped_column(String(64), default="")
    dedupe_key: Mapped[str | None] = mapped_column(String(64), unique=True)  # one per 30 min

    station: Mapped[Station] = relationship()

    __table_args__ = (Index("ix_visit_station_visited", "station_id", "visited_at"),)


class VisitRollup(db.Model):
    """Visits per station, China-time day and hour, visitor group and source.

    Kept current as visits arrive (stationsite.reports.rollups) and rebuilt exactly from the
    raw `visit` rows by `flask rebuild-rollups`. Tallies carry the hour they were stored at
    (noon); the hour grid reads check-ins only.
    """

    __tablename__ = "visit_rollup"
    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    visitor_group: Mapped[VisitorGroup] = _enum_column(VisitorGroup, primary_key=True)
    source: Mapped[VisitSource] = _enum_column(VisitSource, primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)


class VisitRollupArea(db.Model):
    """The same summed by district and station kind; district "*" sums every district. A
    national or district report reads a few thousand rows a year, never one per station."""

    __tablename__ = "visit_rollup_area"
    # PostgreSQL: the key carries the visits, so a district's days and hours are summed from
    # the key alone, not from rows scattered one to a page among every other district's
    __table_args__ = (
        PrimaryKeyConstraint(
            "district",
            "day",
            "hour",
            "kind",
            "visitor_group",
            "source",
            postgresql_include=["visits"],
        ),
    )
    district: Mapped[str] = mapped_column(String(64), primary_key=True)  # "*": everywhere
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    kind: Mapped[StationKind] = _enum_column(StationKind, primary_key=True)
    visitor_group: Mapped[VisitorGroup] = _enum_column(VisitorGroup, primary_key=True)
    source: Mapped[VisitSource] = _enum_column(VisitSource, primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)


class VisitRollupPeriod(db.Model):
    """Visits per station per whole China-time month and year (grain "month" / "year"), so a
    station ranking over a year reads one row per station; partial months come from
    `visit_rollup`."""

    __tablename__ = "visit_rollup_period"
    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    station_id: Mapped[int] = mapped_column(
        ForeignKey("station.id", ondelete="CASCADE"), primary_key=True
    )
    visits: Mapped[int] = mapped_column(default=0)
    checkins: Mapped[int] = mapped_column(default=0)


class VisitRollupAreaPeriod(db.Model):
    """The district rollup per whole China-time month and year (grain "month" / "year"), so
    visits by district, visitor group and source over a year read a few thousand rows, not
    every day and hour; partial months come from `visit_rollup_area`."""

    __tablename__ = "visit_rollup_area_period"
    grain: Mapped[str] = mapped_column(String(8), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    district: Mapped[str] = mapped_column(String(64), primary_key=True)  # "*": everywhere
    kind: Mapped[StationKind] = _enum_column(StationKind, primary_key=True)
    visitor_group: Mapped[VisitorGroup] = _enum_column(VisitorGroup, primary_key=True)
    source: Mapped[VisitSource] = _enum_column(VisitSource, primary_key=True)
    visits: Mapped[int] = mapped_column(default=0)


class Search(db.Model):
    """One rider search, anonymised for planning: a grid cell of about 500 m, the hour, the
    filters and how far the nearest suitable station was. No position, no client."""

    id: Mapped[int] = mapped_column(primary_key=True)
    cell: Mapped[str] = mapped_column(String(24), index=True)  # "row:col" of the grid
    cell_lat: Mapped[float]  # the cell's centre, never the rider's position
    cell_lon: Mapped[float]
    hour: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # truncated to the hour
    kind: Mapped[str] = mapped_column(String(24), default="")
    facilities: Mapped[str] = mapped_column(String(255), default="")  # comma-separated codes
    open_filter: Mapped[str] = mapped_column(String(12), default="")
    nearest_m: Mapped[int | None]  # to the nearest suitable station open on arrival; None: none
    district: Mapped[str] = mapped_column(String(64), default="", index=True)  # nearest station's
    source: Mapped[str] = mapped_column(String(8), default="web")


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = _enum_column(Role)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    stations: Mapped[list[Station]] = relationship(
        secondary=operator_station, back_populates="operators"
    )

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


class UserSession(db.Model):
    """One signed-in browser. The signed session cookie carries a secret whose hash is the
    id here; deleting the row signs that browser out, wherever a copy of the cookie is."""

    __tablename__ = "user_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the secret
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SignInFailure(db.Model):
    """Failed sign-ins for one account name from one client address (a keyed hash, never
    the address), counted atomically in the database so concurrent guesses cannot race."""

    __tablename__ = "sign_in_failure"
    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Place(db.Model):
    """A named place riders type to locate themselves: a park, a landmark, a transit hub."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(120), index=True)
    name_en: Mapped[str] = mapped_column(String(160), default="")
    kind: Mapped[str] = mapped_column(String(24), default="landmark")
    aliases: Mapped[str] = mapped_column(String(255), default="")  # comma-separated
    city: Mapped[str] = mapped_column(String(64), default="")
    district: Mapped[str] = mapped_column(String(64), default="")
    lat: Mapped[float]
    lon: Mapped[float]
    # A road's course as WKT (MULTILINESTRING of lon lat, 6 decimals); "" for a point place.
    line: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int | None] = mapped_column(
        ForeignKey("station.id", ondelete="SET NULL"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    station: Mapped[Station | None] = relationship()
    user: Mapped[User | None] = relationship()


@event.listens_for(Session, "before_flush")
def _touch_stations(session: Session, _context, _instances) -> None:
    """A change to a station's facilities is a change to the station (the locator's index
    refreshes from `Station.updated_at`)."""
    for item in (*session.new, *session.dirty, *session.deleted):
        if isinstance(item, StationFacility) and item.station is not None:
            item.station.updated_at = utcnow()
