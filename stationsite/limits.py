"""Rate limits that fail closed: if their store is down, writes are refused, not let through.

Memory by default; Redis when REDIS_URL is set (shared by every worker).
"""

from __future__ import annotations

from functools import partial

import redis
from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from limits.errors import StorageError

from .clients import address_key
from .errors import APIError, wants_json

limiter = Limiter(key_func=lambda: per_client())  # defined below


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    # A Redis that accepts connections but never answers must not hold a request: give up
    # within STORE_TIMEOUT_S and refuse the write (503) rather than wait for the worker timeout.
    timeout = app.config.get("STORE_TIMEOUT_S", 2)
    app.config.setdefault(
        "RATELIMIT_STORAGE_OPTIONS",
        {"socket_connect_timeout": timeout, "socket_timeout": timeout},
    )
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", False)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", False)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    # Flask-Limiter keeps `enabled` on its one shared object and falls back to it when an
    # app does not say: an app built with limits off must not switch them off for the next.
    app.config.setdefault("RATELIMIT_ENABLED", True)
    limiter.init_app(app)
    # Limits guard writes; a read-only request never pays for a round trip to the store,
    # nor for the limiter's own bookkeeping (it would evaluate every limit, then drop them).
    limiter.request_filter(_read_only)
    _skip_for_reads(app.before_request_funcs.setdefault(None, []), _limiter_hook)
    _skip_for_reads(app.after_request_funcs.setdefault(None, []), _limiter_hook, answer=True)
    _skip_for_reads(app.teardown_request_funcs.setdefault(None, []), _limiter_hook)
    for error in (StorageError, redis.RedisError):
        app.register_error_handler(error, _store_down)


READ_ONLY = frozenset({"GET", "HEAD", "OPTIONS"})


def _read_only() -> bool:
    return request.method in READ_ONLY


def _limiter_hook(hook) -> bool:
    """One of the hooks Flask-Limiter registers (its check, header and clean-up steps)."""
    owner = getattr(hook, "__self__", None)
    if owner is None and isinstance(hook, partial):
        owner = hook.args[0] if hook.args else None
    return owner is limiter


def _skip_for_reads(hooks: list, is_limiters, answer: bool = False) -> None:
    """Wrap the limiter's hooks so a read-only request passes them at once (`answer`: an
    after-request hook, which hands the response back)."""
    for i, hook in enumerate(hooks):
        if not is_limiters(hook):
            continue

        def skipping(*args, _hook=hook):
            if request.method in READ_ONLY:
                return args[0] if answer else None
            return _hook(*args)

        hooks[i] = skipping


def _store_down(error: Exception):
    """The limiter could not count this request: refuse it rather than let it through."""
    from flask import current_app, render_template

    current_app.logger.error("rate-limit store unavailable: %s", error)
    message = _("We cannot take submissions right now. Please try again in a few minutes.")
    if wants_json():
        return APIError(503, "unavailable", message).response()
    return render_template("errors/error.html", error=None, message=message), 503


def per_client() -> str:
    """The client's address under a key: changing the User-Agent buys no fresh allowance."""
    return address_key("limit")


def per_station() -> str:
    return f"station:{(request.view_args or {}).get('code', '')}"


def per_client_and_station() -> str:
    return f"{per_client()}:{per_station()}"


def feedback_limits(view):
    """Every feedback write: limited per client and per station (on POST)."""
    view = limiter.limit(
        lambda: current_app.config["FEEDBACK_LIMITS"], key_func=per_client, methods=["POST"]
    )(view)
    return limiter.limit(
        lambda: current_app.config["STATION_WRITE_LIMITS"], key_func=per_station, methods=["POST"]
    )(view)


def checkin_limits(view):
    """Every check-in (on POST): limited per client across stations, per client at one
    station (a visit is one check-in, not twenty), and per station across clients, so the
    visit figures the union reports cannot be inflated from one place or from many."""
    for setting, key in (
        ("CHECKIN_LIMITS", per_client),
        ("REPEAT_CHECKIN_LIMITS", per_client_and_station),
        ("STATION_CHECKIN_LIMITS", per_station),
    ):
        view = limiter.limit(
            lambda setting=setting: current_app.config[setting], key_func=key, methods=["POST"]
        )(view)
    return view
