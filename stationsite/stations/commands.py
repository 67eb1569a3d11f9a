"""`flask --app stationsite import-places FILE`: load a gazetteer (OSM extract or CSV)."""

import click

from ..extensions import db
from ..locator.gazetteer import save_places
from ..locator.places_io import read_places
from . import bp


@bp.cli.command("import-places")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Read and check the file; save nothing.")
def import_places_command(path: str, dry_run: bool) -> None:
    """Named places riders type (OSM .osm / .geojson extracts, or CSV)."""
    rows, errors = read_places(path)
    for error in errors:
        click.echo(f"row {error.row}: {error.message}", err=True)
    added = updated = 0
    if not dry_run:
        added, updated = save_places(rows)
        db.session.commit()
    click.echo(
        f"{len(rows)} places read, {added} added, {updated} updated, {len(errors)} rows skipped"
    )
    if errors and not rows:
        raise SystemExit(1)
