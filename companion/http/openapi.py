"""The OpenAPI 3.1 document, generated from the route table and its pydantic models."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from companion import __version__
from companion.http.models import ErrorResponse

if TYPE_CHECKING:
    from companion.http.routes import Route

_REF = "#/components/schemas/{model}"


def _models(routes: list[Route]) -> list[type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {"ErrorResponse": ErrorResponse}
    for route in routes:
        for model in (route.body, route.query, route.response):
            if model is not None:
                found[model.__name__] = model
    return list(found.values())


def openapi_document(routes: list[Route]) -> dict[str, Any]:
    models = _models(routes)
    keyed, components = models_json_schema(
        [
            (model, "validation" if model in _inputs(routes) else "serialization")
            for model in models
        ],
        ref_template=_REF,
    )
    schemas = components.get("$defs", {})

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return keyed[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation: dict[str, Any] = {
            "summary": route.summary,
            "operationId": route.handler.__name__,
            "responses": {},
        }
        if route.auth:
            operation["security"] = [{"bearer": []}]
        else:
            operation["security"] = []
        if route.query is not None:
            operation["parameters"] = _query_parameters(route.query, schemas)
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(route.body, "validation")}},
            }
        ok: dict[str, Any] = {"description": "OK"}
        if route.response is not None:
            ok["content"] = {"application/json": {"schema": ref(route.response, "serialization")}}
        operation["responses"]["200"] = ok
        error_schema = {"application/json": {"schema": ref(ErrorResponse, "serialization")}}
        documented = dict(route.errors)
        if route.auth:
            documented.setdefault(401, "no token, or a wrong one")
        if route.body is not None or route.query is not None:
            documented.setdefault(400, "the body is not JSON")
            documented.setdefault(422, "a field is invalid; the error names it")
        if route.body is not None:
            documented.setdefault(413, "the body is over 1 MiB")
        for status, description in sorted(documented.items()):
            answer: dict[str, Any] = {"description": description}
            if status != 304:
                answer["content"] = error_schema
            operation["responses"][str(status)] = answer
        path = re.sub(r"\{(\w+)\}", r"{\1}", route.path)
        if "{" in path:
            operation.setdefault("parameters", []).extend(
                {
                    "name": name,
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "maxLength": 64},
                }
                for name in re.findall(r"\{(\w+)\}", path)
            )
        paths.setdefault(path, {})[route.method.lower()] = operation

    return {
        "openapi": "3.1.0",
        "info": {"title": "Cashback Guard companion", "version": __version__},
        "servers": [{"url": "http://127.0.0.1:47615"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": paths,
    }


def _inputs(routes: list[Route]) -> set[type[BaseModel]]:
    return {model for route in routes for model in (route.body, route.query) if model is not None}


def _query_parameters(model: type[BaseModel], schemas: dict[str, Any]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=_REF)
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema["properties"].items()
    ]
