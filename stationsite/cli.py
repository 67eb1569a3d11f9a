"""`flask --app stationsite <command>`: thin wrappers over the same functions the site uses."""

from __future__ import annotations

import click
from flask import Flask

from .database import migrate_to_head
from .extensions import db


def init_app(app: Flask) -> None:
    for command in (init_db, seed_demo_command, create_user_command, generate_stations_command):
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
