"""Chinese first, English second: locale choice, remembered in a cookie."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import format_date, format_datetime, get_locale, gettext

from . import labels
from .extensions import babel

LANG_COOKIE = "lang"
LOCALES = {"zh": "zh_Hans_CN", "en": "en"}
HTML_LANG = {"zh": "zh-CN", "en": "en"}
ONE_YEAR = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent / "translations")
    )
    app.config.setdefault("BABEL_DEFAULT_LOCALE", app.config["DEFAULT_LOCALE"])
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    babel.init_app(app, locale_selector=select_locale)
    app.after_request(_remember_choice)
    app.context_processor(
        lambda: {"lang": current_lang(), "html_lang": html_lang(), "lang_url": lang_url}
    )
    app.jinja_env.globals["labels"] = labels
    app.add_template_filter(lambda value: format_date(value, "medium"), "localdate")
    app.add_template_filter(lambda value: format_datetime(value, "short"), "localdatetime")
    app.add_template_filter(translated, "translated")


def _asked_lang() -> str | None:
    asked = request.args.get("lang", "").lower()[:2]
    return asked if asked in LOCALES else None


def _chosen_lang() -> str:
    lang = _asked_lang() or request.cookies.get(LANG_COOKIE)
    return lang if lang in LOCALES else "zh"


def select_locale() -> str:
    """Chinese unless English was chosen (`?lang=en`, then remembered in a cookie)."""
    g.lang = _chosen_lang()
    return LOCALES[g.lang]


def current_lang() -> str:
    """ "zh" or "en" for the current request: read from the request itself, without setting
    up Babel's locale (an API answer that translates nothing never needs it)."""
    if "lang" not in g:
        if not has_request_context():
            get_locale()
            return g.get("lang", "zh")
        g.lang = _chosen_lang()
    return g.lang


def html_lang() -> str:
    return HTML_LANG[current_lang()]


def lang_url(lang: str) -> str:
    args = request.args.to_dict(flat=False)
    args["lang"] = [lang]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def _remember_choice(response: Response) -> Response:
    lang = _asked_lang()
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(
            LANG_COOKIE,
            lang,
            max_age=ONE_YEAR,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def translated(message) -> str:
    """A message kept as its English text and parameters, in the reader's language."""
    params = dict(getattr(message, "params", ()))
    return gettext(message.text, **params) if hasattr(message, "text") else str(message)
