"""Configuration defaults. Layered by the factory: these, then instance/config.py, then env."""

import os
from urllib.parse import urlsplit

ENV_KEYS = (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "SITE_NAME",
    "DEFAULT_LOCALE",
    "TIMEZONE",
    "MAP_TILES",
    "GEOCODER",
    "MAP_CENTER",
    "SESSION_COOKIE_SECURE",
    "PROXY_COUNT",
    "FEEDBACK_REQUIRE_APPROVAL",
    "SERVICE_AREA",
    "PUBLIC_URL",
    "TRUSTED_HOSTS",
)


class Defaults:
    SECRET_KEY = "dev-only-change-me"
    DATABASE_URL = None  # filled in from the instance path by the factory
    REDIS_URL = None
    SITE_NAME = "驿站地图"
    DEFAULT_LOCALE = "zh_Hans_CN"
    LANGUAGES = ("zh_Hans_CN", "en")
    TIMEZONE = "Asia/Shanghai"
    # A provider name from stationsite.maps.TILE_PROVIDERS, a URL template, or "none".
    MAP_TILES = "openstreetmap"
    GEOCODER = "offline"
    MAP_CENTER = "30.2741,120.1551"  # Hangzhou, the demo city
    MAP_MAX_FEATURES = 500
    SERVICE_AREA = "73,3,136,54"  # bounds imports accept: min lon, min lat, max lon, max lat
    LOCATOR_REFRESH_S = 1.0
    # Fail fast: seconds to wait for PostgreSQL (connect, a pooled connection) and for Redis
    # before answering 503; an optional PostgreSQL statement timeout for web requests.
    DATABASE_TIMEOUT_S = 2
    STORE_TIMEOUT_S = 2
    STATEMENT_TIMEOUT_S = None
    # Riders' searches, kept anonymously for planning, are buffered per process and written
    # in batches of this many, or once the oldest has waited this long (0: at once).
    SEARCH_LOG_BATCH = 50
    SEARCH_LOG_FLUSH_S = 5.0
    # Visitors' feedback: comments show publicly only once approved; the same text from the
    # same client to the same station within the window is stored once.
    FEEDBACK_REQUIRE_APPROVAL = True
    FEEDBACK_DEDUPE_WINDOW_S = 600
    FEEDBACK_LIMITS = "5 per 10 minutes;30 per day"  # per client
    STATION_WRITE_LIMITS = "300 per hour"  # per station, all clients together
    CHECKIN_LIMITS = "20 per hour"  # per client, all stations together
    # per client address at one station: a phone's repeats are already counted once (the
    # check-in window); this bounds one host rotating its User-Agent, yet lets a few riders
    # behind one carrier's shared address check in at the same station
    REPEAT_CHECKIN_LIMITS = "10 per hour"
    STATION_CHECKIN_LIMITS = "300 per hour"  # per station, all clients together
    # How many proxies in front set X-Forwarded-For / -Proto (0: none, use the peer address).
    PROXY_COUNT = 0
    # The public origin ("https://stations.example.cn"): every absolute URL uses it, and
    # requests for any other host are refused (TRUSTED_HOSTS, derived from it when unset).
    PUBLIC_URL = None
    TRUSTED_HOSTS = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None
    # Request bodies: 1 MB for every form and JSON write; more only where files are sent.
    MAX_CONTENT_LENGTH = 1024 * 1024
    BODY_LIMITS = {
        "admin.import_stations": 100 * 1024 * 1024,  # a national list as CSV is ~60 MB
        "feedback.feedback": 3 * 12 * 1024 * 1024 + 1024 * 1024,  # three phone photos
    }
    # Compress API answers. Not HTML: pages carry a CSRF token beside
    # reflected input, which compression would expose to BREACH-style guessing.
    COMPRESS_MIMETYPES = [
        "application/json",
        "application/geo+json",
        "text/css",
        "text/javascript",
        "application/javascript",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    # Small answers (the catalogue, a nearby list) go out as they are: compressing them in
    # the app cost more time than their bytes on the wire; a front proxy may still do it.
    COMPRESS_MIN_SIZE = 16 * 1024
    # Static files are streamed; compressing streams leaves their files open (Flask-Compress
    # 1.25), and a front proxy compresses static files better anyway.
    COMPRESS_STREAMS = False


def from_environ() -> dict:
    """The recognised settings present in the environment, typed where needed."""
    found = {key: os.environ[key] for key in ENV_KEYS if os.environ.get(key)}
    for flag in ("SESSION_COOKIE_SECURE", "FEEDBACK_REQUIRE_APPROVAL"):
        if flag in found:
            found[flag] = found[flag].lower() in ("1", "true", "yes")
    if "TRUSTED_HOSTS" in found:
        found["TRUSTED_HOSTS"] = [host.strip() for host in found["TRUSTED_HOSTS"].split(",")]
    if "PROXY_COUNT" in found:
        found["PROXY_COUNT"] = int(found["PROXY_COUNT"])
    return found


def trusted_hosts(config) -> list[str] | None:
    """The Host names this site answers to: TRUSTED_HOSTS, or PUBLIC_URL's host and the local
    names health checks use. None (any host) when neither is set, as in development."""
    if config.get("TRUSTED_HOSTS"):
        return list(config["TRUSTED_HOSTS"])
    if config.get("PUBLIC_URL"):
        return [urlsplit(config["PUBLIC_URL"]).hostname, "localhost", "127.0.0.1"]
    return None
