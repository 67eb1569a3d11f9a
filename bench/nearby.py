"""Issue 13: the locator's request path at national scale, against plain Flask, in one run.

    .venv/bin/python -m bench.nearby [--count 200000] [--big 2000000] [--seconds 4]

Every HTTP figure is gunicorn with the project's gunicorn.conf.py and 2 sync workers, one
keep-alive client on 127.0.0.1 asking one request after another for a bounded time, and the
reference is a minimal Flask app (bench/plain_app.py) started here under the same gunicorn.
In-process figures compare with a bare SciPy KD-tree query on the same points. The `--big`
data set (2,000,000 stations, generated once into bench/out/, ~40 minutes) gives the start-up,
memory and national-view figures; `--big 0` skips it (the last figures measured are shown,
marked as such). Results go to bench/RESULTS.md (nearby
section) beside the figures issue 13 was filed with.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import select

from bench import common
from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.locator import index as idx
from stationsite.locator import snapshot
from stationsite.locator.queries import nearby_records
from stationsite.locator.service import live_index
from stationsite.models import Station

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
VIEWS = {  # label: (bbox, zoom)
    "national": ((73.5, 18.0, 135.0, 53.6), 4),
    "city": ((119.8, 29.9, 120.6, 30.5), 10),
    "district": ((120.10, 30.20, 120.25, 30.32), 13),
}
# What issue 13 was filed with (gunicorn 2 sync workers, 200,000 stations, one connection).
BEFORE = {
    "plain": "~4,800 req/s, p50 0.15 ms",
    "facilities": "735 req/s, p50 1.25 ms (0.15×)",
    "nearby": "472 req/s, p50 2.1 ms (0.10×)",
    "national": "130 req/s (0.03×)",
    "city": "83 req/s, p99 93 ms (0.02×)",
    "district": "124 req/s (0.03×)",
    "home": "36 req/s, p50 23 ms (0.008×)",
    "station": "184 req/s, p50 5.3 ms (0.04×)",
    "index": "34 µs (2.2× bare KD-tree)",
    "with_rows": "529 µs (35×)",
    "handler": "1,494 µs (99×)",
}


def national_db(count: int) -> str:
    path = common.OUT / f"national-{count}.sqlite3"
    url = f"sqlite:///{path}"
    common.OUT.mkdir(exist_ok=True)
    fresh = not path.exists()
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    with app.app_context():
        migrate_to_head()  # an older data set gets the newer schema
        if fresh:
            from stationsite.synthetic import generate_stations

            started = time.perf_counter()
            generate_stations(count)
            db.session.commit()
            print(f"generated {count} stations in {time.perf_counter() - started:.0f} s")
    return url


def bench_app(url: str, **config):
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "MAP_TILES": "none", **config})


def rider_points(index: idx.StationIndex, n: int, rng: random.Random) -> list:
    """Riders are where stations are: near a random station, within about a kilometre."""
    rows = [rng.randrange(len(index)) for _ in range(n)]
    return [
        (float(index.lat[r]) + rng.gauss(0, 0.008), float(index.lon[r]) + rng.gauss(0, 0.008))
        for r in rows
    ]


# In-process ---------------------------------------------------------------------------------


def in_process(url: str, points, at) -> dict:
    app = bench_app(url, LOCATOR_REFRESH_S=3600)
    with app.app_context():
        index = live_index().get()
        xyz = np.column_stack(idx._xyz(np.asarray(index.lat), np.asarray(index.lon)).T)
        tree = cKDTree(xyz)
        bound = 3000 / 6_371_008.8  # the chord for 3 km, near enough

        def bare(p):
            tree.query(idx.geo.unit_vector(*p), k=10, distance_upper_bound=bound)

        result = {
            "bare": common.timed(bare, points),
            "index": common.timed(
                lambda p: idx.nearby(index, *p, at, limit=10, radius_m=3000), points
            ),
        }
        live_index().records.clear()
        result["with_rows"] = common.timed(
            lambda p: nearby_records(*p, at, limit=10, radius_m=3000, filters=idx.Filters()),
            points[:2000],
        )
    # The floor under any handler measured this way: the plain reference app's one-line JSON
    # answer through its own test client, in the same run.
    from bench.plain_app import app as plain_app

    plain_client = plain_app.test_client()
    result["plain_handler"] = common.timed(lambda _p: plain_client.get("/"), points[:2000])
    client = app.test_client()
    result["handler"] = common.timed(
        lambda p: client.get(f"/api/v1/stations/nearby?lat={p[0]:.6f}&lon={p[1]:.6f}"),
        points[:2000],
    )
    return result


# Servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with the project's settings and 2 sync workers, on a free loopback port."""

    def __init__(self, target: str, env: dict | None = None, workers: int = 2) -> None:
        self.port = free_port()
        self.log = common.OUT / f"gunicorn-{self.port}.log"
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "-c",
                str(ROOT / "gunicorn.conf.py"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                target,
            ],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "w"),  # noqa: SIM115 - closed with the process
            start_new_session=True,
        )

    def connect(self, seconds: float = 300) -> http.client.HTTPConnection:
        return common.wait_for(self.port, seconds)

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    def memory_mb(self) -> tuple[float, float]:
        """(PSS, RSS) of the workers together: PSS counts shared pages once."""
        pss = rss = 0
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    pss += int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss += int(line.split()[1])
        return pss / 1024, rss / 1024

    def killed(self) -> int:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return text.count("WORKER TIMEOUT") + text.count("was sent SIGKILL")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def site_env(url: str, **extra) -> dict:
    # MAP_TILES as in production (OpenStreetMap): the server only writes the tiles' address
    return {"DATABASE_URL": url, "SECRET_KEY": "bench", **extra}


