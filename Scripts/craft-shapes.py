#!/usr/bin/env python3
"""Validates Craft.io exchanges against the published OpenAPI document, so the simulator and the client cannot
drift together away from the real service. The test suite records what the simulator answered and what the client
sent (both API forms, successes and errors) and runs this on the record.

Usage: craft-shapes.py DOCUMENT EXCHANGES.json
Each exchange: {"form": "openapi"|"guide", "kind": "response"|"request", "method", "path", "status", "body", "query"}.
A request's query parameter names must be ones the document lists for the operation, and its body (if any) must
match the operation's request schema.
The guide's form is not in the document: its items are held to `Item` and its errors to `GeneralErrorResponse`.
"""
import json
import re
import sys

import jsonschema
import yaml

from openapi_schema import convert


document = yaml.safe_load(open(sys.argv[1]))
components = convert(document["components"])
exchanges = json.load(open(sys.argv[2]))


def template_regex(template):
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")


paths = [(template_regex(template), operations) for template, operations in document["paths"].items()]


def operation_for(exchange):
    for regex, operations in paths:
        if regex.match(exchange["path"]) and exchange["method"].lower() in operations:
            return operations[exchange["method"].lower()]
    raise SystemExit(f"{exchange['method']} {exchange['path']} is not in the document")


def schema_for(exchange):
    method, path, status = exchange["method"].lower(), exchange["path"], str(exchange["status"])
    if exchange["form"] == "guide":
        if exchange["kind"] == "request":
            return None
        if not status.startswith("2"):
            return {"anyOf": [{"$ref": "#/components/schemas/GeneralErrorResponse"}, {"$ref": "#/components/schemas/ValidateErrorJSON"}]}
        if method == "get" and re.match(r"^/workspace/[^/]+/items$", path):
            return {"type": "array", "items": {"$ref": "#/components/schemas/Item"}}
        return {"$ref": "#/components/schemas/Item"}
    for regex, operations in paths:
        if regex.match(path) and method in operations:
            operation = operations[method]
            if exchange["kind"] == "request":
                if exchange["body"] is None:
                    return None
                return convert(operation["requestBody"]["content"]["application/json"]["schema"])
            response = operation["responses"].get(status)
            if response is None:
                raise SystemExit(f"{method.upper()} {path} answered {status}, which the document does not list")
            return convert(response["content"]["application/json"]["schema"])
    raise SystemExit(f"{method.upper()} {path} is not in the document")


failures = 0
for exchange in exchanges:
    if exchange["form"] == "openapi" and exchange["kind"] == "request":
        known = {parameter["name"] for parameter in operation_for(exchange).get("parameters", []) if parameter.get("in") == "query"}
        for name in exchange.get("query", []):
            if name not in known:
                failures += 1
                print(f"openapi request {exchange['method']} {exchange['path']}: query parameter '{name}' is not in the document")
    schema = schema_for(exchange)
    if schema is None:
        continue
    validator = jsonschema.Draft7Validator({"allOf": [schema], "components": components})
    errors = sorted(validator.iter_errors(exchange["body"]), key=lambda error: list(error.path))
    for error in errors[:5]:
        failures += 1
        where = "/".join(str(part) for part in error.path) or "(body)"
        print(f"{exchange['form']} {exchange['kind']} {exchange['method']} {exchange['path']} {exchange['status']}: {where}: {error.message}")
print(f"{len(exchanges)} exchanges checked, {failures} problems")
sys.exit(1 if failures else 0)
