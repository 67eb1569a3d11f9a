"""Who is asking, without keeping who they are: a keyed hash of the client, never its address.

The key is derived from SECRET_KEY and the date in China, so it rotates every day: yesterday's
hashes cannot be linked to today's, and no stored value leads back to an IP address.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date, datetime, timedelta

from flask import current_app, request

from .hours import SHANGHAI


def _day_key(day: date) -> bytes:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, f"client-hash:{day.isoformat()}".encode(), hashlib.sha256).digest()


def _today() -> date:
    return datetime.now(SHANGHAI).date()


def client_hash(day: date | None = None) -> str:
    """This client (address and browser) under `day`'s key."""
    identity = f"{request.remote_addr or '-'}|{request.user_agent.string[:200]}"
    return hmac.new(_day_key(day or _today()), identity.encode(), hashlib.sha256).hexdigest()


def recent_client_hashes() -> tuple[str, str]:
    """Today's and yesterday's hash: windows that cross midnight still see the client."""
    today = _today()
    return client_hash(today), client_hash(today - timedelta(days=1))


def address_key(purpose: str) -> str:
    """The client's address (as the trusted proxies report it) under a key that does not
    rotate: for limits and sign-in throttles, which must not reset at midnight. Never the
    User-Agent or any other header a client can choose."""
    secret = current_app.config["SECRET_KEY"].encode()
    address = (request.remote_addr or "-").encode()
    return hmac.new(secret, f"{purpose}:".encode() + address, hashlib.sha256).hexdigest()[:32]