class Client:
    """One keep-alive connection, one request after another; reconnects if it drops."""

    def __init__(self, port: int, headers: dict | None = None) -> None:
        self.port, self.headers = port, headers or {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> bytes:
        for attempt in range(3):
            try:
                self.connection.request("GET", path, headers=self.headers)
                response = self.connection.getresponse()
                body = response.read()
                if response.status != 200:
                    raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
                return body
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def load(client: Client, paths, seconds: float) -> dict:
    """Requests one after another for `seconds` (after a short warm-up): rate and latencies."""
    paths = iter(paths)
    warm_until = time.monotonic() + 0.5
    while time.monotonic() < warm_until:
        client.get(next(paths))
    times = []
    started = time.monotonic()
    deadline = started + seconds
    while time.monotonic() < deadline:
        path = next(paths)
        begin = time.perf_counter_ns()
        client.get(path)
        times.append((time.perf_counter_ns() - begin) / 1e9)
    return {"rps": len(times) / (time.monotonic() - started), "times": times}


def cycle(items):
    while True:
        yield from items


def http_figures(url: str, points, codes: list[str], seconds: float) -> dict:
    headers = {"Accept-Encoding": "gzip, deflate, br"}  # as browsers and apps ask
    plain = Server("bench.plain_app:app")
    site = Server("stationsite:create_app()", site_env(url))
    try:
        plain.connect()
        site.connect()
        plain_client, client = Client(plain.port, headers), Client(site.port, headers)
        found = {"plain": load(plain_client, cycle(["/"]), seconds)}
        found["facilities"] = load(client, cycle(["/api/v1/facilities"]), seconds)
        nearby = [f"/api/v1/stations/nearby?lat={p[0]:.6f}&lon={p[1]:.6f}" for p in points]
        found["nearby"] = load(client, cycle(nearby), seconds)
        for label, (box, zoom) in VIEWS.items():
            path = "/api/v1/stations?bbox={},{},{},{}&zoom={}".format(*box, zoom)
            found[label] = load(client, cycle([path]), seconds)
        found["home"] = load(client, cycle(["/"]), seconds)
        pages = [f"/stations/{code}" for code in codes]
        found["station"] = load(client, cycle(pages), seconds)
        found["plain_again"] = load(plain_client, cycle(["/"]), seconds)  # drift in the run
        found["memory"] = site.memory_mb()
    finally:
        plain.stop()
        site.stop()
    return found


# Edits under load ---------------------------------------------------------------------------

EDITOR = """
import random, sys, time
from sqlalchemy import select
from stationsite import create_app
from stationsite.extensions import db
from stationsite.models import Station
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "bench"})
rng, every, until = random.Random(5), float(sys.argv[2]), time.monotonic() + float(sys.argv[3])
hours = ["24/7", "Mo-Su 07:00-19:00", "Mo-Fr 08:00-18:00", "Mo-Su 06:00-22:00"]
with app.app_context():
    top = db.session.scalar(select(Station.id).order_by(Station.id.desc()).limit(1))
    while time.monotonic() < until:
        station = db.session.get(Station, rng.randint(1, top))
        if station is not None:
            station.opening_hours = rng.choice(hours)
            for item in station.facilities[:1]:
                item.hours = rng.choice(["", "24/7"])
            db.session.commit()
        time.sleep(every)
"""


def edits_figures(url: str, points, seconds: float) -> dict:
    """Nearby, quiet and then with an operator edit every second (another process)."""
    site = Server("stationsite:create_app()", site_env(url))
    editor = None
    try:
        site.connect()
        client = Client(site.port)
        nearby = [f"/api/v1/stations/nearby?lat={p[0]:.6f}&lon={p[1]:.6f}" for p in points]
        # Warm first, as the edited phase will be: the quiet figures are not a cold start's.
        load(client, cycle(nearby), seconds / 2)
        quiet = load(client, cycle(nearby), seconds)
        editor = subprocess.Popen(
            [sys.executable, "-c", EDITOR, url, "1.0", str(seconds + 5)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.5)
        edited = load(client, cycle(nearby), seconds)
        visible = visibility(url, client)
    finally:
        if editor is not None:
            editor.wait(timeout=seconds + 30)
        site.stop()
    return {"quiet": quiet, "edited": edited, "visible": visible}


def visibility(url: str, client: Client) -> list[float]:
    """Seconds from an edit's commit until nearby answers show it (a few edits)."""
    app = bench_app(url)
    delays = []
    with app.app_context():
        for n in range(3):
            station = db.session.scalars(select(Station).limit(1).offset(1000 + n)).one()
            name = f"bench-{time.time_ns()}"
            station.name_zh = name
            path = f"/api/v1/stations/nearby?lat={station.lat}&lon={station.lon}&limit=1"
            db.session.commit()
            committed = time.monotonic()
            while name not in client.get(path).decode():
                if time.monotonic() - committed > 30:
                    break
                time.sleep(0.01)
            delays.append(time.monotonic() - committed)
    return delays


def edits_summary(figures: dict) -> dict:
    """edits_figures without the raw times, to keep in a JSON file."""
    summary = {
        phase: {
            "rps": figures[phase]["rps"],
            "p99": common.pct(figures[phase]["times"], 99),
            "max": max(figures[phase]["times"]),
        }
        for phase in ("quiet", "edited")
    }
    return {**summary, "visible": figures["visible"]}


def big_edits_line(count: int, edits: dict) -> str:
    quiet, edited = edits["quiet"], edits["edited"]
    return (
        f"Operator edits at {count:,} (one a second, as above): nearby {edited['rps']:,.0f} "
        f"req/s edited against {quiet['rps']:,.0f} quiet, p99 {edited['p99'] * 1e3:.1f} ms "
        f"against {quiet['p99'] * 1e3:.1f} ms; the slowest request **{edited['max'] * 1e3:.0f} "
        f"ms** edited, {quiet['max'] * 1e3:.0f} ms quiet (goal: none over 50 ms); an edit was "
        "visible after " + ", ".join(f"{s:.3f}" for s in edits["visible"]) + " s (goal ≤ 2 s)."
    )


# National scale -----------------------------------------------------------------------------


def start_figures(url: str, cold: bool) -> dict:
    """A fresh server: seconds until its first nearby answer; memory; workers killed."""
    folder = ROOT / "instance" / "locator"
    if cold:
        for path in folder.glob(f"{snapshot.database_key(url)}-*"):
            shutil.rmtree(path, ignore_errors=True)
    site = Server("stationsite:create_app()", site_env(url))
    try:
        connection = site.connect(seconds=600)
        get = common.getter(connection)
        get("/api/v1/stations/nearby?lat=30.25&lon=120.16")
        first = time.monotonic() - site.started
        client = Client(site.port)
        box, zoom = VIEWS["national"]
        national = load(
            client, cycle(["/api/v1/stations?bbox={},{},{},{}&zoom={}".format(*box, zoom)]), 3
        )
        return {
            "first_s": first,
            "memory": site.memory_mb(),
            "killed": site.killed(),
            "national_p50": common.pct(national["times"], 50),
        }
    finally:
        site.stop()


def lighthouse(url: str, command: str, tiles: str = "none") -> dict | None:
    """Lighthouse's mobile performance score for `/` (Debian's chromium, headless; no tiles:
    the run is offline), or None when it cannot run."""
    site = Server("stationsite:create_app()", site_env(url, MAP_TILES=tiles))
    report = common.OUT / "lighthouse.json"
    try:
        site.connect()
        subprocess.run(
            [
                command,
                f"http://127.0.0.1:{site.port}/",
                "--only-categories=performance",
                "--chrome-flags=--headless=new --no-sandbox",
                "--output=json",
                f"--output-path={report}",
                "--quiet",
            ],
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            timeout=240,
            check=True,
            capture_output=True,
        )
        found = json.loads(report.read_text())
        audits = found["audits"]
        return {
            "score": round(found["categories"]["performance"]["score"] * 100),
            "fcp": audits["first-contentful-paint"]["displayValue"],
            "lcp": audits["largest-contentful-paint"]["displayValue"],
            "tbt": audits["total-blocking-time"]["displayValue"],
            "cls": audits["cumulative-layout-shift"]["displayValue"],
        }
    except (OSError, subprocess.SubprocessError, KeyError, ValueError) as error:
        print(f"Lighthouse skipped: {error.__class__.__name__}: {error}")
        return None
    finally:
        site.stop()


# Report -------------------------------------------------------------------------------------


def rate(found: dict, plain: float, p99: bool = False) -> str:
    times = found["times"]
    text = f"{found['rps']:,.0f} req/s, p50 {common.ms(times, 50)}"
    if p99:
        text += f", p99 {common.ms(times, 99)}"
    return f"{text} (**{found['rps'] / plain:.2f}×**)"


def report(
    count: int, big: int, ip: dict, hp: dict, ed: dict, big_runs: dict, lh: dict | None
) -> str:
    us, ms = common.us, common.ms
    plain = (hp["plain"]["rps"] + hp["plain_again"]["rps"]) / 2
    bare = common.pct(ip["bare"], 50)

    def per_bare(times):
        return f"{common.us(times, 50)} ({common.pct(times, 50) / bare:.1f}× bare KD-tree)"

    lines = [
        f"Stations: {count:,} synthetic (`generate-stations`); gunicorn with gunicorn.conf.py, "
        "2 sync workers, one client on 127.0.0.1 asking one request after another (sync "
        "workers close the connection after each answer, the plain app's too), sending "
        "`Accept-Encoding: gzip, deflate, br`, each row a few seconds; ratios are to the "
        "plain Flask app measured in "
        f"the same run (mean of before and after: {hp['plain']['rps']:,.0f} and "
        f"{hp['plain_again']['rps']:,.0f} req/s). The machine is shared (2 cores, other "
        "work running): absolute figures are noisy, the ratios less so.",
        "",
        "| what | when filed | now (ratio to plain Flask) |",
        "|---|---|---|",
        f'| plain Flask "hello" | {BEFORE["plain"]} | {plain:,.0f} req/s, '
        f"p50 {ms(hp['plain']['times'], 50)} (1) |",
        f"| `/api/v1/facilities` | {BEFORE['facilities']} | {rate(hp['facilities'], plain)} |",
        f"| `/api/v1/stations/nearby` | {BEFORE['nearby']} | {rate(hp['nearby'], plain)} |",
    ]
    for label in VIEWS:
        lines.append(
            f"| `/api/v1/stations?bbox…` {label} | {BEFORE[label]} | "
            f"{rate(hp[label], plain, p99=True)} |"
        )
    lines += [
        f"| `/` (home page) | {BEFORE['home']} | {rate(hp['home'], plain, p99=True)} |",
        f"| `/stations/<code>` | {BEFORE['station']} | {rate(hp['station'], plain)} |",
        f"| in-process: bare KD-tree query (SciPy, k=10) | — | {us(ip['bare'], 50)} |",
        f"| in-process: the index query | {BEFORE['index']} | {per_bare(ip['index'])} |",
        "| in-process: index + the 10 stations' records (what the API does; record cache "
        f"cold at the start) | {BEFORE['with_rows']} | {per_bare(ip['with_rows'])} |",
        "| in-process: the whole nearby handler (test client; it also logs the search, "
        f"two more index queries) | {BEFORE['handler']} | {per_bare(ip['handler'])} |",
        "| in-process: plain Flask's one-line JSON answer through its test client (the floor "
        f"under any handler measured so) | — | {per_bare(ip['plain_handler'])} |",
        "",
        f"Two workers after the run at {count:,}: PSS {hp['memory'][0]:,.0f} MB "
        f"(RSS {hp['memory'][1]:,.0f} MB).",
        "",
        "Operator edits (another process editing a random station's hours and a facility "
        f"every second) at {count:,}:",
        "",
        "| nearby | req/s | p50 | p99 | max |",
        "|---|---|---|---|---|",
    ]
    for label, found in (("quiet", ed["quiet"]), ("one edit a second", ed["edited"])):
        times = found["times"]
        lines.append(
            f"| {label} | {found['rps']:,.0f} | {ms(times, 50)} | {ms(times, 99)} | "
            f"{max(times) * 1e3:,.1f} ms |"
        )
    quiet, edited = ed["quiet"], ed["edited"]
    lines += [
        "",
        f"With edits: **{edited['rps'] / quiet['rps']:.0%}** of quiet req/s (goal > 90 %), "
        f"p99 **{common.pct(edited['times'], 99) / common.pct(quiet['times'], 99):.1f}×** "
        "quiet p99 (goal < 3×). An edit was visible in nearby answers after "
        + ", ".join(f"{s:.2f}" for s in ed["visible"])
        + " s (goal ≤ 2 s).",
    ]
    if big_runs:
        cold, warm = big_runs["cold"], big_runs["warm"]
        nat_big = warm["national_p50"]
        nat_small = common.pct(hp["national"]["times"], 50)
        when = f", measured {big_runs['when']} (kept from that run)" if big_runs.get("kept") else ""
        lines += [
            "",
            f"At {big:,} stations (fresh gunicorn, 2 workers{when}):",
            "",
            "| start | first nearby answer after | workers killed | 2 workers PSS (RSS) |",
            "|---|---|---|---|",
            f"| no snapshot yet (the first worker builds it, the other waits) | "
            f"{cold['first_s']:.1f} s | {cold['killed']} | {cold['memory'][0]:,.0f} MB "
            f"({cold['memory'][1]:,.0f} MB) |",
            f"| snapshot present (every later start) | {warm['first_s']:.1f} s | "
            f"{warm['killed']} | {warm['memory'][0]:,.0f} MB ({warm['memory'][1]:,.0f} MB) |",
            "",
            "When filed: 60–70 s per worker, every worker killed at gunicorn's 30 s timeout, "
            f"5.9 GB peak per worker. National view at {big:,}: "
            f"p50 {nat_big * 1e3:,.2f} ms against "
            f"{ms(hp['national']['times'], 50)} at {count:,} "
            f"(**{nat_big / nat_small:.1f}×**; goal ≤ 2×; when filed 187 ms against 9 ms).",
        ]
        if "edits" in big_runs:
            lines += ["", big_edits_line(big, big_runs["edits"])]
    if lh:
        lines += [
            "",
            f"Lighthouse (mobile, performance) on `/`, headless Debian chromium, no tiles: "
            f"**{lh['score']}** (when filed 85; goal ≥ 95): first contentful paint {lh['fcp']}, "
            f"largest {lh['lcp']}, total blocking time {lh['tbt']}, layout shift {lh['cls']}.",
        ]
    else:
        lines += ["", "Lighthouse: not run (`--lighthouse PATH` to the lighthouse command)."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--big", type=int, default=2_000_000)
    parser.add_argument("--queries", type=int, default=5_000)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--lighthouse", help="the lighthouse command (npm), to score `/`")
    args = parser.parse_args()
    rng = random.Random(42)
    url = national_db(args.count)
    at = datetime(2025, 11, 24, 12, 0, tzinfo=UTC)
    app = bench_app(url, LOCATOR_REFRESH_S=3600)
    with app.app_context():
        points = rider_points(live_index().get(), args.queries, rng)
        codes = list(db.session.scalars(select(Station.code).limit(500)))
    ip = in_process(url, points, at)
    print("in-process done", flush=True)
    hp = http_figures(url, points, codes, args.seconds)
    print("http done", flush=True)
    ed = edits_figures(url, points, max(args.seconds * 2, 8))
    print("edits done", flush=True)
    big_runs = {}
    kept = common.OUT / f"nearby-big-{args.big or 2_000_000}.json"
    if args.big:
        big_url = national_db(args.big)
        big_runs = {"cold": start_figures(big_url, cold=True)}
        big_runs["warm"] = start_figures(big_url, cold=False)
        big_runs["edits"] = edits_summary(edits_figures(big_url, points, max(args.seconds * 2, 8)))
        big_runs["when"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        kept.write_text(json.dumps(big_runs))
    elif kept.exists():  # the national-scale figures of the last run that measured them
        big_runs = {**json.loads(kept.read_text()), "kept": True}
        args.big = 2_000_000
    lh = lighthouse(url, args.lighthouse) if args.lighthouse else None
    text = report(args.count, args.big, ip, hp, ed, big_runs, lh)
    print(text)
    common.record("nearby", "Speed at national scale: the locator's request path (issue 13)", text)
    (common.OUT / "nearby-raw.json").write_text(
        json.dumps({"plain": hp["plain"]["rps"], "memory": hp["memory"]}, indent=1)
    )


if __name__ == "__main__":
    main()
