from flask import Blueprint

bp = Blueprint("operator", __name__, url_prefix="/operator")

from . import views  # noqa: E402,F401  (routes register on import)
