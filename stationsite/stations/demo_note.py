"""Whether this site holds the demo data set, so only a demo says its names are made up."""

from __future__ import annotations

import time

from sqlalchemy import select

from ..extensions import db
from ..models import Station

DEMO_MARK = "（演示）"  # every demo station's name ends with it (stationsite/demo.py)
CHECK_EVERY_S = 60
_seen: dict[str, tuple[float, bool]] = {}


def demo_data_loaded() -> bool:
    key = str(db.engine.url)
    stamp, loaded = _seen.get(key, (0.0, False))
    if time.monotonic() - stamp > CHECK_EVERY_S:
        query = select(Station.id).where(Station.name_zh.endswith(DEMO_MARK)).limit(1)
        loaded = db.session.scalar(query) is not None
        _seen[key] = (time.monotonic(), loaded)
    return loaded
