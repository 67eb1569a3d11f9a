from io import BytesIO

import segno
from flask import (
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..clients import recent_client_hashes
from ..extensions import db
from ..i18n import current_lang
from ..limits import checkin_limits, feedback_limits
from ..stations.services import get_station_or_404
from . import bp, faults, follow, photos
from .forms import FeedbackForm, GroupForm, QRCheckinForm, QuickRatingForm, VoteForm
from .public import station_faults
from .services import (
    Submission,
    check_in,
    reportable_facilities,
    set_visit_group,
    submit_feedback,
)

GROUP_COOKIE = "visitor_group"
FOLLOW_KEY = "follow"
ASK_GROUP_KEY = "ask_group"  # the first check-in, made without saying who
ONE_YEAR = 365 * 24 * 3600


def _remember_group(response, group: str | None):
    if group:
        response.set_cookie(GROUP_COOKIE, group, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


def _remembered_group() -> str | None:
    return request.cookies.get(GROUP_COOKIE)


@bp.route("/stations/<code>/feedback", methods=["GET", "POST"])
@feedback_limits
def feedback(code: str):
    station = get_station_or_404(code)
    form = FeedbackForm()
    form.set_facilities(reportable_facilities(station, form.category.data), current_lang())
    if request.method == "GET":
        form.category.data = request.args.get("category") or form.category.data
        form.facility.data = request.args.get("facility") or form.facility.data
        form.visitor_group.data = form.visitor_group.data or _remembered_group()
    if form.validate_on_submit():
        if not form.is_bot:  # bots are thanked too, and nothing is stored
            item, new = submit_feedback(station, form.submission(), recent_client_hashes())
            if new:
                photos.attach(item, form.encoded_photos)
            db.session.commit()
            session[FOLLOW_KEY] = item.follow_token  # the thanks page shows its link
        response = redirect(url_for("feedback.thanks", code=code, category=form.category.data))
        return _remember_group(response, form.visitor_group.data)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "feedback/form.html", station=station, form=form, **station_faults(station)
    ), status


@bp.get("/stations/<code>/feedback/thanks")
def thanks(code: str):
    station = get_station_or_404(code)
    item = follow.by_token(session.get(FOLLOW_KEY, ""))
    if item is not None and item.station_id != station.id:
        item = None
    response = make_response(
        render_template(
            "feedback/thanks.html",
            station=station,
            category=request.args.get("category", ""),
            item=item,
            follow_url=follow.follow_url(item) if item else None,
        )
    )
    return _private(response) if item else response


def _private(response):
    """A page carrying a follow token: not cached, not indexed, not sent on as a referrer."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/follow/<token>")
def follow_report(token: str):
    item = follow.by_token(token)
    if item is None:
        abort(404)
    return _private(
        make_response(
            render_template("feedback/follow.html", item=item, status=follow.visitor_status(item))
        )
    )


@bp.post("/stations/<code>/rate")
@feedback_limits
def rate(code: str):
    station = get_station_or_404(code)
    form = QuickRatingForm()
    if not form.validate():
        return render_template("feedback/rate_failed.html", station=station, form=form), 400
    submission = Submission(
        visitor_group=form.visitor_group.data,
        category="praise" if form.rating.data >= 4 else "suggestion",
        rating=form.rating.data,
    )
    submit_feedback(station, submission, recent_client_hashes())
    db.session.commit()
    response = redirect(url_for("feedback.thanks", code=code, category="rating"))
    return _remember_group(response, form.visitor_group.data)


VOTED = {
    "me_too": _l("Thank you: your report is added to the others."),
    "fixed": _l("Thank you for confirming it works."),
    "still_broken": _l("Thank you: the report is open again and the operator is told."),
}


@bp.post("/stations/<code>/reports/<int:report_id>/<any(me_too, fixed, still_broken):kind>")
@feedback_limits
def vote(code: str, report_id: int, kind: str):
    station = get_station_or_404(code)
    report = faults.open_report(station.id, report_id)
    if report is None:
        abort(404)
    if not VoteForm().validate():
        abort(400)
    faults.vote(report, kind, recent_client_hashes()[0])
    db.session.commit()
    flash(VOTED[kind], "success")
    return redirect(url_for("stations.detail", code=code))


@bp.route("/stations/<code>/checkin", methods=["GET", "POST"])
@checkin_limits
def checkin(code: str):
    station = get_station_or_404(code)
    form = QRCheckinForm()
    if request.method == "GET":
        form.visitor_group.data = _remembered_group()
    if form.validate_on_submit():
        # the field is optional, and Optional() lets blank text ("\r") through unchecked
        group = (form.visitor_group.data or "").strip() or None
        visit, created = check_in(station, group or "other", recent_client_hashes())
        db.session.commit()
        if created and not group:
            session[ASK_GROUP_KEY] = visit.id  # asked on the next page, once
        target = url_for("feedback.checked_in", code=code, again=None if created else 1)
        return _remember_group(redirect(target), group)
    status = 400 if request.method == "POST" else 200
    return render_template("feedback/checkin.html", station=station, form=form), status


@bp.get("/stations/<code>/checkin/done")
def checked_in(code: str):
    station = get_station_or_404(code)
    form = QuickRatingForm(formdata=None)
    form.visitor_group.data = _remembered_group()
    ask = session.get(ASK_GROUP_KEY) and not _remembered_group()
    return render_template(
        "feedback/checked_in.html",
        station=station,
        form=form,
        group_form=GroupForm(formdata=None) if ask else None,
        again=bool(request.args.get("again")),
        **station_faults(station),
    )


@bp.post("/stations/<code>/checkin/group")
@checkin_limits
def checkin_group(code: str):
    station = get_station_or_404(code)
    form = GroupForm()
    if not form.validate():
        abort(400)
    visit_id = session.pop(ASK_GROUP_KEY, None)
    if visit_id:
        set_visit_group(station, visit_id, form.visitor_group.data)
        db.session.commit()
    flash(_l("Thank you."), "success")
    response = redirect(url_for("feedback.checked_in", code=code))
    return _remember_group(response, form.visitor_group.data)


@bp.get("/photos/<name>")
def photo(name: str):
    found = photos.by_name(name)
    if found is None or not photos.may_see(found, current_user, request.args.get("t")):
        abort(404)
    response = send_from_directory(photos.photo_dir(), found.name, mimetype="image/jpeg")
    response.cache_control.private = not found.approved
    response.cache_control.max_age = 3600
    return response


@bp.get("/stations/<code>/qr.svg")
def qr(code: str):
    station = get_station_or_404(code)
    target = follow.public_url("feedback.checkin", code=station.code)  # PUBLIC_URL
    buffer = BytesIO()
    segno.make(target, error="m").save(
        buffer, kind="svg", scale=10, border=2, title=station.name_zh
    )
    response = make_response(buffer.getvalue())
    response.mimetype = "image/svg+xml"
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    return response


@bp.get("/stations/<code>/poster")
def poster(code: str):
    station = get_station_or_404(code)
    target = follow.public_url("feedback.checkin", code=station.code)  # PUBLIC_URL
    return render_template("feedback/poster.html", station=station, target=target)
