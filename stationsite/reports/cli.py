"""`flask --app stationsite report`: the periodic report for scheduled runs.

The same `build_report` and exports as the site, so a scheduled file and a download agree.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale
from sqlalchemy import select

from ..extensions import db
from ..models import Station
from .model import Scope
from .periods import ACCEPTED, PeriodError, parse
from .visits import has_district

FORMATS = ("xlsx", "csv", "pdf", "json")
BINARY = ("xlsx", "pdf")
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}


def _period(_ctx, _param, value: str):
    try:
        return parse(value)
    except PeriodError:
        raise click.BadParameter(f"{value!r} is not a period; accepted forms: {ACCEPTED}") from None


@click.command("report")
@with_appcontext
@click.option("--period", required=True, callback=_period, help=f"One of: {ACCEPTED}.")
@click.option("--district", default=None, help="Only stations in this district.")
@click.option("--station", "station_code", default=None, help="Only this station (code).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="xlsx", show_default=True)
@click.option("--output", "-o", default=None, help="File to write, or - for standard output.")
@click.option("--lang", type=click.Choice(tuple(LOCALES)), default="zh", show_default=True)
def report_command(period, district, station_code, fmt, output, lang) -> None:
    """Write the period's report as XLSX, CSV, PDF or JSON (Chinese unless --lang en)."""
    if (
        station_code
        and db.session.scalar(select(Station.id).where(Station.code == station_code)) is None
    ):
        raise click.BadParameter(f"no station with code {station_code!r}", param_hint="--station")
    if district and not has_district(district):
        raise click.BadParameter(f"no station is in district {district!r}", param_hint="--district")
    to_stdout = output == "-"
    if to_stdout and fmt in BINARY and _stdout_is_terminal():
        raise click.UsageError(f"{fmt} is binary: give --output FILE, or redirect standard output.")
    scope = Scope(period=period, district=district or None, station_code=station_code)
    with force_locale(LOCALES[lang]):
        if to_stdout:
            _write_stdout(_render(scope, lang, fmt, _no_step))
            return
        target = Path(output) if output else Path(_default_name(period, fmt))
        with click.progressbar(length=3, label=_label(target), file=sys.stderr) as bar:
            body = _render(scope, lang, fmt, lambda _name: bar.update(1))
            _write_file(target, body)
            bar.update(1)
    click.echo(f"{target}", err=True)


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


def _no_step(_name: str) -> None:
    pass


def _label(target: Path) -> str:
    return f"report → {target.name}"


def _default_name(period, fmt: str) -> str:
    from flask_babel import gettext as _

    return f"{_('station-report')}-{period.key.replace('..', '_')}.{fmt}"


def _render(scope: Scope, lang: str, fmt: str, step) -> bytes | str:
    """The report in `fmt`; calls `step` after each of figures and rendering."""
    from . import exports, figures

    report = figures.build_report(scope, lang)
    step("figures")
    if fmt == "json":
        body = json.dumps(exports.to_json(report), ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csv":
        body = exports.to_csv(report)
    elif fmt == "xlsx":
        body = exports.to_xlsx(report)
    else:
        body = _pdf(report, lang)
    step("rendering")
    return body


def _pdf(report, lang: str) -> bytes:
    from ..static_files import plain_names
    from .downloads import print_html
    from .pdf import PdfUnavailable, to_pdf

    base_url = current_app.config.get("PUBLIC_URL") or "http://localhost/"
    base_url = base_url.rstrip("/") + "/"
    # A request context so the template's url_for() works; nothing is served.
    with current_app.test_request_context(
        "/reports/print", base_url=base_url, query_string={"lang": lang}
    ):
        html = print_html(report)
    try:
        return to_pdf(html, base_url, current_app.static_folder, plain_names(current_app))
    except PdfUnavailable as error:
        raise click.ClickException(
            f"PDF cannot be made here ({error}). Use --format xlsx, or open /reports/print "
            "in a browser and print it to PDF."
        ) from None


def _write_stdout(body: bytes | str) -> None:
    if isinstance(body, bytes):
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        click.echo(body, nl=False)


def _write_file(target: Path, body: bytes | str) -> None:
    try:
        if isinstance(body, bytes):
            target.write_bytes(body)
        else:
            # CSV carries its BOM in the text; newline="" keeps its CRLF rows as they are.
            with target.open("w", encoding="utf-8", newline="") as handle:
                handle.write(body)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None
