"""Each API view states its contract once (@contract): the query or body model it takes and
the models it answers with. The same models validate the request (here) and describe the
route in /api/v1/openapi.json (openapi.py), so the two cannot drift apart."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import cache, wraps
from http import HTTPStatus

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ValidationError

from ..errors import APIError
from .schemas import Body, Query


@dataclass(frozen=True)
class Contract:
    summary: str
    description: str
    query: type[Query] | None = None
    body: type[Body] | None = None
    answers: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    errors: tuple[int, ...] = ()


CONTRACTS: dict[str, Contract] = {}  # by view function name (the endpoint within `api`)


def contract(*, query=None, body=None, answers=None, errors=()):
    """Declare what a view takes and answers; the view gets `query=` or `body=` validated."""

    def decorate(view):
        summary, _, description = (inspect.getdoc(view) or "").partition("\n\n")
        CONTRACTS[view.__name__] = Contract(
            summary, description.strip(), query, body, answers or {}, tuple(errors)
        )

        @wraps(view)
        def validated(*args, **kwargs):
            if query is not None:
                kwargs["query"] = read_query(query)
            if body is not None:
                kwargs["body"] = read_body(body)
            return view(*args, **kwargs)

        return validated

    return decorate


def read_query(model: type[Query]) -> Query:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        fields = _fields(model, error)
        unreadable = any(e["type"] in _UNREADABLE for e in error.errors())
        message = next(iter(fields.values()))
        raise APIError(400 if unreadable else 422, "invalid_parameter", message, fields) from None


def read_body(model: type[Body]) -> Body:
    data = json_object(known=model.model_fields)
    try:
        return model.model_validate(data)
    except ValidationError as error:
        fields = _fields(model, error)
        raise APIError(422, "invalid_fields", _("Some fields are not valid."), fields) from None


def json_object(known=None) -> dict:
    """The body as a JSON object of plain values (strings, numbers, null). Of a model's
    body only its own fields (`known`) count: others are ignored, whatever they hold, as
    openapi.json says."""
    if not request.is_json:
        raise APIError(
            415,
            "unsupported_media_type",
            _("Send a JSON object with Content-Type: application/json."),
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise APIError(400, "invalid_json", _("The body must be a JSON object."))
    if known is not None:
        data = {key: value for key, value in data.items() if key in known}
    bad = [key for key, value in data.items() if isinstance(value, dict | list)]
    if bad:
        message = _("must be a string or a number")
        raise APIError(422, "invalid_field", message, dict.fromkeys(bad, message))
    return data


# --- errors in the reader's language ----------------------------------------------------

# a value that is not even of the right type (or absent): 400; a readable but wrong one: 422
_UNREADABLE = {
    "missing",
    "float_parsing",
    "float_type",
    "int_parsing",
    "int_type",
    "int_from_float",
    "bool_parsing",
    "bool_type",
    "bbox_format",
    "string_type",
}


def _fields(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors(include_url=False):
        name = str(item["loc"][0]) if item["loc"] else "body"
        fields.setdefault(name, _message(model, name, item))
    return fields


def _message(model: type[BaseModel], name: str, item: dict) -> str:
    kind, context = item["type"], item.get("ctx") or {}
    spec = _properties(model).get(name, {})
    if kind == "missing":
        return _("%(name)s is required", name=name)
    if kind in ("float_parsing", "float_type"):
        return _("%(name)s must be a number", name=name)
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("%(name)s must be a whole number", name=name)
    if kind in ("bool_parsing", "bool_type"):
        return _("%(name)s must be 1/true or 0/false", name=name)
    if "minimum" in spec and "maximum" in spec and kind not in ("string_too_long",):
        low, high = spec["minimum"], spec["maximum"]
        return _("%(name)s must be between %(low)d and %(high)d", name=name, low=low, high=high)
    if "enum" in spec:
        allowed = ", ".join(map(str, spec["enum"]))
        if name == "kind":
            return _("unknown kind; use one of: %(allowed)s", allowed=allowed)
        return _("%(name)s must be one of: %(allowed)s", name=name, allowed=allowed)
    return _custom(name, kind, context)


def _custom(name: str, kind: str, context: dict) -> str:
    if kind == "unknown_facility":
        return _("unknown facility: %(codes)s", codes=", ".join(context["codes"]))
    if kind == "bbox_format":
        return _("bbox must be four numbers: minlon,minlat,maxlon,maxlat")
    if kind == "bbox_lon":
        return _("bbox longitudes must lie between -180 and 180")
    if kind == "bbox_lat":
        return _("bbox latitudes must lie between -90 and 90")
    if kind == "bbox_inverted":
        return _("bbox is inverted: the minimum must come before the maximum")
    if kind == "string_too_long":
        return _("At most %(count)d characters.", count=context["max_length"])
    if kind == "string_pattern_mismatch" and name == "contact":
        return _("Enter a mobile number, a landline or a WeChat ID.")
    if kind == "string_type":
        return _("must be a string or a number")
    return _("%(name)s is not valid", name=name)


@cache
def _properties(model: type[BaseModel]) -> dict[str, dict]:
    """Each field's JSON schema, with `T | None` read as T: the bounds and choices to name."""
    properties = model.model_json_schema()["properties"]
    return {name: plain(schema) for name, schema in properties.items()}


def plain(schema: dict) -> dict:
    """`anyOf: [X, null]` (an optional value) as X with its default and description."""
    options = [s for s in schema.get("anyOf", ()) if s.get("type") != "null"]
    if len(options) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest}


def status_text(status: int) -> str:
    return HTTPStatus(status).phrase
