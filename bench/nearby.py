"""Nearby search on a national data set, with its baselines, in one run.

    .venv/bin/python -m bench.nearby [--count 200000] [--queries 5000]

Figures (all on the same stations): the locator in-process (index only, and with the database
load a response needs), over HTTP through gunicorn against the cheapest endpoint
(/api/v1/facilities), a full scan computing geopy distances, an ORM select() over a lat/lon
B-tree box, PostGIS geography KNN where PostGIS is installed, and the viewport response size
at every zoom. Results go to bench/RESULTS.md. Traffic stays on 127.0.0.1; every loop is
bounded.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from geopy.distance import distance as geodesic_distance
from sqlalchemy import select

from bench import common
from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.locator import index as idx
from stationsite.locator.queries import nearby_records
from stationsite.locator.service import current_index
from stationsite.models import Station

ROOT = Path(__file__).resolve().parent.parent
VIEWS = [  # (label, bbox, zoom)
    ("national, zoom 4", (73.5, 18.0, 135.0, 53.6), 4),
    ("a province, zoom 7", (118.0, 27.0, 123.0, 31.5), 7),
    ("a city, zoom 10", (119.8, 29.9, 120.6, 30.5), 10),
    ("a district, zoom 13", (120.10, 30.20, 120.25, 30.32), 13),
    ("a few streets, zoom 16", (120.15, 30.25, 120.17, 30.27), 16),
]


def national_db(count: int) -> str:
    path = common.OUT / f"national-{count}.sqlite3"
    url = f"sqlite:///{path}"
    if not path.exists():
        common.OUT.mkdir(exist_ok=True)
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
        with app.app_context():
            migrate_to_head()
            from stationsite.synthetic import generate_stations

            started = time.perf_counter()
            generate_stations(count)
            db.session.commit()
            print(f"generated {count} stations in {time.perf_counter() - started:.0f} s")
    return url


def rider_points(app, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Riders are where stations are: near a random station, within about a kilometre."""
    with app.app_context():
        index = current_index()
    rows = [rng.randrange(len(index)) for _ in range(n)]
    return [
        (float(index.lat[r]) + rng.gauss(0, 0.008), float(index.lon[r]) + rng.gauss(0, 0.008))
        for r in rows
    ]


def in_process(app, points, at) -> dict:
    with app.app_context():
        started = time.perf_counter()
        app.extensions.pop("station_index", None)
        index = current_index()
        build_s = time.perf_counter() - started
        plain = common.timed(lambda p: idx.nearby(index, *p, at, limit=10, radius_m=3000), points)
        need = idx.Filters(facilities=["microwave"], open="arrival")
        filtered = common.timed(
            lambda p: idx.nearby(index, *p, at, limit=10, radius_m=3000, filters=need), points
        )
        with_rows = common.timed(
            lambda p: nearby_records(*p, at, limit=10, radius_m=3000, filters=idx.Filters()),
            points[:1000],
        )
        found = sum(len(idx.nearby(index, *p, at, limit=10, radius_m=3000)) for p in points[:500])
    return {
        "build_s": build_s,
        "plain": plain,
        "filtered": filtered,
        "with_rows": with_rows,
        "mean_results": found / 500,
        "stations": len(index),
    }


def full_scan(app, points) -> dict:
    """Baseline (a): every station's geodesic distance by geopy, then the ten nearest."""
    with app.app_context():
        coords = db.session.execute(select(Station.id, Station.lat, Station.lon)).all()

    def scan(p):
        return sorted((geodesic_distance(p, (lat, lon)).m, i) for i, lat, lon in coords)[:10]

    return {"scan": common.timed(scan, points[:3])}


def btree_box(app, points) -> dict:
    """The ORM's best without a spatial index: select() over a lat/lon B-tree box."""
    from stationsite import geo

    def query(p):
        d = 3000 / 111_000
        rows = db.session.execute(
            select(Station.id, Station.lat, Station.lon)
            .where(Station.lat.between(p[0] - d, p[0] + d))
            .where(Station.lon.between(p[1] - d * 1.3, p[1] + d * 1.3))
        ).all()
        return sorted((geo.distance_m(p, (lat, lon)), i) for i, lat, lon in rows)[:10]

    with app.app_context():
        return {"box": common.timed(query, points[:1000])}


