"""The audit trail in words: who did what, in the reader's language and China time, with
before → after for each field that changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import labels
from ..extensions import db
from ..i18n import current_lang
from ..models import AuditEntry, Facility, Feedback
from . import bp

FIELDS = {
    "state": _l("State"),
    "hours": _l("Own hours"),
    "stock": _l("In stock"),
    "note": _l("Note"),
    "status": _l("Status"),
    "reason": _l("Reason"),
    "until": _l("Expected to reopen"),
    "opening_hours": _l("Opening hours"),
    "at": _l("Checked"),
    "reply": _l("Reply"),
    "approved": _l("Public"),
    "photos_approved": _l("Photos public"),
    "by": _l("By"),
    # station details (admin form, imports)
    "code": _l("Code"),
    "kind": _l("Kind"),
    "name_zh": _l("Name (Chinese)"),
    "name_en": _l("Name (English)"),
    "address": _l("Address"),
    "district": _l("District"),
    "street": _l("Street (街道)"),
    "lat": _l("Latitude"),
    "lon": _l("Longitude"),
    "operator_org": _l("Run by"),
    "phone": _l("Phone"),
}


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class Line:
    when: str
    who: str
    what: str
    changes: list[Change]


def _names(entries: list[AuditEntry], prefix: str, model, key) -> dict[str, object]:
    wanted = {e.action.split(":", 1)[1] for e in entries if e.action.startswith(prefix)}
    if not wanted:
        return {}
    column = getattr(model, key)
    if key == "id":
        wanted = {int(w) for w in wanted if w.isdigit()}
    rows = db.session.scalars(select(model).where(column.in_(wanted)))
    return {str(getattr(row, key)): row for row in rows}


def _title(action: str, facilities: dict, feedback: dict) -> str:
    kind, _sep, rest = action.partition(":")
    if kind == "facility":
        found = facilities.get(rest)
        return _("Facility %(name)s", name=found.name(current_lang()) if found else rest)
    if kind == "feedback":
        found = feedback.get(rest)
        return _("Feedback %(ref)s", ref=found.reference if found and found.reference else rest)
    if kind == "tally":
        return _("Visitor counts for %(day)s", day=_day(rest))
    simple = {
        "closure": _("Open or closed"),
        "opening_hours": _("Opening hours"),
        "verified": _("Checked that everything is correct"),
        "station": _("Station details"),
        "import": _("Imported"),
    }
    return simple.get(kind, action)


def _day(text: str) -> str:
    try:
        return format_date(date.fromisoformat(text), "medium")
    except ValueError:
        return text


def _value(field: str, value, action: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field == "state" and value in labels.FACILITY_STATE:
        return str(labels.FACILITY_STATE[value])
    if field == "status":
        table = labels.FEEDBACK_STATUS if action.startswith("feedback") else labels.STATUS
        return str(table.get(value, value))
    if field == "kind":
        return str(labels.KIND.get(value, value))
    if field == "by" and value == "visitor":
        return _("a visitor")
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and "T" in value:
        try:
            return format_datetime(datetime.fromisoformat(value), "short")  # in China time
        except ValueError:
            return value
    return str(value)


def _label(field: str) -> str:
    if field in FIELDS:
        return str(FIELDS[field])
    return str(labels.VISITOR_GROUP.get(field, field))


def _changes(entry: AuditEntry) -> list[Change]:
    before, after = entry.before or {}, entry.after or {}
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    return [
        Change(
            _label(k), _value(k, before.get(k), entry.action), _value(k, after.get(k), entry.action)
        )
        for k in keys
    ]


def _who(entry: AuditEntry) -> str:
    if entry.user is not None:
        return entry.user.display_name or entry.user.username
    return _("a visitor") if (entry.after or {}).get("by") == "visitor" else _("system")


@bp.app_template_global("audit_lines")
def audit_lines(entries: list[AuditEntry]) -> list[Line]:
    facilities = _names(entries, "facility:", Facility, "code")
    feedback = _names(entries, "feedback:", Feedback, "id")
    return [
        Line(
            when=format_datetime(entry.created_at, "short"),
            who=_who(entry),
            what=_title(entry.action, facilities, feedback),
            changes=_changes(entry),
        )
        for entry in entries
    ]
