from flask import Blueprint

bp = Blueprint("operator", __name__, url_prefix="/operator")

from . import audit_trail, views  # noqa: E402,F401  (routes, template globals register)
