"""How an alert leaves: a group robot's webhook or an SMTP server. No Flask here."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import ssl
import time
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, quote_plus, unquote, urlsplit

TIMEOUT_S = 10
WECOM_MAX_BYTES = 4096  # a markdown message's limit


class DeliveryError(RuntimeError):
    pass


def _wecom(subject: str, body: str) -> dict:
    text = body.encode()[:WECOM_MAX_BYTES].decode(errors="ignore")
    return {"msgtype": "markdown", "markdown": {"content": text}}


def _dingtalk(subject: str, body: str) -> dict:
    # DingTalk's markdown needs a blank line between lines to break them.
    text = body.replace("\n", "\n\n")
    return {"msgtype": "markdown", "markdown": {"title": subject, "text": text}}


def _dingtalk_signed(url: str, secret: str) -> str:
    """The robot's 加签 security setting: timestamp and HMAC-SHA256 signature in the URL."""
    timestamp = str(round(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return f"{url}&timestamp={timestamp}&sign={quote_plus(base64.b64encode(digest))}"


def send_webhook(spec: str, subject: str, body: str) -> None:
    """Post to `wecom:<url>` or `dingtalk:<url>[#SEC...]`; both answer errcode 0 when taken."""
    kind, _, url = spec.partition(":")
    if kind not in ("wecom", "dingtalk") or not url.startswith(("http://", "https://")):
        raise DeliveryError(f"NOTIFY_WEBHOOK must be wecom:<url> or dingtalk:<url>, not {kind}")
    url, _, secret = url.partition("#")
    payload = _wecom(subject, body) if kind == "wecom" else _dingtalk(subject, body)
    if kind == "dingtalk" and secret:
        url = _dingtalk_signed(url, secret)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        answer = json.loads(response.read() or b"{}")
    if answer.get("errcode", 0) != 0:
        raise DeliveryError(f"robot refused: {answer.get('errcode')} {answer.get('errmsg')}")


@dataclass(frozen=True)
class SMTPSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    to: list[str]
    tls: bool  # TLS from the start (smtps)
    starttls: bool


def smtp_settings(url: str | None) -> SMTPSettings | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return None
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    tls = parts.scheme == "smtps"
    return SMTPSettings(
        host=parts.hostname,
        port=parts.port or (465 if tls else 25),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        sender=query.get("from") or f"stationsite@{parts.hostname}",
        to=[a.strip() for a in query.get("to", "").split(",") if a.strip()],
        tls=tls,
        starttls=not tls and query.get("starttls", "1") != "0",
    )


def send_email(url: str | None, to: list[str], subject: str, body: str) -> None:
    settings = smtp_settings(url)
    if settings is None or not to:
        raise DeliveryError("SMTP_URL or the recipients are missing")
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, ", ".join(to), subject
    message.set_content(body)
    connect = smtplib.SMTP_SSL if settings.tls else smtplib.SMTP
    with connect(settings.host, settings.port, timeout=TIMEOUT_S) as server:
        server.ehlo()
        if settings.starttls and server.has_extn("starttls"):
            server.starttls(context=ssl.create_default_context())
        if settings.user:
            server.login(settings.user, settings.password or "")
        server.send_message(message)
