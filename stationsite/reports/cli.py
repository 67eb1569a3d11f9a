"""`flask --app stationsite report`: the periodic report for scheduled runs."""

from __future__ import annotations

import click


@click.command("report")
def report_command() -> None:
    """Placeholder: being written."""
    raise click.ClickException("not yet available")
