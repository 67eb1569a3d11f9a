"""stationsite: the map, locator and feedback service for outdoor workers' rest stations."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import Defaults, from_environ, trusted_hosts

PACKAGE = Path(__file__).parent  # templates/, static/ and migrations/ are found from here
CHECKOUT = PACKAGE.resolve().parent


def _instance_path() -> str:
    """instance/ beside the code in a checkout; STATIONSITE_INSTANCE or Flask's default
    (<prefix>/var/stationsite-instance) for an installed package."""
    if os.environ.get("STATIONSITE_INSTANCE"):
        return os.environ["STATIONSITE_INSTANCE"]
    if (CHECKOUT / "setup.cfg").exists():
        return str(CHECKOUT / "instance")
    return str(Path(sys.prefix) / "var" / "stationsite-instance")


def create_app(test_config: dict | None = None) -> Flask:
    """Layered config: defaults, instance/config.py, environment, then `test_config`."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=_instance_path(),
        template_folder=str(PACKAGE / "templates"),
        static_folder=str(PACKAGE / "static"),
    )
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.update(from_environ())
    if test_config:
        app.config.update(test_config)
    if not app.config.get("DATABASE_URL"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["DATABASE_URL"] = f"sqlite:///{Path(app.instance_path) / 'stationsite.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)  # Flask refuses other Host headers

    from .extensions import CookieSessions

    app.session_interface = CookieSessions()

    from . import cli, database, errors, i18n, inputs, limits, security, static_files
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .auth import bp as auth_bp
    from .feedback import bp as feedback_bp
    from .health import bp as health_bp
    from .open311 import bp as open311_bp
    from .operator import bp as operator_bp
    from .reports import downloads  # noqa: F401
    from .reports.views import bp as reports_bp
    from .stations import bp as stations_bp

    if app.config["PROXY_COUNT"]:
        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    inputs.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app, exempt=(api_bp, open311_bp))
    errors.init_app(app)
    limits.init_app(app)
    cli.init_app(app)
    blueprints = (
        stations_bp,
        feedback_bp,
        auth_bp,
        operator_bp,
        admin_bp,
        reports_bp,
        api_bp,
        open311_bp,
        health_bp,
    )
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    static_files.init_app(app)
    return app
