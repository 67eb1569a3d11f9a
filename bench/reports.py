"""Report figures on a national data set, with their baselines, in one run.

    .venv/bin/python -m bench.reports [--stations 200000] [--visits 10000000] [--repeat 7]
                                      [--build-only]

Builds once, and reuses, 200,000 generated stations with 10,000,000 generated visits (and their
feedback) in SQLite (bench/out/) and in the PostgreSQL database `stationsite_bench_reports` on
127.0.0.1. Then, on both: the report's figures from the rollups (`build_report`) for a
city-month (the busiest generated district, the last whole month) and for the national last
twelve whole months, the XLSX of the latter, and the city-month page and its map of use through
the test client signed in as union staff; the same headline figures (total, by group, by source,
by day, top stations, by district) by a plain GROUP BY over the raw `visit` table and by pandas
(visits read once); and that the rollups equal the raw counts. Results go to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import pickle
import re
import sqlite3
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import except_, func, inspect, select, text
from sqlalchemy.engine import make_url

from bench import common, nearby
from stationsite import create_app
from stationsite.database import migrate_to_head
from stationsite.extensions import db
from stationsite.models import Station, User, Visit, VisitRollup, VisitRollupPeriod

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_NAME = "stationsite_bench_reports"
SEED = 11
ADMIN = ("bench-admin", "bench-password-1")
BUILD_LOG = common.OUT / "reports-build.json"
LAST_RUN = common.OUT / "reports-last.pickle"  # the measurements, to render them again
CONFIG = {"SECRET_KEY": "bench", "MAP_TILES": "none", "LOCATOR_REFRESH_S": 3600}


def _app(url: str):
    return create_app({**CONFIG, "DATABASE_URL": url})


def _fill(url: str, visits: int, label: str) -> None:
    """Generate the visits (then the rollups) into a database that holds the stations."""
    from stationsite.synthetic import generate_visits

    app = _app(url)
    with app.app_context():
        started = time.perf_counter()
        done, step = 0, visits // 10

        def progress(n: int) -> None:
            nonlocal done
            if (done + n) // step > done // step:
                print(f"{label}: {done + n:,} visits ({time.perf_counter() - started:.0f} s)")
            done += n

        made = generate_visits(visits, seed=SEED, days=365, progress=progress)
        db.session.commit()
        seconds = time.perf_counter() - started
        db.engine.dispose()
    print(f"{label}: {made} in {seconds:.0f} s")
    log = json.loads(BUILD_LOG.read_text()) if BUILD_LOG.exists() else {}
    log[label] = {"seconds": round(seconds), "rows": made.rows, "feedback": made.feedback}
    BUILD_LOG.write_text(json.dumps(log, indent=1))


def sqlite_url(stations: int, visits: int) -> str:
    path = common.OUT / f"reports-{stations}-{visits}.sqlite3"
    if not path.exists():
        building = path.with_suffix(".building")
        _copy_sqlite(make_url(nearby.national_db(stations)).database, building)
        _fill(f"sqlite:///{building}", visits, "sqlite")
        building.rename(path)
    return f"sqlite:///{path}"


def _copy_sqlite(source: str, target: Path) -> None:
    """A consistent copy, whatever is still in the source's write-ahead log."""
    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)
    new.close()
    old.close()


def _complete(url: str, stations: int, visits: int) -> bool:
    app = _app(url)
    with app.app_context():
        try:
            generated = db.session.scalar(
                select(func.count(Station.id)).where(Station.code.like("GEN-%"))
            )
            counted = db.session.scalar(select(func.coalesce(func.sum(Visit.count), 0)))
            rolled = db.session.scalar(select(func.coalesce(func.sum(VisitRollup.visits), 0)))
        except Exception:
            return False
        finally:
            db.session.remove()
            db.engine.dispose()
    return generated == stations and counted == rolled == visits


