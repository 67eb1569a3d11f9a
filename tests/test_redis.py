"""Rate limits shared through Redis when REDIS_URL is set (the Redis on 127.0.0.1:6379).

Set TEST_REDIS_URL to use another server; skipped with the reason when none answers.
"""

import os
import uuid

import pytest
import redis

from .conftest import _app_on_copy

pytestmark = pytest.mark.redis
URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {URL}: {error.__class__.__name__}")
    yield client
    client.close()


def test_limits_are_counted_in_redis_and_shared_by_workers(
    redis_client, empty_db_file, tmp_path, make_station
):
    prefix = f"test-{uuid.uuid4().hex[:8]}"
    config = {"REDIS_URL": URL, "RATELIMIT_KEY_PREFIX": prefix, "CHECKIN_LIMITS": "2 per minute"}
    first = _app_on_copy(empty_db_file, tmp_path, **config)
    second = _app_on_copy(empty_db_file, tmp_path, **config)  # another worker, same store
    try:
        with first.app_context():
            from stationsite.extensions import db
            from stationsite.models import Station

            for code in ("R-1", "R-2", "R-3"):
                db.session.add(
                    Station(code=code, kind="warm_station", name_zh=code, lat=30, lon=120)
                )
            db.session.commit()
        body = {"visitor_group": "courier"}
        assert (
            first.test_client().post("/api/v1/stations/R-1/checkins", json=body).status_code == 201
        )
        assert (
            second.test_client().post("/api/v1/stations/R-2/checkins", json=body).status_code == 201
        )
        blocked = first.test_client().post("/api/v1/stations/R-3/checkins", json=body)
        assert blocked.status_code == 429
        assert blocked.get_json()["error"]["code"] == "too_many_requests"
        assert any(redis_client.scan_iter(f"LIMITS:*{prefix}*"))
        health = first.test_client().get("/healthz").get_json()
        assert health["checks"]["redis"] == "ok"
    finally:
        for key in redis_client.scan_iter(f"LIMITS:*{prefix}*"):
            redis_client.delete(key)
