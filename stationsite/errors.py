"""Error pages for people, JSON errors for the API; never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, SecurityError

from .extensions import db

DATABASE_DOWN = (OperationalError, InterfaceError, PoolTimeout)

# What a person reads for the errors a page can end in, in their language; Werkzeug's own
# titles and descriptions are English only. A view's own description is kept.
PAGES = {
    400: (
        _l("The request could not be read"),
        _l(
            "Something in the address or the form could not be understood."
            " Please check it and try again."
        ),
    ),
    403: (
        _l("You may not see this page"),
        _l("Your account may not open this page. Sign in with an account that may, or go back."),
    ),
    405: (
        _l("This page cannot be opened this way"),
        _l("Please go back and use the page's own links and buttons."),
    ),
    413: (_l("Too large"), _l("What you sent is larger than this page accepts.")),
}
EXPIRED_FORM = (
    _l("This form has expired"),
    _l("Please reload the page and send the form again."),
)


class APIError(Exception):
    """An API error answered as {"error": {"code", "message", "fields"}}."""

    def __init__(self, status: int, code: str, message: str, fields: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields or {}

    def response(self):
        body = {"error": {"code": self.code, "message": self.message, "fields": self.fields}}
        return jsonify(body), self.status


def wants_json() -> bool:
    return request.path.startswith(("/api/", "/open311/", "/healthz"))


def init_app(app: Flask) -> None:
    app.register_error_handler(APIError, lambda error: error.response())
    app.register_error_handler(HTTPException, _http_error)
    for error in DATABASE_DOWN:
        app.register_error_handler(error, _database_down)
    app.register_error_handler(Exception, _unexpected)


def _database_down(error: Exception):
    """The database could not be reached or stopped answering: a clear 503, not a 500."""
    from flask import current_app

    try:
        db.session.rollback()
    except Exception:  # the connection is already gone: nothing to undo
        current_app.logger.warning("rollback failed after a database error")
    current_app.logger.error("database unavailable: %s", error)
    message = _("The service is briefly unavailable. Please try again in a minute.")
    if wants_json():
        return APIError(503, "unavailable", message).response()
    return render_template("errors/unavailable.html", message=message), 503


def _http_error(error: HTTPException):
    # a 405 names the methods that would work (Allow), as HTTP requires
    allow = (
        {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    )
    if wants_json():
        code = (error.name or "error").lower().replace(" ", "_")
        body, status = APIError(error.code or 500, code, error.description or error.name).response()
        return body, status, allow
    if isinstance(error, SecurityError):  # a Host not trusted: no page links can be built
        return error.description, error.code, {"Content-Type": "text/plain; charset=utf-8"}
    template = "errors/404.html" if error.code == 404 else "errors/error.html"
    title, detail = PAGES.get(error.code, (None, None))
    if isinstance(error, CSRFError):  # its descriptions are English only
        title, detail = EXPIRED_FORM
    elif error.description and error.description != type(error).description:
        detail = error.description  # the view's own words
    try:
        page = render_template(template, error=error, title=title, detail=detail)
        return page, error.code, allow
    except DATABASE_DOWN as down:  # the page's frame reads the database (a signed-in user)
        return _database_down(down)


def _unexpected(error: Exception):
    db.session.rollback()
    if isinstance(error, HTTPException):  # pragma: no cover - handled above
        return _http_error(error)
    from flask import current_app

    current_app.logger.exception("unhandled error")
    if wants_json():
        return APIError(500, "internal_error", _("Something went wrong on our side.")).response()
    try:
        return render_template("errors/error.html", error=None), 500
    except DATABASE_DOWN as down:
        return _database_down(down)
