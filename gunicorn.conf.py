"""gunicorn settings for stationsite (read automatically when gunicorn starts in this folder,
or with `gunicorn -c gunicorn.conf.py 'stationsite:create_app()'`). Environment overrides:
PORT, WEB_CONCURRENCY, GUNICORN_TIMEOUT."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# A worker's first locator query builds the station index (seconds at 200,000 stations, up to
# a minute at 2,000,000): give it room rather than kill it. Slow dependencies answer 503
# within seconds on their own (DATABASE_TIMEOUT_S, STORE_TIMEOUT_S), so this is not what
# protects requests from hanging.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5  # seconds a keep-alive connection from the proxy waits for its next request
# Recycle workers now and then (staggered) so that no slow leak grows forever.
max_requests = 5000
max_requests_jitter = 500
# Requests larger than this never reach the app (photos and imports have their own limits).
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
# The proxy in front sets X-Forwarded-*; stationsite trusts them only with PROXY_COUNT set.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