def postgres_url(stations: int, visits: int) -> str | None:
    """The bench database on 127.0.0.1, (re)built when it is not exactly what is asked for."""
    import psycopg

    try:
        admin = psycopg.connect(
            "host=127.0.0.1 user=postgres dbname=postgres", autocommit=True, connect_timeout=3
        )
    except psycopg.OperationalError as error:
        print(f"PostgreSQL skipped: {error.__class__.__name__}")
        return None
    url = f"{PG_SERVER}/{PG_NAME}"
    with admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_NAME,)).fetchone():
            if _complete(url, stations, visits):
                return url
            admin.execute(f'DROP DATABASE "{PG_NAME}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    app = _app(url)
    with app.app_context():
        from stationsite.synthetic import generate_stations

        migrate_to_head()
        generate_stations(stations)
        db.session.commit()
        db.engine.dispose()
    _fill(url, visits, "postgresql")
    return url


def _current_schema(app) -> None:
    """A cached database is migrated to the current schema (an index added since the data was
    built); tables the models have and it still lacks (a migration was edited after the data
    was built) are created, then the rollups rebuilt from the raw visits."""
    from flask_migrate import upgrade

    from stationsite.reports import rollups

    with app.app_context():
        upgrade()
        missing = sorted(set(db.metadata.tables) - set(inspect(db.engine).get_table_names()))
        if missing:
            print(f"{app.config['DATABASE_URL']}: creating {missing}, rebuilding the rollups")
            db.metadata.create_all(db.engine, tables=[db.metadata.tables[n] for n in missing])
            rollups.rebuild()
            db.session.commit()
        db.engine.dispose()


# --- what is measured --------------------------------------------------------------------


def scopes(app):
    """The city-month (busiest district, last whole month of the data) and the national last
    twelve whole months."""
    from stationsite.reports.model import Scope
    from stationsite.reports.periods import parse

    with app.app_context():
        last = db.session.scalar(select(func.max(VisitRollup.day)))
        month_end = last.replace(day=1) - timedelta(days=1)
        month = parse(f"{month_end:%Y-%m}")
        first = month.start.replace(year=month.start.year - 1) + timedelta(days=31)
        year = parse(f"{first.replace(day=1)}..{month_end}")
        district, stations = db.session.execute(
            select(Station.district, func.count(func.distinct(Station.id)))
            .join(VisitRollupPeriod, VisitRollupPeriod.station_id == Station.id)
            .where(VisitRollupPeriod.grain == "month", VisitRollupPeriod.start == month.start)
            .group_by(Station.district)
            .order_by(func.sum(VisitRollupPeriod.visits).desc())
            .limit(1)
        ).one()
    return Scope(month, district=district), Scope(year), stations


def _signed_in(app):
    from stationsite.users import create_user

    with app.app_context():
        if not db.session.scalar(select(User).where(User.username == ADMIN[0])):
            create_user(ADMIN[0], ADMIN[1], "admin", [])
            db.session.commit()
    client = app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    data = {"csrf_token": token, "username": ADMIN[0], "password": ADMIN[1]}
    assert client.post("/auth/login", data=data).status_code == 302, "bench sign-in failed"
    return client


def rollup_figures(app, city, national, repeat: int) -> dict:
    from dataclasses import replace

    from stationsite.reports.exports import to_xlsx
    from stationsite.reports.figures import build_report
    from stationsite.reports.periods import parse as parse_period

    def report(scope):
        with app.test_request_context():
            made = build_report(scope, "zh")
            db.session.remove()
            return made

    client = _signed_in(app)
    path = f"/reports/?period={city.period.key}&district={city.district}"

    def page(_, path=path):
        response = client.get(path)
        assert response.status_code == 200, response.status_code

    def national_page(_):
        page(_, f"/reports/?period={national.period.key}")

    def first_drawing(_, path=path):
        from stationsite.reports.memo import drawings

        drawings.clear()  # as if these figures had never been drawn in this worker
        page(_, path)

    usage_map = path.replace("/reports/?", "/reports/map.js?")  # loaded after the page

    year = report(national)
    calendar = replace(national, period=parse_period(str(national.period.end.year)))
    return {
        "city": common.timed(lambda _: report(city), range(repeat)),
        "national": common.timed(lambda _: report(national), range(repeat)),
        "calendar": common.timed(lambda _: report(calendar), range(repeat)),
        "xlsx": common.timed(lambda _: to_xlsx(year), range(max(3, repeat // 2))),
        "page": common.timed(page, range(repeat)),
        "page_cold": common.timed(first_drawing, range(repeat)),
        "map": common.timed(lambda _: page(_, usage_map), range(repeat)),
        "map_cold": common.timed(lambda _: first_drawing(_, usage_map), range(repeat)),
        "page_national": common.timed(national_page, range(repeat)),
        "totals": (report(city).visits.total, year.visits.total),
        "xlsx_bytes": len(to_xlsx(year)),
    }


def raw_headline(scope) -> dict:
    """The headline figures by plain GROUP BY over the raw visits."""
    from stationsite.reports.rollups import local_day_hour

    start, end = scope.period.utc_bounds()
    where = [Visit.visited_at >= start, Visit.visited_at < end]
    if scope.district:
        where.append(
            Visit.station_id.in_(select(Station.id).where(Station.district == scope.district))
        )
    people = func.sum(Visit.count)
    day, _hour = local_day_hour(Visit.visited_at, db.session.get_bind().dialect.name)
    run = db.session.execute
    return {
        "total": db.session.scalar(select(people).where(*where)),
        "by_group": run(
            select(Visit.visitor_group, people).where(*where).group_by(Visit.visitor_group)
        ).all(),
        "by_source": run(select(Visit.source, people).where(*where).group_by(Visit.source)).all(),
        "by_day": run(select(day, people).where(*where).group_by(day)).all(),
        "by_station": run(
            select(Visit.station_id, people)
            .where(*where)
            .group_by(Visit.station_id)
            .order_by(people.desc())
            .limit(20)
        ).all(),
        "by_district": run(
            select(Station.district, people)
            .join(Station, Station.id == Visit.station_id)
            .where(*where)
            .group_by(Station.district)
            .order_by(people.desc())
        ).all(),
    }


def raw_figures(app, city, national, repeat: int) -> dict:
    with app.app_context():
        out = {
            "city": common.timed(lambda _: raw_headline(city), range(repeat)),
            "national": common.timed(lambda _: raw_headline(national), range(max(1, repeat))),
            "totals": (raw_headline(city)["total"], raw_headline(national)["total"]),
        }
        db.session.remove()
    return out


def mismatched_in_sql() -> int:
    """Base rollup rows that differ from the raw visits, counted inside the database (the
    same comparison as `differences()`, without bringing millions of rows into Python)."""
    from stationsite.reports.rollups import raw_totals

    kept = select(
        VisitRollup.station_id,
        VisitRollup.day,
        VisitRollup.hour,
        VisitRollup.visitor_group,
        VisitRollup.source,
        VisitRollup.visits,
    ).where(VisitRollup.visits != 0)
    raw = raw_totals()
    return sum(
        db.session.scalar(select(func.count()).select_from(except_(a, b).subquery()))
        for a, b in ((raw, kept), (kept, raw))
    )


def correctness(app, up_to: int) -> dict:
    """The comparison in SQL always; `differences()` (which compares in Python, row by row)
    when the base rollup has at most `up_to` rows."""
    from stationsite.reports import rollups

    with app.app_context():
        started = time.perf_counter()
        found = {"in_sql": mismatched_in_sql(), "sql_s": time.perf_counter() - started}
        found["rows"] = db.session.scalar(select(func.count()).select_from(VisitRollup))
        if found["rows"] <= up_to:
            started = time.perf_counter()
            found["differences"] = rollups.differences()
            found["seconds"] = time.perf_counter() - started
        db.session.remove()
    return found


def pandas_load(url: str) -> dict:
    """Every visit read once into a DataFrame (China-time timestamps), stations' districts."""
    import pandas as pd

    app = _app(url)
    started = time.perf_counter()
    with app.app_context():
        with db.engine.connect() as connection:
            frames = [
                _visit_frame(chunk)
                for chunk in pd.read_sql_query(
                    text("SELECT station_id, visited_at, visitor_group, source, count FROM visit"),
                    connection,
                    chunksize=1_000_000,
                )
            ]
            stations = pd.read_sql_query(text("SELECT id, district FROM station"), connection)
        db.engine.dispose()
    visits = pd.concat(frames, ignore_index=True)
    district = stations.set_index("id")["district"].astype("category")
    return {"visits": visits, "district": district, "seconds": time.perf_counter() - started}


def _visit_frame(chunk):
    import pandas as pd

    at = pd.to_datetime(chunk["visited_at"], format="ISO8601", utc=True)
    return pd.DataFrame(
        {
            "station_id": chunk["station_id"].astype("int32"),
            "local": at.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None),
            "visitor_group": chunk["visitor_group"].astype("category"),
            "source": chunk["source"].astype("category"),
            "count": chunk["count"].astype("int32"),
        }
    )


def pandas_headline(data: dict, scope) -> dict:
    import pandas as pd

    visits, district = data["visits"], data["district"]
    start = pd.Timestamp(scope.period.start)
    end = pd.Timestamp(scope.period.end + timedelta(days=1))
    chosen = (visits["local"] >= start) & (visits["local"] < end)
    if scope.district:
        chosen &= visits["station_id"].isin(district.index[district == scope.district])
    part = visits.loc[chosen]
    per_station = part.groupby("station_id")["count"].sum()
    return {
        "total": int(part["count"].sum()),
        "by_group": part.groupby("visitor_group", observed=True)["count"].sum(),
        "by_source": part.groupby("source", observed=True)["count"].sum(),
        "by_day": part.groupby(part["local"].dt.floor("D"))["count"].sum(),
        "by_station": per_station.nlargest(20),
        "by_district": per_station.groupby(district.reindex(per_station.index), observed=True)
        .sum()
        .sort_values(ascending=False),
    }


def pandas_figures(data: dict, city, national, repeat: int) -> dict:
    return {
        "city": common.timed(lambda _: pandas_headline(data, city), range(repeat)),
        "national": common.timed(lambda _: pandas_headline(data, national), range(repeat)),
        "totals": (
            pandas_headline(data, city)["total"],
            pandas_headline(data, national)["total"],
        ),
        "load_s": data["seconds"],
    }


def _analyze(app) -> None:
    """What autovacuum does some time after a bulk load (PostgreSQL 13 and later vacuum
    insert-only tables too): planner statistics, and the visibility map that lets the
    report's narrow indexes answer without visiting the table rows."""
    with app.app_context(), db.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))


def _attempt(measurement, *args) -> dict:
    """The report code is measured as it is: a failure is recorded, the run goes on."""
    try:
        return measurement(*args)
    except Exception as error:
        return {"error": f"{error.__class__.__name__}: {str(error).splitlines()[0][:160]}"}


def measure(url: str, repeat: int, raw_repeat: int, differences_up_to: int) -> dict:
    app = _app(url)
    if url.startswith("postgresql"):
        _analyze(app)
    city, national, stations = scopes(app)
    print(f"{url.split('/')[-1]}: city {city.district} {city.period.key}, {stations} stations")
    result = {
        "city": city,
        "national": national,
        "city_stations": stations,
        "rollups": _attempt(rollup_figures, app, city, national, repeat),
        "raw": raw_figures(app, city, national, raw_repeat),
        "check": correctness(app, differences_up_to),
    }
    with app.app_context():
        db.engine.dispose()
    return result


# --- the section in RESULTS.md -----------------------------------------------------------


def _cells(times) -> str:
    if times is None:
        return "failed | "
    return f"{common.ms(times, 50)} | {common.ms(times, 95)}"


def _faster(baseline, times) -> str:
    if times is None:
        return "—"
    value = common.pct(baseline, 50) / common.pct(times, 50)
    return f"{value:,.2f}×" if value < 10 else f"{value:,.0f}×"


def _same(report_total, raw_total) -> str:
    if not isinstance(report_total, int):
        return f"(no report) vs {raw_total:,}"
    return f"{report_total:,} = {raw_total:,} {'✓' if report_total == raw_total else '✗'}"


def _exactness(check: dict) -> str:
    text = (
        f"rollup rows that differ from the raw visits (EXCEPT both ways, in the database, "
        f"{check['rows']:,} rows): **{check['in_sql']}** ({check['sql_s']:.0f} s)"
    )
    if "differences" not in check:
        return text + "; `rollups.differences()` not run at this size (see the notes)"
    found = check["differences"]
    return text + (
        f"; `rollups.differences()` **{'empty' if not found else found[:3]}** "
        f"({check['seconds']:.0f} s)"
    )


def report(args, runs: dict, data: dict | None) -> str:
    first = next(iter(runs.values()))
    city, national = first["city"], first["national"]
    names = {"sqlite": "SQLite", "postgresql": "PostgreSQL 127.0.0.1"}
    build = json.loads(BUILD_LOG.read_text()) if BUILD_LOG.exists() else {}
    lines = [
        f"Data: {args.stations:,} stations (`generate-stations`), {args.visits:,} visits "
        f"(`generate-visits --seed {SEED}`: 365 China-time days, ~70 % QR check-ins, ~30 % "
        "operator tallies, ~1 % feedback). City-month: the busiest generated district, "
        f"**{city.district}** ({first['city_stations']:,} stations with visits), "
        f"`{city.period.key}`; national year: the last twelve whole months, "
        f"`{national.period.key}`. Times are server time in-process, p50 | p95 of "
        f"{args.repeat} runs after a warm-up ({args.raw_repeat} for the raw GROUP BY).",
        "",
        "| what | goal | " + " | ".join(f"{names[k]} p50 | p95" for k in runs) + " |",
        "|---|---|" + "---|---|" * len(runs),
    ]
    rows = [
        ("`build_report`, city-month (from the rollups)", "< 100 ms", "rollups", "city"),
        (
            "reports page, city-month (test client, signed-in admin; charts already drawn)",
            "< 100 ms",
            "rollups",
            "page",
        ),
        ("reports page, city-month, charts drawn anew", "< 100 ms", "rollups", "page_cold"),
        (
            "its map of use (`/reports/map.js`, loaded after the page), already drawn",
            "",
            "rollups",
            "map",
        ),
        ("its map of use, drawn anew", "", "rollups", "map_cold"),
        ("`build_report`, national year (from the rollups)", "< 1 s", "rollups", "national"),
        (
            "reports page, national year (charts already drawn)",
            "< 1 s",
            "rollups",
            "page_national",
        ),
        (
            "`build_report`, national calendar year of the last month (year rollup)",
            "< 1 s",
            "rollups",
            "calendar",
        ),
        ("`to_xlsx`, national year", "< 5 s", "rollups", "xlsx"),
        ("raw GROUP BY over `visit`, city-month (headline figures)", "", "raw", "city"),
        ("raw GROUP BY over `visit`, national year (headline figures)", "", "raw", "national"),
    ]
    for label, goal, part, key in rows:
        lines.append(
            f"| {label} | {goal} | "
            + " | ".join(_cells(r[part].get(key)) for r in runs.values())
            + " |"
        )
    if data:
        for label, key in (("city-month", "city"), ("national year", "national")):
            lines.append(
                f"| pandas groupby in memory, {label} (headline figures) | | "
                f"{_cells(data[key])} |" + " — | — |" * (len(runs) - 1)
            )
    lines += [
        "",
        "How many times faster the rollup report (all its figures: visits, feedback, ranking, "
        "coverage, comparisons) is than the baselines computing only the headline visit "
        "figures (p50):",
        "",
        "| baseline | " + " | ".join(names[k] for k in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for scope in ("city", "national"):
        label = "city-month" if scope == "city" else "national year"
        lines.append(
            f"| raw GROUP BY, {label} | "
            + " | ".join(_faster(r["raw"][scope], r["rollups"].get(scope)) for r in runs.values())
            + " |"
        )
        if data:
            lines.append(
                f"| pandas (visits already in memory), {label} | "
                + " | ".join(_faster(data[scope], r["rollups"].get(scope)) for r in runs.values())
                + " |"
            )
    lines += ["", "Correctness (same run):", ""]
    for key, r in runs.items():
        if "error" in r["rollups"]:
            lines.append(f"- {names[key]}: the report failed: `{r['rollups']['error']}`")
        raw, rolled = r["raw"]["totals"], r["rollups"].get("totals", ("—", "—"))
        lines.append(
            f"- {names[key]}: {_exactness(r['check'])}; report total = raw `SUM(count)`: "
            f"city-month {_same(rolled[0], raw[0])}, national year {_same(rolled[1], raw[1])}"
        )
    if data:
        lines.append(
            f"- pandas totals: {data['totals'][0]:,} and {data['totals'][1]:,}; reading the "
            f"visits into memory took {data['load_s']:.0f} s (not in the times above)."
        )
    for key, r in runs.items():
        if "xlsx_bytes" in r["rollups"]:
            lines.append(
                f"- XLSX of the national year ({names[key]}): {r['rollups']['xlsx_bytes']:,} bytes."
            )
    for key, item in build.items():
        lines.append(
            f"- Data load on {names.get(key, key)}: {item['seconds']:,} s for "
            f"{args.visits:,} visits in {item['rows']:,} rows and {item['feedback']:,} feedback, "
            "rollups rebuilt included."
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200_000)
    parser.add_argument("--visits", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--raw-repeat", type=int, default=3)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--differences-up-to", type=int, default=1_000_000)
    parser.add_argument("--no-record", action="store_true", help="Print; leave RESULTS.md.")
    parser.add_argument("--render", action="store_true", help="Rewrite from the last run.")
    args = parser.parse_args()
    common.OUT.mkdir(exist_ok=True)
    if args.render:
        args, runs, data = pickle.loads(LAST_RUN.read_bytes())
        _publish(args, runs, data)
        return
    urls = {}
    if args.only != "postgresql":
        urls["sqlite"] = sqlite_url(args.stations, args.visits)
    if args.only != "sqlite":
        urls["postgresql"] = postgres_url(args.stations, args.visits)
    urls = {key: url for key, url in urls.items() if url}
    for url in urls.values():
        _current_schema(_app(url))
    if args.build_only:
        return
    runs = {
        key: measure(url, args.repeat, args.raw_repeat, args.differences_up_to)
        for key, url in urls.items()
    }
    first = next(iter(runs.values()))
    loaded = pandas_load(next(iter(urls.values())))
    data = pandas_figures(loaded, first["city"], first["national"], args.repeat)
    del loaded
    LAST_RUN.write_bytes(pickle.dumps((args, runs, data)))
    _publish(args, runs, data)


def _publish(args, runs: dict, data: dict) -> None:
    text = report(args, runs, data)
    print(text)
    if not args.no_record:
        common.record(
            "reports", "Reports: figures from the rollups at national scale (issue 8)", text
        )


if __name__ == "__main__":
    main()
