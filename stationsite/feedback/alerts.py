"""Alerts to a station's operators: a WeCom or DingTalk group robot, and email.

An alert is a row written in the same transaction as the report, so it is never lost; a
background worker (and `flask send-alerts`, for cron) delivers due alerts, claiming each row
first so two workers never send the same one, and retries with growing delays.

Settings: NOTIFY_WEBHOOK (`wecom:<url>` or `dingtalk:<url>`, a DingTalk signing secret as
`#SEC...` after the URL), SMTP_URL (`smtp://user:pass@host:587/?from=a@b&to=c@d,e@f`,
`smtps://` for TLS from the start, `starttls=0` to skip STARTTLS), NOTIFY_ORGS
({operator organisation: {"webhook": ..., "email_to": "a@b,c@d"}}) where an organisation's
own group or mailbox differs, ALERT_UNANSWERED_HOURS (default 24).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select, update

from .. import labels
from ..extensions import db
from ..models import Alert, Feedback, FeedbackCategory, FeedbackStatus
from . import follow
from .channels import send_email, send_webhook

ALERTING = (FeedbackCategory.FACILITY_FAULT, FeedbackCategory.CLOSED_WHEN_OPEN)
RETRY_DELAYS_S = (60, 300, 1800, 7200, 21600)  # then it is given up and shown as failed
LEASE = timedelta(minutes=2)  # a claimed alert is someone's for this long


def setting(name: str, default=None):
    """From the app's config, else the environment (the config layer does not list these)."""
    return current_app.config.get(name) or os.environ.get(name) or default


@dataclass(frozen=True)
class Targets:
    webhook: str | None
    email_to: list[str]


def _orgs() -> dict:
    """NOTIFY_ORGS as a mapping in config.py, or as JSON in the environment."""
    orgs = setting("NOTIFY_ORGS") or {}
    return json.loads(orgs) if isinstance(orgs, str) else orgs


def targets(org: str) -> Targets:
    own = _orgs().get(org, {})
    webhook = own.get("webhook") or setting("NOTIFY_WEBHOOK")
    emails = own.get("email_to") or setting("NOTIFY_EMAIL_TO") or ""
    from .channels import smtp_settings

    smtp = smtp_settings(setting("SMTP_URL"))
    recipients = [e.strip() for e in emails.split(",") if e.strip()] or (smtp.to if smtp else [])
    return Targets(webhook, recipients if smtp else [])


def _message(item: Feedback, kind: str) -> tuple[str, str]:
    """Subject and text, in the deployment's language; never the reporter's contact."""
    station = item.station
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        what = str(labels.FEEDBACK_CATEGORY[item.category.value])
        if item.facility is not None:
            what += f" · {item.facility.name_zh}"
        lead = {
            "new": _("New visitor report"),
            "reopened": _("A visitor says it is still broken"),
            "overdue": _("Still unanswered"),
        }[kind]
        subject = f"【{lead}】{station.name_zh}（{station.code}）{what}"
        link = follow.public_url("operator.feedback_inbox", station=station.code)
        lines = [subject, item.comment[:200], _("Reference: %(ref)s", ref=item.reference)]
        lines.append(_("Open the inbox: %(link)s", link=f"{link}#feedback-{item.id}"))
    return subject, "\n".join(line for line in lines if line)


def queue(item: Feedback, kind: str) -> int:
    """Add alerts for `item` on every configured channel; the caller commits."""
    found = targets(item.station.operator_org)
    channels = (["webhook"] if found.webhook else []) + (["email"] if found.email_to else [])
    subject, body = _message(item, kind)
    for channel in channels:
        db.session.add(
            Alert(
                feedback_id=item.id,
                channel=channel,
                org=item.station.operator_org,
                subject=subject,
                body=body,
            )
        )
    if channels:
        db.session.info["alerts_queued"] = True
    return len(channels)


def queue_new_report(item: Feedback) -> None:
    if item.category in ALERTING:
        db.session.flush()  # the alert refers to the report's id
        queue(item, "new")


def queue_overdue(now: datetime) -> int:
    """Alert once about each message left unanswered for ALERT_UNANSWERED_HOURS."""
    from ..operator.inbox import is_message

    hours = float(setting("ALERT_UNANSWERED_HOURS", 24))
    waiting = db.session.scalars(
        select(Feedback)
        .where(Feedback.status == FeedbackStatus.NEW, is_message(), Feedback.reply == "")
        .where(Feedback.created_at < now - timedelta(hours=hours))
        .where(Feedback.overdue_alerted_at.is_(None))
        .limit(200)
    )
    count = 0
    for item in waiting:
        item.overdue_alerted_at = now
        count += queue(item, "overdue") > 0
    return count


def _claim(alert_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.next_attempt_at <= now, Alert.sent_at.is_(None))
        .values(next_attempt_at=now + LEASE)
    )
    db.session.commit()
    return claimed.rowcount == 1


def _send(alert: Alert) -> None:
    found = targets(alert.org)
    if alert.channel == "webhook":
        if not found.webhook:
            raise RuntimeError("no webhook configured any more")
        send_webhook(found.webhook, alert.subject, alert.body)
    else:
        send_email(setting("SMTP_URL"), found.email_to, alert.subject, alert.body)


def _deliver(alert: Alert, now: datetime) -> None:
    try:
        _send(alert)
    except Exception as error:  # any failure: count it, keep the alert, try again later
        alert.attempts += 1
        alert.last_error = f"{type(error).__name__}: {error}"[:255]
        delays = current_app.config.get("ALERT_RETRY_DELAYS_S", RETRY_DELAYS_S)
        if alert.attempts > len(delays):
            alert.failed = True
        else:
            alert.next_attempt_at = now + timedelta(seconds=delays[alert.attempts - 1])
        current_app.logger.warning("alert %s not delivered: %s", alert.id, alert.last_error)
    else:
        alert.sent_at, alert.attempts = now, alert.attempts + 1
    db.session.commit()


def deliver_due() -> float | None:
    """Send what is due; returns seconds until the next pending alert, or None if none."""
    queue_overdue(datetime.now(UTC))
    db.session.info.pop("alerts_queued", None)  # sent just below, by this very call
    db.session.commit()
    now = datetime.now(UTC)
    due = db.session.scalars(
        select(Alert.id).where(Alert.sent_at.is_(None), ~Alert.failed, Alert.next_attempt_at <= now)
    ).all()
    for alert_id in due:
        if _claim(alert_id, now):
            _deliver(db.session.get(Alert, alert_id), datetime.now(UTC))
    following = db.session.scalar(
        select(Alert.next_attempt_at)
        .where(Alert.sent_at.is_(None), ~Alert.failed)
        .order_by(Alert.next_attempt_at)
    )
    if following is None:
        return None
    return max(0.0, (following - datetime.now(UTC)).total_seconds())


def undelivered() -> tuple[int, str]:
    """Alerts given up on, and the latest reason: for union staff to fix the settings."""
    count, last = db.session.execute(
        select(func.count(), func.max(Alert.last_error)).where(Alert.failed)
    ).one()
    return count, last or ""
