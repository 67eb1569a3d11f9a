"""`flask --app stationsite <command>`: thin wrappers over the same functions the site uses."""

from __future__ import annotations

import click
from flask import Flask

from .backup import backup_command, restore_command
from .database import migrate_to_head
from .extensions import db
from .reports.cli import report_command


def init_app(app: Flask) -> None:
    for command in (
        init_db,
        seed_demo_command,
        create_user_command,
        generate_stations_command,
        generate_visits_command,
        rebuild_rollups_command,
        import_stations_command,
        import_jobs_command,
        export_stations_command,
        report_command,
        backup_command,
        restore_command,
    ):
        app.cli.add_command(command)


@click.command("init-db")
def init_db() -> None:
    """Create or upgrade the database schema (Alembic, to head)."""
    migrate_to_head()
    click.echo("Database is at the latest migration.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when there are no stations yet.")
def seed_demo_command(if_empty: bool) -> None:
    """Load the Hangzhou demo stations, facilities, operators, visits and feedback."""
    from .demo import seed_demo, station_count

    if if_empty and station_count():
        click.echo(f"Database already has {station_count()} stations; demo data not loaded.")
        return
    created = seed_demo()
    db.session.commit()
    click.echo(f"Demo data ready: {created} stations created, {station_count()} in total.")


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(["admin", "operator"]), required=True)
@click.option("--station", "stations", multiple=True, help="Station code (operators; repeatable).")
@click.password_option(prompt_required=False, help="Prompted for when not given.")
def create_user_command(username: str, role: str, stations: tuple[str, ...], password: str | None):
    """Create an admin or an operator assigned to stations."""
    from .users import UserError, create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(username, password, role, stations)
    except UserError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created {user.role.value} {user.username}.")


@click.command("generate-stations")
@click.option("--count", type=click.IntRange(1, 2_000_000), required=True)
@click.option("--seed", type=int, default=7, show_default=True)
def generate_stations_command(count: int, seed: int) -> None:
    """Add COUNT synthetic stations around China's cities (for benchmarks)."""
    from .synthetic import generate_stations

    with click.progressbar(length=count, label="Generating stations") as bar:
        made = generate_stations(count, seed=seed, progress=bar.update)
        db.session.commit()
    click.echo(f"Added {made} synthetic stations.")


@click.command("generate-visits")
@click.option("--count", type=click.IntRange(1, 100_000_000), required=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--days", type=click.IntRange(1, 3660), default=365, show_default=True)
def generate_visits_command(count: int, seed: int, days: int) -> None:
    """Add COUNT synthetic visits and about 1 % feedback over the last DAYS days at every
    station (for benchmarks), then rebuild the rollups."""
    from .synthetic import generate_visits

    with click.progressbar(length=count, label="Generating visits") as bar:
        try:
            made = generate_visits(count, seed=seed, days=days, progress=bar.update)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(
        f"Added {made.visits} visits in {made.rows} rows and {made.feedback} feedback items; "
        f"rollups rebuilt ({made.rollup_rows} rows)."
    )


@click.command("rebuild-rollups")
@click.option(
    "--check", is_flag=True, help="Then compare with the raw visits; fail if they differ."
)
def rebuild_rollups_command(check: bool) -> None:
    """Recompute the visit rollups exactly from the raw visits."""
    from .reports import rollups

    rows = rollups.rebuild()
    db.session.commit()
    click.echo(f"Rollups rebuilt: {rows} rows.")
    if check:
        problems = rollups.differences()
        for problem in problems:
            click.echo(problem, err=True)
        if problems:
            raise click.ClickException("the rollups differ from the raw visits")
        click.echo("Rollups equal the raw visits.")


@click.command("import-stations")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report; change nothing.")
def import_stations_command(path: str, dry_run: bool) -> None:
    """Create or update stations from a CSV, Excel (.xlsx), GeoJSON or Overpass JSON file
    (matched by station code)."""
    from pathlib import Path

    from flask import current_app

    from . import stations_io

    try:
        area = stations_io.ServiceArea.parse(current_app.config.get("SERVICE_AREA"))
        rows = stations_io.parse(Path(path).read_bytes(), path, area, _ReadingShown())
    except stations_io.ImportRefused as refused:
        raise click.ClickException(str(refused.message)) from None
    for note in getattr(rows, "notes", []):
        click.echo(f"note: {note}", err=True)
    for row in rows:
        for problem in row.errors:
            click.echo(f"row {row.number}: error: {problem}", err=True)
        for note in row.warnings:
            click.echo(f"row {row.number}: note: {note}", err=True)
    if dry_run:
        actions = list(stations_io.plan(rows).values())
        click.echo(
            f"Would create {actions.count('create')}, update {actions.count('update')}, "
            f"leave {actions.count('unchanged')} unchanged; "
            f"{sum(bool(r.errors) for r in rows)} rows have errors."
        )
        return
    with click.progressbar(length=len(rows), label="Importing") as bar:
        outcome = stations_io.apply(rows, progress=bar.update)
    db.session.commit()
    click.echo(
        f"Created {len(outcome.created)}, updated {len(outcome.updated)}, unchanged "
        f"{len(outcome.unchanged)}, failed {len(outcome.failed)}."
    )


class _ReadingShown:
    """How far reading a file has come, on one line of the terminal."""

    def reading(self, rows: int) -> None:
        click.echo(f"\rReading row {rows:,}…", nl=False, err=True)

    def checking(self, done: int, total: int) -> None:
        click.echo(f"\rChecking row {done:,} of {total:,}…", nl=done == total, err=True)


@click.group("import-jobs")
def import_jobs_command() -> None:
    """Background station imports: large files checked and imported from the admin page."""


@import_jobs_command.command("resume")
def resume_import_jobs_command() -> None:
    """Run every interrupted import job here and now (a web server resumes them on its own)."""
    import threading
    from pathlib import Path

    from flask import current_app

    from .stations_io import jobs

    app = current_app._get_current_object()
    uploads = jobs.Uploads(Path(app.instance_path) / "imports")
    found = [job for job in uploads.jobs() if jobs.dead(app, uploads, job)]
    if not found:
        click.echo("No interrupted import jobs.")
    for job in found:
        worker = threading.Thread(target=jobs.run, args=(app, uploads, job.token))
        worker.start()
        with click.progressbar(length=max(job.total, 1), label=job.token) as bar:
            while worker.is_alive():
                worker.join(0.5)
                now = uploads.job(job.token) or job
                bar.length = max(now.total, 1)
                bar.update((now.done if now.state != "checking" else now.checked) - bar.pos)
        job = uploads.job(job.token) or job
        click.echo(
            f"{job.token}: {job.state}: {job.created} created, {job.updated} updated, "
            f"{job.unchanged} unchanged, {job.failed} failed"
        )


@click.command("export-stations")
@click.option(
    "--format", "kind", type=click.Choice(["csv", "geojson"]), default="csv", show_default=True
)
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-")
def export_stations_command(kind: str, output) -> None:
    """Write every station as CSV (opens in Excel) or GeoJSON with OpenStreetMap tags."""
    from . import stations_io

    chunks = stations_io.csv_chunks() if kind == "csv" else stations_io.geojson_chunks()
    output.writelines(chunks)  # a batch of stations at a time: memory stays flat
