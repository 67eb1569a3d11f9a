"""Delivers alerts in the background of the process that stored them, after its commit.

One worker thread per app and process: it sends what is due, sleeps until the next retry,
and ends when nothing is pending. `flask send-alerts` (cron, every few minutes) does the same
once, for alerts whose process ended first and for reports left unanswered.
"""

from __future__ import annotations

import threading

import click
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from . import alerts, bp

LONGEST_SLEEP_S = 300
_lock = threading.Lock()
_workers: dict[int, tuple[threading.Thread, threading.Event]] = {}


def kick(app: Flask) -> None:
    """Wake this app's worker, or start one."""
    with _lock:
        running = _workers.get(id(app))
        if running and running[0].is_alive():
            running[1].set()
            return
        wake = threading.Event()
        thread = threading.Thread(target=_work, args=(app, wake), daemon=True, name="alerts")
        _workers[id(app)] = (thread, wake)
        thread.start()


def _work(app: Flask, wake: threading.Event) -> None:
    with app.app_context():
        while True:
            try:
                wait = alerts.deliver_due()
            except Exception:  # the database went away: the next kick or cron tries again
                app.logger.exception("alert worker stopped")
                wait = None
            finally:
                db.session.remove()
            with _lock:
                if wait is None and not wake.is_set():
                    _workers.pop(id(app), None)
                    return
            wake.wait(timeout=min(wait or 0, LONGEST_SLEEP_S))
            wake.clear()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop("alerts_queued", False) and current_app:
        kick(current_app._get_current_object())


@bp.cli.command("send-alerts")
def send_alerts_command() -> None:
    """Send due alerts and alert about reports left unanswered (run it from cron)."""
    wait = alerts.deliver_due()
    pending = "none pending" if wait is None else f"next retry in {wait:.0f} s"
    click.echo(f"alerts sent; {pending}")
