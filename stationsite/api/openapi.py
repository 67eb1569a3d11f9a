"""/api/v1/openapi.json, generated from the views' contracts and their pydantic models."""

from __future__ import annotations

import re

from apispec import APISpec
from flask import current_app
from pydantic.json_schema import models_json_schema

from ..feedback.follow import public_url
from . import schemas
from .contract import CONTRACTS, Contract, plain, status_text

DESCRIPTION = (
    "Warm-heart stations (暖心驿站) and upgraded public-toilet stations (公厕驿站): where "
    "they are, what they have, whether they are open. Coordinates are WGS-84; times are ISO "
    "8601 in Asia/Shanghai. Add lang=en for English names. Errors are "
    '{"error": {"code", "message", "fields"}}; an unreadable parameter is a 400, a readable '
    "one out of range a 422. A parameter that is sent must be valid: an empty one (h24=) is "
    "refused, never read as its default; parameters the API does not know are ignored."
)
_PATH_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def document() -> dict:
    """The document for the public address (PUBLIC_URL, else this request's); the rest is
    built once per app."""
    paths, schemas_ = current_app.extensions.get("api_document") or _build()
    current_app.extensions["api_document"] = paths, schemas_
    spec = APISpec(
        title="stationsite API",
        version="1",
        openapi_version="3.1.0",
        info={"description": DESCRIPTION},
        servers=[{"url": public_url("stations.index").rstrip("/")}],
    )
    for name, schema in schemas_.items():
        spec.components.schema(name, schema)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def _build() -> tuple[dict, dict]:
    models = [schemas.Error]
    for found in CONTRACTS.values():
        models += [m for m in (found.body, *found.answers.values()) if m is not None]
    refs, top = models_json_schema(
        [(model, "validation") for model in dict.fromkeys(models)],
        ref_template="#/components/schemas/{model}",
    )
    ref = {model: refs[(model, "validation")] for model, _ in refs}
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        blueprint, _, name = rule.endpoint.partition(".")
        if blueprint != "api" or name not in CONTRACTS:
            continue
        path = _PATH_PARAMETER.sub(r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(CONTRACTS[name], ref, rule.arguments)
            paths.setdefault(path, {})[method.lower()] = operation
    return paths, top.get("$defs", {})


def _operation(found: Contract, ref: dict, path_arguments) -> dict:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in sorted(path_arguments)
    ]
    if found.query is not None:
        parameters += _query_parameters(found.query)
    operation = {
        "summary": found.summary,
        "parameters": parameters,
        "responses": _responses(found, ref),
    }
    if found.description:
        operation["description"] = found.description
    if found.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref[found.body]}},
        }
    return operation


def _query_parameters(model: type[schemas.Query]) -> list[dict]:
    full = model.model_json_schema()
    required = set(full.get("required", ()))
    parameters = []
    for name, schema in full["properties"].items():
        schema = {k: v for k, v in plain(schema).items() if k != "title"}
        if not isinstance(schema.get("default", ""), str | int | float | bool):
            schema.pop("default")  # a parsed value (a box, a list), not what to send
        description = schema.pop("description", "")
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "description": description,
                "schema": schema,
            }
        )
    return parameters


def _responses(found: Contract, ref: dict) -> dict:
    responses = {}
    for status, model in found.answers.items():
        answer = {"description": status_text(status)}
        if model is not None:
            answer["description"] = _first_line(model) or status_text(status)
            answer["content"] = {"application/json": {"schema": ref[model]}}
        responses[str(status)] = answer
    for status in found.errors:
        responses[str(status)] = {
            "description": status_text(status),
            "content": {"application/json": {"schema": ref[schemas.Error]}},
        }
    return responses


def _first_line(model) -> str:
    doc = (model.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""
