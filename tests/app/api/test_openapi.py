"""The OpenAPI document describes every /api/v1 endpoint, and is well formed."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft4Validator


def _document(client) -> dict:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    return response.get_json()


def test_every_api_route_is_described(app, client):
    doc = _document(client)
    described = {(path, method) for path, ops in doc["paths"].items() for method in ops}
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes and routes == described
    assert {"/api/v1/outbox", "/api/v1/evaluation", "/api/v1/cases"} <= set(doc["paths"])


def test_the_document_is_well_formed(client):
    doc = _document(client)
    assert doc["openapi"].startswith("3.0") and doc["info"]["title"]
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": doc["components"]["securitySchemes"]["bearerAuth"]["description"]}
    schemas = doc["components"]["schemas"]
    for schema in schemas.values():
        Draft4Validator.check_schema(schema)
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(doc).replace("'", '"'))
    assert refs and set(refs) <= set(schemas)
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            assert op["responses"], (path, method)
            params = [p["name"] for p in op.get("parameters", []) if p["in"] == "path"]
            assert params == re.findall(r"{([^}]+)}", path), (path, method)
            if path.startswith("/api/v1/cases"):
                assert op["security"] == [{"bearerAuth": []}]
                assert {"401", "404"} <= set(op["responses"]) or path == "/api/v1/cases"


def test_schemathesis_loads_every_operation(client):
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_dict(_document(client))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == sum(len(ops) for ops in _document(client)["paths"].values())
