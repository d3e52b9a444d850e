"""Open311 GeoReport v2's own JSON Schemas, for validating what clients see.

The project keeps its own copy in `tests/data/open311/` (its README names
the source), so a clone with nothing beside it tests itself;
`OPEN311_SCHEMAS_DIR` may name another copy to test against. `services.json`,
`requests.json` and friends point at each other with relative `$ref`s such as
`"request.json"`; every file is registered in one `referencing` Registry under
its own file name, so those references resolve without touching the network.
`swagger.json` is registered too: its definitions are reached as
`swagger.json#/definitions/RequestResponse`.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.protocols import Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "data" / "open311"
ENV_VAR = "OPEN311_SCHEMAS_DIR"

# The standard defines no schema for its error body; this is the shape the
# GeoReport v2 documentation shows: a list of {code, description}.
ERROR_BODY: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "integer", "minimum": 400, "maximum": 599},
            "description": {"type": "string", "minLength": 1},
        },
    },
}


def schemas_dir() -> Path:
    """The folder holding the standard's schemas; fails loudly when absent."""
    candidates = [Path(os.environ[ENV_VAR])] if os.environ.get(ENV_VAR) else []
    candidates.append(DEFAULT_DIR)
    for folder in candidates:
        if (folder / "services.json").is_file() and (folder / "swagger.json").is_file():
            return folder
    tried = ", ".join(str(c) for c in candidates)
    raise FileNotFoundError(
        f"Open311 JSON Schemas not found (looked in {tried}); "
        f"put them in {DEFAULT_DIR} or set {ENV_VAR}"
    )


@cache
def registry() -> Registry:
    """Every *.json schema in the folder, keyed by its file name."""
    folder = schemas_dir()
    resources = []
    for path in sorted(folder.glob("*.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (path.name, Resource.from_contents(contents, default_specification=DRAFT4))
        )
    return Registry().with_resources(resources).crawl()


def validator(ref: str) -> Validator:
    """A validator for `ref`: a file name ("requests.json"), a pointer into
    one ("swagger.json#/definitions/RequestResponse"), or `array-of:<ref>`."""
    if ref.startswith("array-of:"):
        schema: dict[str, Any] = {"type": "array", "items": {"$ref": ref.removeprefix("array-of:")}}
    else:
        schema = {"$ref": ref}
    checker = Draft4Validator(schema, registry=registry(), format_checker=FormatChecker())
    registry().resolver().lookup(ref.removeprefix("array-of:"))  # unknown refs fail here
    return checker


def validate(instance: Any, ref: str) -> None:
    """Raise jsonschema.ValidationError unless `instance` matches `ref`."""
    validator(ref).validate(instance)


def validate_error(instance: Any) -> None:
    Draft4Validator(ERROR_BODY).validate(instance)
