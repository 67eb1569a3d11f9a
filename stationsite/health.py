"""GET /healthz: the database, and Redis when configured."""

from __future__ import annotations

import redis
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from .extensions import db

bp = Blueprint("health", __name__)


def _check_database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        db.session.rollback()
        return f"error: {type(exc).__name__}"


def _check_redis(url: str) -> str:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except redis.RedisError as exc:
        return f"error: {type(exc).__name__}"


@bp.get("/healthz")
def healthz():
    checks = {"database": _check_database()}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = _check_redis(current_app.config["REDIS_URL"])
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", "checks": checks}
    return jsonify(body), 200 if healthy else 503
