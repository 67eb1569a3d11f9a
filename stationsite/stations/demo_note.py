"""Whether this site holds the demo data set, so only a demo says its names are made up."""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..models import Station

DEMO_MARK = "（演示）"  # every demo station's name ends with it (stationsite/demo.py)
CHECK_EVERY_S = 60
_seen: dict[str, tuple[float, bool]] = {}


def demo_data_loaded() -> bool:
    """Asked by every page's footer, error pages too: a database that is down leaves the
    last answer (the page itself says what went wrong), never an error of its own."""
    key = str(db.engine.url)
    stamp, loaded = _seen.get(key, (0.0, False))
    if time.monotonic() - stamp > CHECK_EVERY_S:
        query = select(Station.id).where(Station.name_zh.endswith(DEMO_MARK)).limit(1)
        try:
            loaded = db.session.scalar(query) is not None
        except SQLAlchemyError:
            db.session.rollback()
            return loaded
        _seen[key] = (time.monotonic(), loaded)
    return loaded
