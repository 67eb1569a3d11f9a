from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from .. import weekly_hours
from ..auth.access import editable_station_or_404
from ..extensions import db
from ..feedback.alerts import undelivered
from ..feedback.faults import open_faults
from ..hours import SHANGHAI
from ..i18n import current_lang
from ..reports.periods import today_in_china
from ..stations.services import facility_catalogue, visible_facilities
from . import bp, inbox, services
from .dashboard import my_stations, summary
from .forms import (
    ActionForm,
    AddFacilityForm,
    ClosureForm,
    FacilityDetailsForm,
    FacilityStateForm,
    FeedbackActionForm,
    HoursForm,
    InboxFilterForm,
    TallyForm,
)


@bp.get("/")
@login_required
def dashboard():
    rows = my_stations(current_user)
    failed = undelivered() if current_user.role.value == "admin" else (0, "")
    return render_template(
        "operator/dashboard.html", rows=rows, summary=summary(rows), undelivered=failed
    )


def _hours_form(station) -> HoursForm:
    form = HoursForm(formdata=None)
    parsed = weekly_hours.from_osm(station.opening_hours or "")
    if parsed is None:
        form.raw.data = station.opening_hours
        return form
    week, holidays, holiday = parsed
    for entry, day in zip(form.days, week, strict=True):
        entry.form.closed.data, entry.form.all_day.data = day.closed, day.all_day
        entry.form.opens.data, entry.form.closes.data = day.opens, day.closes
    form.holidays.data = holidays
    if holiday:
        form.holiday.form.opens.data, form.holiday.form.closes.data = holiday.opens, holiday.closes
    return form


def _add_form(station) -> AddFacilityForm:
    """Anything not shown on the station yet; a removed facility added again is restored."""
    form = AddFacilityForm()
    present = {item.facility.code for item in visible_facilities(station)}
    form.facility.choices = [
        SelectChoice(f.code, f.name(current_lang()))
        for f in facility_catalogue()
        if f.code not in present
    ]
    return form


def _tally_form(today: services.DayVisits) -> TallyForm:
    """Today's counts as entered before, so saving again replaces rather than adds."""
    return TallyForm(formdata=None, data={"day": today.day, **today.tallies})


def _page(station, status: int = 200, **forms):
    history = services.visit_history(station, today_in_china())
    defaults = {
        "hours_form": _hours_form(station),
        "add_form": _add_form(station),
        "closure_form": ClosureForm(formdata=None),
        "tally_form": _tally_form(history[0]),
        "details_form": None,
    }
    return render_template(
        "operator/station.html",
        station=station,
        facilities=visible_facilities(station),
        audit=services.recent_audit(station),
        faults=open_faults(station.id),
        removed=services.removed_facilities(station),
        history=history,
        **(defaults | forms),
    ), status


@bp.get("/stations/<code>")
@login_required
def station(code: str):
    return _page(editable_station_or_404(code))


def _saved(station, message: str, anchor: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("operator.station", code=station.code, _anchor=anchor))


@bp.post("/stations/<code>/facilities")
@login_required
def facility_state(code: str):
    station = editable_station_or_404(code)
    form = FacilityStateForm()
    if not form.validate() or form.state.data not in ("working", "out_of_order", "removed"):
        return _page(station, 400)
    inbox.set_facility_state(station, form.facility.data, form.state.data, by=current_user)
    if form.state.data == "removed":
        return _saved(station, _("Removed. You can restore it below."), "removed")
    return _saved(station, _("Saved."), f"facility-{form.facility.data}")


@bp.post("/stations/<code>/facilities/<facility>/<any(confirm, fine):verdict>")
@login_required
def facility_report(code: str, facility: str, verdict: str):
    """One tap on visitors' fault report: 确认故障 or 已正常."""
    station = editable_station_or_404(code)
    if not ActionForm().validate():
        return _page(station, 400)
    if facility not in {item.facility.code for item in station.facilities}:
        abort(404)
    if verdict == "confirm":
        inbox.confirm_fault(station, facility, by=current_user)
        message = _("Confirmed: it shows as out of order until you mark it working.")
    else:
        inbox.mark_fine(station, facility, by=current_user)
        message = _("Marked working: the next visitors are asked whether it works.")
    return _saved(station, message, f"facility-{facility}")


@bp.post("/stations/<code>/facilities/<facility>/restore")
@login_required
def facility_restore(code: str, facility: str):
    station = editable_station_or_404(code)
    if not ActionForm().validate():
        return _page(station, 400)
    try:
        services.restore_facility(station, facility, by=current_user)
    except services.ChangeError:
        abort(404)
    return _saved(station, _("Facility restored."), f"facility-{facility}")


@bp.post("/stations/<code>/facilities/details")
@login_required
def facility_details(code: str):
    station = editable_station_or_404(code)
    form = FacilityDetailsForm()
    if not form.validate():
        return _page(station, 400, details_form=form)
    if form.facility.data not in {item.facility.code for item in station.facilities}:
        abort(404)  # details are for what the station has; adding is its own form
    changes = {
        "hours": (form.hours.data or "").strip(),  # a field left out of the post: empty
        "note": (form.note.data or "").strip(),
        "stock": form.stock.data,
    }
    services.set_station_facilities(station, {form.facility.data: changes}, by=current_user)
    return _saved(station, _("Saved."), f"facility-{form.facility.data}")


