from flask import Blueprint

bp = Blueprint("feedback", __name__)

from . import public, views  # noqa: E402,F401  (routes and filters register on import)
