from flask import Blueprint

# cli_group=None: `flask send-alerts`. The form's body limit (photos) is BODY_LIMITS's.
bp = Blueprint("feedback", __name__, cli_group=None)

from . import public, views, worker  # noqa: E402,F401  (routes, filters, hooks register)
