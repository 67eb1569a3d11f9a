# Copy to instance/config.py and edit. Environment variables override these.
# SECRET_KEY = "a long random string"
# DATABASE_URL = "postgresql+psycopg://stationsite@127.0.0.1/stationsite"
# REDIS_URL = "redis://127.0.0.1:6379/0"
# MAP_TILES = "none"   # or "openstreetmap", "amap", or a URL template with {z}/{x}/{y}
# MAP_CENTER = "30.2741,120.1551"
