from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..security import BROWSER_KEY, browser_fingerprint
from . import bp
from .forms import LoginForm, LogoutForm, PasswordForm
from .services import (
    authenticate,
    change_password,
    end_session,
    safe_next,
    start_session,
)

SESSION_KEY = "signed_in"  # the session's secret; its hash names the UserSession row


def home_for(user) -> str:
    return url_for("admin.index" if user.role.value == "admin" else "operator.dashboard")


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Throttled by the failures kept in the database (auth.services), not the rate-limit
    store, so staff can still sign in while Redis is down."""
    form = LoginForm(next=request.args.get("next"))
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            session.clear()  # no session fixation: a fresh session for the signed-in user
            login_user(user)
            session[SESSION_KEY] = start_session(user)
            session[BROWSER_KEY] = browser_fingerprint()
        db.session.commit()  # failed attempts count even when the login fails
        if user is not None:
            return redirect(safe_next(form.next.data) or home_for(user))
        form.password.errors.append(
            _(
                "Wrong username or password, or the account is locked "
                "for a while after repeated failures."
            )
        )
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    if LogoutForm().validate_on_submit():
        end_session(session.get(SESSION_KEY))
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You have signed out."), "info")
    return redirect(url_for("stations.index"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if change_password(current_user, form.current.data, form.new.data):
            # every other browser is signed out; this one carries on in a new session
            session[SESSION_KEY] = start_session(current_user)
            db.session.commit()
            flash(_("Your password has been changed."), "info")
            return redirect(home_for(current_user))
        form.current.errors.append(_("That is not your current password."))
    status = 400 if form.errors else 200
    return render_template("auth/password.html", form=form), status
