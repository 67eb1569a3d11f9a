"""What comes in, checked once for every route: input no database or encoder can hold is
answered 400 (or 404 for an id no table can have) before any view sees it.

- NUL bytes and lone surrogates in the query string, form fields or JSON strings (PostgreSQL
  refuses the first, UTF-8 the second);
- JSON nested deeper than the parser's stack allows;
- integer ids beyond the database's 32-bit keys in URLs, and a NUL in a URL's path (a station
  code, a token, a photo's name): no such page, 404;
- bodies larger than their route needs: MAX_CONTENT_LENGTH (small) for every public form and
  JSON write, BODY_LIMITS for the routes that take files (imports, photos); 413 beyond.
"""

from __future__ import annotations

import json
import re

import orjson
from flask import Flask, current_app, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

UNSAFE = re.compile(r"[\x00\ud800-\udfff]")
MAX_ID = 2**31 - 1


class BadInput(BadRequest):
    """Input no database or encoder can hold, answered in the reader's language."""


class DatabaseId(IntegerConverter):
    """<int:…> in a URL: a number a database key can be, else no such page (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _unsafe_anywhere(value) -> bool:
    if isinstance(value, str):
        return bool(UNSAFE.search(value))
    if isinstance(value, dict):
        return any(_unsafe_anywhere(k) or _unsafe_anywhere(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_unsafe_anywhere(item) for item in value)
    return False


# orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) writes, about ten
# times faster (a district view's 245 KB: 2.6 ms to 0.2 ms); dates and dataclasses are still
# written by Flask's rules (its `default`), not orjson's.
ORJSON = (
    orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS
)


class CheckedJSON(DefaultJSONProvider):
    """Request bodies: too deep or holding NUL / lone surrogates is a 400, like bad syntax.
    Answers: Chinese as UTF-8 (readable, and half the bytes), keys in the order written,
    encoded by orjson (pretty-printed ones, in debug, by the standard encoder)."""

    ensure_ascii = False
    sort_keys = False

    def response(self, *args, **kwargs):
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)
        value = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(value, default=self.default, option=ORJSON)
        except orjson.JSONEncodeError:  # what orjson cannot hold (an integer over 64 bits)
            return super().response(value)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    def loads(self, s, **kwargs):
        try:
            value = json.loads(s, **kwargs)
            unsafe = _unsafe_anywhere(value)
        except RecursionError as error:  # nested deeper than the stack: not a real request
            raise ValueError("JSON nested too deeply") from error
        if unsafe:
            raise ValueError("JSON holds a NUL character or a lone surrogate")
        return value


def _check_fields() -> None:
    if UNSAFE.search(request.path):  # no code, token or name can hold one
        raise NotFound()
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            if UNSAFE.search(key) or UNSAFE.search(value):
                raise BadInput(_("The request holds characters this service cannot store."))


def _limit_body() -> None:
    """Before anything reads the body (CSRF protection does, among the first hooks)."""
    limit = current_app.config["BODY_LIMITS"].get(request.endpoint)
    if limit:
        request.max_content_length = limit


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseId
    app.json = CheckedJSON(app)
    app.config.setdefault("MAX_CONTENT_LENGTH", 1024 * 1024)
    app.before_request(_limit_body)
    app.before_request(_check_fields)
