"""Request bodies decoded strictly: bytes that are not UTF-8 get a clear
answer naming the field, instead of being changed or dropped unnoticed.

Werkzeug 3.1 keeps going on them, each way differently: percent-encoded
invalid bytes in a urlencoded form (`description=%FF%FE`) stay the literal
text "%FF%FE" and are stored; raw invalid bytes drop the whole form, so
Open311 answered a misleading "403 api_key is required"; a multipart field
gets U+FFFD in their place. `StrictFormDataParser` decodes every field
strictly and returns a `Form` that lists the `undecodable` fields (whose
values hold U+FFFD where the bad bytes were, never lone surrogates); every
other field is exact. Each channel answers in its own protocol (Open311's
error body, the web form's field error, the API's JSON); `app.security`
answers for every other view.

JSON bodies (the REST API) are read by `json_body`, which names the field
whose text has invalid bytes or a lone surrogate escape ("\\udcff"), text
that no database column can store.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.formparser import FormDataParser, MultiPartParser

MESSAGE = "not valid UTF-8"
# What a surrogateescape decode leaves for an undecodable byte, and what a
# JSON "\ud800" escape gives: no valid text holds one.
_SURROGATE = re.compile("[\ud800-\udfff]")
_CODEC_PREFIX = "xietong_escaped_"


class Form(ImmutableMultiDict):
    """A parsed form that knows which fields were not valid UTF-8."""

    undecodable: tuple[str, ...] = ()


def undecodable(form: Any) -> tuple[str, ...]:
    """The names of the form's fields whose bytes were not valid UTF-8."""
    return getattr(form, "undecodable", ())


def describe(fields: tuple[str, ...]) -> str:
    """"description: not valid UTF-8", as every channel says it."""
    return f"{', '.join(fields)}: {MESSAGE}"


def _form(items: list[tuple[str, str]]) -> Form:
    bad = [name for name, value in items if _SURROGATE.search(name + value)]
    form = Form((_SURROGATE.sub("\ufffd", n), _SURROGATE.sub("\ufffd", v)) for n, v in items)
    form.undecodable = tuple(dict.fromkeys(_SURROGATE.sub("\ufffd", n) for n in bad))
    return form


def parse_urlencoded(body: bytes) -> Form:
    """`a=1&b=%E4%BD%A0`, each name and value unquoted to bytes first and
    only then decoded, so raw and percent-encoded bytes are judged alike."""
    items = []
    for pair in body.split(b"&"):
        if not pair:
            continue
        name, _, value = pair.partition(b"=")
        items.append((_unquote(name), _unquote(value)))
    return _form(items)


def _unquote(raw: bytes) -> str:
    return unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8", "surrogateescape")


def _escaping_codec(name: str) -> codecs.CodecInfo | None:
    """`xietong_escaped_<charset>`: the charset, with undecodable bytes kept
    as surrogates, whatever `errors` the caller passes (Werkzeug's multipart
    parser asks for "replace", which would hide them)."""
    if not name.startswith(_CODEC_PREFIX):
        return None
    inner = codecs.lookup(name[len(_CODEC_PREFIX):])

    def decode(data: bytes, errors: str = "strict") -> tuple[str, int]:
        return inner.decode(data, "surrogateescape")

    return codecs.CodecInfo(inner.encode, decode, name=name)


codecs.register(_escaping_codec)


class _EscapingMultiPartParser(MultiPartParser):
    def get_part_charset(self, headers: Headers) -> str:
        return _CODEC_PREFIX + super().get_part_charset(headers)

    def parse(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        fields, files = super().parse(*args, **kwargs)
        return _form(list(fields.items(multi=True))), files


class StrictFormDataParser(FormDataParser):
    """Werkzeug's form parser with strict UTF-8 (see the module's doc).
    It overrides Werkzeug's two private parse steps; requirements pin Werkzeug."""

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        return stream, parse_urlencoded(stream.read()), self.cls()

    def _parse_multipart(self, stream, mimetype, content_length, options):
        parser = _EscapingMultiPartParser(
            stream_factory=self.stream_factory, max_form_memory_size=self.max_form_memory_size,
            max_form_parts=self.max_form_parts, cls=self.cls)
        boundary = options.get("boundary", "").encode("ascii")
        if not boundary:
            raise ValueError("Missing boundary")
        form, files = parser.parse(stream, boundary, content_length)
        return stream, form, files


def answers_undecodable(view: Callable) -> Callable:
    """Mark a view that answers undecodable form fields itself, in its own
    protocol; `app.security` refuses them for every other view. Put it
    right above the `def`, so the other decorators carry the mark."""
    view.answers_undecodable = True  # type: ignore[attr-defined]
    return view


class UndecodableJson(ValueError):
    """The JSON text of a field was not valid UTF-8 (`field`: its path)."""

    def __init__(self, field: str) -> None:
        super().__init__(describe((field,)))
        self.field = field


def json_body(raw: bytes) -> Any:
    """The JSON document of a body. UndecodableJson names the first field
    whose text is not valid UTF-8; any other ValueError: not JSON."""
    text = raw.decode(json.detect_encoding(raw), "surrogateescape")
    value = json.loads(text)
    field = _undecodable_path(value, "")
    if field is not None:
        raise UndecodableJson(field)
    return value


def _undecodable_path(value: Any, path: str) -> str | None:
    if isinstance(value, str):
        return (path or "body") if _SURROGATE.search(value) else None
    items: Any = ()
    if isinstance(value, dict):
        items = ((f"{path}.{k}" if path else k, k, v) for k, v in value.items())
    elif isinstance(value, list):
        items = ((f"{path}[{i}]", "", v) for i, v in enumerate(value))
    for where, key, item in items:
        if _SURROGATE.search(key):
            return _SURROGATE.sub("\ufffd", where)
        if (found := _undecodable_path(item, where)) is not None:
            return found
    return None
