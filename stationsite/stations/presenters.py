"""Words and shapes for showing stations: status sentences, weekly tables, GeoJSON features."""

from __future__ import annotations

from datetime import datetime, time

from flask_babel import gettext as _

from .. import cn_calendar, hours, labels
from ..hours import SHANGHAI, DayHours, State
from ..i18n import current_lang
from ..models import Station
from .services import facility_status, visible_facilities

SHUT = ("temporarily_closed", "closed")


def _clock(moment: datetime) -> str:
    return moment.astimezone(SHANGHAI).strftime("%H:%M")


def when(moment: datetime, now: datetime) -> str:
    """ "19:00", "tomorrow 07:00", "Wed 07:00" or "10-09 08:00", relative to `now`."""
    local, today = moment.astimezone(SHANGHAI), now.astimezone(SHANGHAI).date()
    days = (local.date() - today).days
    if days <= 0:
        return _clock(local)
    if days == 1:
        return _("tomorrow %(time)s", time=_clock(local))
    if days < 7:
        return f"{labels.WEEKDAY[local.weekday()]} {_clock(local)}"
    return _("%(month)d-%(day)02d %(time)s", month=local.month, day=local.day, time=_clock(local))


def describe(status: hours.Status, now: datetime) -> str:
    """One sentence on the state now and what comes next."""
    nxt = status.next_change
    if status.reason == "closed":
        return _("This station has closed for good.")
    if status.reason == "temporarily_closed":
        if nxt:
            return _("Temporarily closed; expected to reopen %(when)s", when=when(nxt, now))
        return _("Temporarily closed until further notice")
    if status.state is State.UNKNOWN:
        return _("Opening hours unknown")
    if status.state is State.OPEN:
        return _("Closes at %(when)s", when=when(nxt, now)) if nxt else _("Open 24 hours")
    if nxt:
        return _("Opens %(when)s", when=when(nxt, now))
    return _("No opening time in the next two weeks")


def _hhmm(value: time | None) -> str:
    return "24:00" if value is None else value.strftime("%H:%M")


def day_text(day: DayHours) -> str:
    if day.unknown:
        return _("Unknown")
    if day.all_day:
        return _("24 hours")
    if not day.spans:
        return _("Closed")
    parts = []
    for start, end, overnight in day.spans:
        end_text = _("%(time)s next day", time=_hhmm(end)) if overnight else _hhmm(end)
        parts.append(f"{_hhmm(start)}–{end_text}")
    return ", ".join(parts)


def week_rows(week: list[DayHours], closed_until: datetime | None) -> list[tuple]:
    """(day, hours text, note) per day; days inside a temporary closure say so.

    Only today and later: when a closure began is not recorded, so past days keep their hours."""
    today = next((day.day for day in week if day.is_today), None)
    rows = []
    for day in week:
        text, note = day_text(day), day_note(day)
        if closed_until and (today is None or day.day >= today):
            reopens = closed_until.astimezone(SHANGHAI)
            if day.day < reopens.date():
                text, note = _("Temporarily closed"), ""
            elif day.day == reopens.date():
                note = _("Reopens %(time)s", time=_clock(reopens))
        rows.append((day, text, note))
    return rows


def day_note(day: DayHours) -> str:
    if day.day_type == "holiday":  # the break's name in the page's language (元旦, New Year's Day)
        name = cn_calendar.holiday_name(day.day, current_lang())
        return name or day.holiday_name or _("Public holiday")
    if day.day_type == "makeup_workday":
        return _("Make-up working day")
    return ""


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat() if moment else None


def facility_rows(station: Station, now_status: hours.Status, at: datetime, lang: str) -> list:
    rows = []
    for item in visible_facilities(station):
        rows.append(
            {
                "code": item.facility.code,
                "name": item.facility.name(lang),
                "icon": item.facility.icon,
                "state": item.state.value,
                "hours": item.hours or None,
                "stock": item.stock,
                "note": item.note,
                "status": facility_status(item, now_status, at),
            }
        )
    return rows


def still_available(station, status: hours.Status, at: datetime, lang: str) -> str | None:
    """ "Station closed; drinking water available 24 hours": facilities on their own hours.

    Said only when the station is shut by its hours (a closure shuts every facility)."""
    if status.state is not State.CLOSED or status.reason in SHUT:
        return None
    running = []
    for item in station.facilities:
        if item.state == "working" and item.hours.strip():
            own = facility_status(item, status, at)
            if own.state is State.OPEN:
                running.append((item.facility.name(lang), own.next_change))
    if not running:
        return None
    names = ("、" if lang == "zh" else ", ").join(name for name, _end in running)
    ends = [end for _name, end in running if end is not None]
    if not ends:
        return _("Station closed; %(facilities)s available 24 hours", facilities=names)
    return _(
        "Station closed; %(facilities)s available until %(when)s",
        facilities=names,
        when=when(min(ends), at),
    )