def postgis(app, points) -> dict | None:
    """Baseline (b): PostGIS geography KNN (<->) with a GiST index, if PostGIS is installed."""
    try:
        import psycopg

        admin = psycopg.connect(
            "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True, connect_timeout=3
        )
        if not admin.execute(
            "select 1 from pg_available_extensions where name='postgis'"
        ).fetchone():
            return None
    except Exception as error:
        print(f"PostGIS baseline skipped: {error.__class__.__name__}")
        return None
    name = f"bench_postgis_{os.getpid()}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with app.app_context():
            coords = db.session.execute(select(Station.id, Station.lat, Station.lon)).all()
        with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={name}", autocommit=True) as pg:
            pg.execute("CREATE EXTENSION postgis")
            pg.execute("CREATE TABLE st (id int PRIMARY KEY, geog geography(Point, 4326))")
            with pg.cursor().copy("COPY st (id, geog) FROM STDIN") as copy:
                for i, lat, lon in coords:
                    copy.write_row((i, f"SRID=4326;POINT({lon} {lat})"))
            pg.execute("CREATE INDEX ON st USING gist (geog)")
            pg.execute("ANALYZE st")
            sql = (
                "SELECT id, ST_Distance(geog, g) FROM st, "
                "(SELECT ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography AS g) q "
                "WHERE ST_DWithin(geog, g, 3000) ORDER BY geog <-> g LIMIT 10"
            )
            cursor = pg.cursor()
            return {
                "knn": common.timed(
                    lambda p: cursor.execute(sql, (p[1], p[0]), prepare=True).fetchall(),
                    points[:2000],
                )
            }
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def over_http(url: str, points) -> dict:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "MAP_TILES": "none"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--workers",
            "1",
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "stationsite:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        connection = common.wait_for(port)
        get = common.getter(connection)
        get("/api/v1/stations/nearby?lat=30.25&lon=120.16")  # builds the index
        nearby = common.timed(
            lambda p: get(f"/api/v1/stations/nearby?lat={p[0]:.6f}&lon={p[1]:.6f}&limit=10"),
            points[:2000],
        )
        cheapest = common.timed(lambda _p: get("/api/v1/facilities"), points[:2000])
        sizes = []
        browser = {"Accept-Encoding": "gzip, deflate, br"}
        for label, box, zoom in VIEWS:
            path = "/api/v1/stations?bbox={},{},{},{}&zoom={}".format(*box, zoom)
            body = get(path)
            sizes.append((label, len(get(path, browser)), len(body), body.count(b'"Feature"')))
        page = len(get("/"))
        return {"nearby": nearby, "cheapest": cheapest, "sizes": sizes, "home_bytes": page}
    finally:
        server.terminate()
        server.wait(timeout=10)


def report(count: int, r: dict) -> str:
    ms, us = common.ms, common.us
    ip, http_r = r["inproc"], r["http"]
    lines = [
        f"Stations: {ip['stations']:,} synthetic (`generate-stations --count {count}`), "
        f"riders placed near random stations; radius 3 km, limit 10 "
        f"(on average {ip['mean_results']:.1f} results).",
        "",
        "| what | p50 | p95 | ratio to the locator (p50) |",
        "|---|---|---|---|",
        f"| **locator, in-process** (KD-tree index) | **{us(ip['plain'], 50)}** | "
        f"{us(ip['plain'], 95)} | 1× |",
        f"| locator, in-process, microwave + open on arrival | {us(ip['filtered'], 50)} | "
        f"{us(ip['filtered'], 95)} | {common.ratio(ip['filtered'], ip['plain'])} |",
        "| locator + reading the 10 stations' records from SQLite (what the API does) | "
        f"{us(ip['with_rows'], 50)} | "
        f"{us(ip['with_rows'], 95)} | {common.ratio(ip['with_rows'], ip['plain'])} |",
        f"| ORM `select()` over a lat/lon B-tree box | {us(r['box']['box'], 50)} | "
        f"{us(r['box']['box'], 95)} | {common.ratio(r['box']['box'], ip['plain'])} |",
    ]
    if r["postgis"]:
        knn = r["postgis"]["knn"]
        lines.append(
            f"| PostGIS geography KNN (`<->`, GiST), PostgreSQL on 127.0.0.1 | "
            f"{us(knn, 50)} | {us(knn, 95)} | {common.ratio(knn, ip['plain'])} |"
        )
    else:
        lines.append("| PostGIS geography KNN | not installed here | | |")
    scan = r["scan"]["scan"]
    lines += [
        f"| full scan computing geopy distances | {ms(scan, 50)} | {ms(scan, 95)} | "
        f"{common.ratio(scan, ip['plain'])} |",
        "",
        f"Index build from the database: {ip['build_s']:.1f} s (once per process; later changes "
        "are patched in).",
        "",
        "Over HTTP (gunicorn, 1 worker, keep-alive client on 127.0.0.1, sequential):",
        "",
        "| endpoint | p50 | p95 |",
        "|---|---|---|",
        f"| `/api/v1/stations/nearby` (10 results) | {ms(http_r['nearby'], 50)} | "
        f"{ms(http_r['nearby'], 95)} |",
        f"| `/api/v1/facilities` (cheapest endpoint) | {ms(http_r['cheapest'], 50)} | "
        f"{ms(http_r['cheapest'], 95)} |",
        "",
        f"Nearby over HTTP is **{common.ratio(http_r['nearby'], http_r['cheapest'], 2)}** the "
        "cheapest endpoint (p50).",
        "",
        "Viewport responses (`/api/v1/stations?bbox=…&zoom=…`):",
        "",
        "| view | bytes on the wire (brotli, as browsers ask) | bytes uncompressed | features |",
        "|---|---|---|---|",
        *[
            f"| {label} | {wire:,} | {raw:,} | {features} |"
            for label, wire, raw, features in http_r["sizes"]
        ],
        "",
        f"Home page HTML: {http_r['home_bytes']:,} bytes (embeds no stations).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--queries", type=int, default=5_000)
    args = parser.parse_args()
    rng = random.Random(42)
    url = national_db(args.count)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOCATOR_REFRESH_S": 3600})
    at = datetime(2025, 11, 24, 12, 0, tzinfo=UTC)
    points = rider_points(app, args.queries, rng)
    results = {
        "inproc": in_process(app, points, at),
        "box": btree_box(app, points),
        "postgis": postgis(app, points),
        "scan": full_scan(app, points),
        "http": over_http(url, points),
    }
    text = report(args.count, results)
    print(text)
    common.record("nearby", "Rider locator: nearby search on a national data set (issue 3)", text)


if __name__ == "__main__":
    main()
