from flask import Blueprint

bp = Blueprint("stations", __name__)

from . import views  # noqa: E402,F401  (routes register on import)
