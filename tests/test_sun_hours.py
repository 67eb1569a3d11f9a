"""Hours by the sun (sunrise-sunset) are read at the station's own position on its page and
in the API, not left unknown."""

from __future__ import annotations

from datetime import datetime
from html import unescape

from stationsite import hours

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=hours.SHANGHAI)
MIDNIGHT = datetime(2026, 12, 2, 23, 30, tzinfo=hours.SHANGHAI)


def test_a_daylight_station_is_open_at_noon_and_closed_at_night(client, make_station, monkeypatch):
    make_station(code="SUN-1", opening_hours="sunrise-sunset", lat=30.25, lon=120.16)
    for at, state in ((NOON, "open"), (MIDNIGHT, "closed")):
        monkeypatch.setattr("stationsite.stations.views.this_minute", lambda at=at: at)
        monkeypatch.setattr("stationsite.api.views.this_minute", lambda at=at: at)
        feature = client.get("/api/v1/stations/SUN-1").get_json()["properties"]
        assert feature["open_now"] is (state == "open"), (state, feature["status_text"])
        page = unescape(client.get("/stations/SUN-1").get_data(as_text=True))
        assert "未知" not in page.split("<main", 1)[1].split("</section>", 1)[0], state
