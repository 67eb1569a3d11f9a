# Copy to instance/config.py and edit. Environment variables override these.
# SECRET_KEY = "a long random string"
# DATABASE_URL = "postgresql+psycopg://stationsite@127.0.0.1/stationsite"
# REDIS_URL = "redis://127.0.0.1:6379/0"
# Map tiles. The map works without any ("none": stations, the rider, district and place names).
# In mainland China: "tianditu:<key>" (天地图, the official service, WGS-84; a free key from
# console.tianditu.gov.cn), "amap" or "tencent" (drawn in GCJ-02; the site converts its pins).
# Also a URL template with {z}/{x}/{y} ("gcj02:<template>" when its tiles are GCJ-02).
# "openstreetmap" (tile.openstreetmap.org) is slow from China and not meant for app traffic.
# MAP_TILES = "tianditu:your-key"
# MAP_CENTER = "30.2741,120.1551"
