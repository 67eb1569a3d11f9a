"""Security headers and CSRF, set once for every response."""

from __future__ import annotations

import hashlib
import secrets

from flask import Flask, Response, g, request, session
from flask_babel import lazy_gettext as _l

from .extensions import compress, csrf, db, login_manager

BROWSER_KEY = "browser"  # browser_fingerprint() of the browser that signed in

CSP = "; ".join(
    [
        "default-src 'self'",
        # every script file is local; folium's map set-up runs inline under this response's
        # nonce (csp_nonce()), so no injected script can run
        "script-src 'self'{nonce}",
        "style-src 'self' 'unsafe-inline'",
        # map tiles are the only remote content, and optional
        "img-src 'self' data: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)


def init_app(app: Flask, exempt=()) -> None:
    """CSRF on every form; machine APIs (JSON, Open311) carry no cookie credentials."""
    csrf.init_app(app)
    for blueprint in exempt:
        csrf.exempt(blueprint)
    compress.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see that page.")
    # Flask-Login's "strong" protection rewrites every anonymous session that holds a CSRF
    # token (and sends a remember-cookie deletion), so no public page could be cached. The
    # same protection is kept for signed-in staff in _load_user: a session copied to another
    # browser is refused.
    login_manager.session_protection = None
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config["SESSION_COOKIE_SECURE"])
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_headers)


def csp_nonce() -> str:
    """This response's script nonce: `<script nonce="{{ csp_nonce() }}">` in a template."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def browser_fingerprint() -> str:
    """What a copied session cookie would not bring along: the browser's User-Agent (not the
    address, which changes whenever a phone switches networks)."""
    agent = request.headers.get("User-Agent", "")[:300]
    return hashlib.sha256(agent.encode()).hexdigest()[:32]


def _headers(response: Response) -> Response:
    if request.is_secure:  # once over TLS, always over TLS
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    nonce = g.get("csp_nonce")
    response.headers.setdefault(
        "Content-Security-Policy", CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else "")
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault(
        "Permissions-Policy", "geolocation=(self), camera=(), microphone=()"
    )
    return response


@login_manager.user_loader
def _load_user(user_id: str):
    """The signed-in user, if the session is still one the server knows: signing out,
    changing the password or disabling the account ends it on every copy of the cookie."""
    from .auth.services import session_is_live
    from .auth.views import SESSION_KEY
    from .models import User

    valid = user_id.isascii() and user_id.isdigit() and len(user_id) < 10
    user = db.session.get(User, int(user_id)) if valid else None
    if user is None or not user.active or session.get(BROWSER_KEY) != browser_fingerprint():
        return None
    return user if session_is_live(user, session.get(SESSION_KEY)) else None