@bp.post("/stations/<code>/facilities/add")
@login_required
def facility_add(code: str):
    station = editable_station_or_404(code)
    form = _add_form(station)
    if not form.validate():
        return _page(station, 400, add_form=form)
    services.set_station_facilities(
        station, {form.facility.data: {"state": "working"}}, by=current_user
    )
    return _saved(station, _("Facility added."), "facilities")


@bp.post("/stations/<code>/hours")
@login_required
def opening_hours(code: str):
    station = editable_station_or_404(code)
    form = HoursForm()
    raw_only = request.form.get("mode") == "raw"
    if not (form.validate_raw_only() if raw_only else form.validate()):
        return _page(station, 400, hours_form=form)
    try:
        expression = form.raw.data if raw_only else _weekly(form)
        services.set_opening_hours(station, expression, by=current_user)
    except (services.ChangeError, ValueError) as error:
        form.raw.errors = [*form.raw.errors, str(error)]
        return _page(station, 400, hours_form=form)
    return _saved(station, _("Opening hours saved."), "hours")


def _weekly(form: HoursForm) -> str:
    week = [
        weekly_hours.DaySpec(day.closed.data, day.all_day.data, day.opens.data, day.closes.data)
        for day in (entry.form for entry in form.days)
    ]
    holiday = None
    if form.holidays.data == "custom":
        times = form.holiday.form
        holiday = weekly_hours.DaySpec(opens=times.opens.data, closes=times.closes.data)
    return weekly_hours.to_osm(week, form.holidays.data, holiday)


@bp.post("/stations/<code>/closure")
@login_required
def closure(code: str):
    station = editable_station_or_404(code)
    form = ClosureForm()
    if not form.validate():
        return _page(station, 400, closure_form=form)
    until = form.until.data.replace(tzinfo=SHANGHAI).astimezone(UTC) if form.until.data else None
    until = until or _preset(request.form.get("preset"))
    try:
        services.close_temporarily(station, form.reason.data, until, by=current_user)
    except services.ChangeError:
        form.until.errors.append(_("The reopening time must be in the future."))
        return _page(station, 400, closure_form=form)
    return _saved(station, _("The station shows as temporarily closed."), "status")


def _preset(name: str | None) -> datetime | None:
    """The one-tap durations on the closure form."""
    now = datetime.now(SHANGHAI).replace(second=0, microsecond=0)
    if name in ("1h", "4h"):
        return (now + timedelta(hours=int(name[0]))).astimezone(UTC)
    if name == "tomorrow":
        return datetime.combine(now.date() + timedelta(days=1), time(7), SHANGHAI).astimezone(UTC)
    return None


@bp.post("/stations/<code>/reopen")
@login_required
def reopen(code: str):
    station = editable_station_or_404(code)
    if ActionForm().validate():
        services.reopen(station, by=current_user)
        return _saved(station, _("The station shows as open again."), "status")
    return _page(station, 400)


@bp.post("/stations/<code>/verify")
@login_required
def verify(code: str):
    station = editable_station_or_404(code)
    if ActionForm().validate():
        services.mark_verified(station, by=current_user)
        return _saved(station, _("Thank you: marked as checked today."), "status")
    return _page(station, 400)


@bp.post("/stations/<code>/tally")
@login_required
def tally(code: str):
    station = editable_station_or_404(code)
    form = TallyForm()
    if not form.validate():
        return _page(station, 400, tally_form=form)
    services.record_tally(station, form.day.data, form.counts(), by=current_user)
    return _saved(station, _("Visitor counts saved."), "tally")


@bp.get("/feedback")
@login_required
def feedback_inbox():
    form = InboxFilterForm(request.args)
    codes = sorted(row.station.code for row in my_stations(current_user))
    form.station.choices = [SelectChoice("", _("All my stations"))] + [
        SelectChoice(code, code) for code in codes
    ]
    form.validate()
    items = inbox.inbox(
        current_user,
        status=form.valid("status"),
        station=form.valid("station"),
        category=form.valid("category"),
    )
    return render_template(
        "operator/inbox.html", form=form, items=items, action_form=FeedbackActionForm(formdata=None)
    )


@bp.post("/feedback/<int:feedback_id>")
@login_required
def feedback_action(feedback_id: int):
    item = inbox.feedback_for_edit_or_404(feedback_id)
    form = FeedbackActionForm()
    if not form.validate():
        abort(400)
    try:
        inbox.act(item, form.action.data, form.reply.data or "", by=current_user)
    except services.ChangeError as error:
        flash(str(error), "error")
        return redirect(request.referrer or url_for("operator.feedback_inbox"))
    db.session.commit()
    if form.action.data == "reject":
        flash(_("Marked as spam and hidden. To undo, show 'Rejected as spam'."), "success")
    else:
        flash(_("Done."), "success")
    return redirect(_back_to_inbox(item.id))


def _back_to_inbox(item_id: int) -> str:
    from ..auth.services import safe_next

    return (
        safe_next(request.form.get("back")) or url_for("operator.feedback_inbox")
    ) + f"#feedback-{item_id}"
