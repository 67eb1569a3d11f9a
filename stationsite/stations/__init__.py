from flask import Blueprint

bp = Blueprint("stations", __name__, cli_group=None)  # its commands are top-level

from . import commands, offline, views  # noqa: E402,F401  (routes and commands register on import)
