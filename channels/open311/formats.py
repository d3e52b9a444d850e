"""The two formats GeoReport v2 speaks: JSON and XML, from one body.

Every view builds a JSON-shaped body (a list of objects, or one object for
discovery) and `respond` writes it in the format of the URL's suffix. XML
follows the standard's examples: a plural root (`services`,
`service_requests`, ...), one element per object, one child per field,
lists as a plural element of singular children (`values/value`,
`endpoints/endpoint`, `formats/format`), null as an empty element,
booleans as `true`/`false`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from flask import current_app, request
from werkzeug.wrappers import Response

FORMATS = ("json", "xml")
# The children's element name of a list field, by the field's name.
_ITEM = {
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# The root element and the element of each item, by kind of body.
ROOTS = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "tokens": ("service_requests", "request"),
    "updates": ("service_requests_updates", "request_update"),
    "errors": ("errors", "error"),
}


def format_of_path(path: str) -> str:
    """`xml` for a path ending in .xml, else `json` (errors use this too)."""
    return "xml" if path.endswith(".xml") else "json"


# Characters XML 1.0 cannot carry at all, even escaped; JSON keeps them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(_NOT_XML.sub("", str(value)))


def _element(name: str, value: Any) -> str:
    if isinstance(value, dict):
        inner = "".join(_element(k, v) for k, v in value.items())
    elif isinstance(value, list):
        child = _ITEM.get(name, "item")
        inner = "".join(_element(child, v) for v in value)
    else:
        inner = _text(value)
    return f"<{name}>{inner}</{name}>"


def to_xml(body: Any, kind: str) -> str:
    """The XML document for a body of `kind` (see ROOTS, or `discovery`)."""
    if kind in ROOTS:
        root, item = ROOTS[kind]
        inner = "".join(_element(item, obj) for obj in body)
    elif kind == "service_definition" or kind == "discovery":
        root, inner = kind, "".join(_element(k, v) for k, v in body.items())
    else:
        raise ValueError(f"unknown body kind {kind!r}")
    return f'<?xml version="1.0" encoding="utf-8"?><{root}>{inner}</{root}>'


def respond(body: Any, kind: str, response_format: str, status: int = 200) -> Response:
    """JSON as UTF-8, Chinese readable as written (not \\u-escaped), or XML."""
    if response_format == "xml":
        return current_app.response_class(
            to_xml(body, kind), status=status, content_type="text/xml; charset=utf-8"
        )
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False),
        status=status,
        content_type="application/json; charset=utf-8",
    )


def requested_format() -> str:
    return format_of_path(request.path)
