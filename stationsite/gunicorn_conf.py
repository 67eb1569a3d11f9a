"""gunicorn settings for stationsite, installed with the package so they work from any
directory: `gunicorn -c python:stationsite.gunicorn_conf 'stationsite:create_app()'` (in the
checkout, gunicorn.conf.py reads these). Environment overrides: PORT, WEB_CONCURRENCY,
GUNICORN_TIMEOUT, FORWARDED_ALLOW_IPS."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
worker_class = "sync"
# Workers map the locator's shared snapshot at start (post_worker_init below: a tenth of a
# second at 2,000,000 stations). Only the very first start on a database builds it, once for
# all workers (under a minute at 2,000,000): room for that rather than a kill. Slow
# dependencies answer 503 within seconds on their own (DATABASE_TIMEOUT_S, STORE_TIMEOUT_S),
# so this is not what protects requests from hanging.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5  # seconds a keep-alive connection from the proxy waits for its next request
# Recycle workers now and then (staggered) so that no slow leak grows forever; not every few
# seconds: a worker answers thousands of API requests a second, and each restart costs a
# second of CPU and a cold cache.
max_requests = 200_000
max_requests_jitter = 20_000
# Requests larger than this never reach the app (photos and imports have their own limits).
limit_request_line = 8190
accesslog = "-"
errorlog = "-"
# The proxy in front sets X-Forwarded-*; stationsite trusts them only with PROXY_COUNT set.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Before a worker takes requests: open the locator's index (the first worker builds the
    shared snapshot under a file lock, the others wait and map it; later starts map it at
    once), then move everything loaded so far out of the garbage collector's sight, so a
    full collection no longer walks the app's start-up objects."""
    import gc

    app = worker.wsgi
    if getattr(app, "name", "") != "stationsite":  # another app under this config (bench)
        return
    try:
        with app.app_context():
            from stationsite.locator.service import current_index

            current_index()
    except Exception:  # a database not there yet: the first request tries again
        worker.log.exception("locator index not opened at start-up")
    finally:
        try:
            from stationsite.extensions import db

            with app.app_context():
                db.session.remove()
        except Exception:
            pass
    gc.collect()
    gc.freeze()
