"""Decoding bytes as a person would read them, whatever the label says.

Chinese mail is often mislabelled: GBK (and GB18030) text labelled GB2312,
Big5 extensions labelled Big5, GBK labelled UTF-8 or nothing at all. Each
label gets a chain of wider charsets to try strictly before anything is
replaced; the raw message is always kept too.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re

# Tried in order after the declared charset; the last one decodes with
# replacement characters so decoding never fails.
_CHAINS = {
    "gb2312": ("gb2312", "gbk", "gb18030"),
    "gbk": ("gbk", "gb18030"),
    "gb18030": ("gb18030",),
    "big5": ("big5", "cp950", "big5hkscs"),
    "cp950": ("cp950", "big5hkscs"),
    "big5hkscs": ("big5hkscs",),
    "utf-8": ("utf-8", "gb18030"),
}
# What unlabelled 8-bit text most likely is, in this order.
UNLABELLED = ("utf-8", "gb18030", "big5")
_ALIASES = {"x-gbk": "gbk", "cp936": "gbk", "euc-cn": "gb2312", "x-euc-cn": "gb2312",
            "chinese": "gb2312", "csgb2312": "gb2312", "gb_2312-80": "gb2312",
            "x-gb18030": "gb18030", "big-5": "big5", "x-big5": "big5", "cn-big5": "big5",
            "csbig5": "big5", "utf8": "utf-8", "x-unknown": "", "unknown-8bit": "",
            "us-ascii": "", "ascii": "", "default": ""}


def canonical(charset: str | None) -> str:
    """The codec name for a label, or "" when the label says nothing useful."""
    label = (charset or "").strip().strip('"').lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*zh-cn
    if label in _ALIASES:
        return _ALIASES[label]
    try:
        name = codecs.lookup(label).name
    except (LookupError, ValueError):
        return ""
    return {"gb2312": "gb2312", "gbk": "gbk", "big5": "big5"}.get(name, name)


def chain(charset: str | None, hint: str | None = None) -> tuple[str, ...]:
    """The charsets to try, strictly, for bytes labelled `charset`; `hint` is
    the message's body charset, a good guess for unlabelled headers."""
    name = canonical(charset)
    if name in _CHAINS:
        return _CHAINS[name]
    if name:
        return (name, *UNLABELLED)
    hinted = (canonical(hint),) if canonical(hint) else ()
    return tuple(dict.fromkeys(("utf-8", *hinted, *_CHAINS.get(canonical(hint), ()),
                                *UNLABELLED)))


def decode(data: bytes, charset: str | None = None, hint: str | None = None) -> str:
    """Bytes to text: the first charset of the chain that decodes them
    strictly, else the declared (or best) one with replacement characters."""
    if data.isascii():
        return data.decode("ascii")
    candidates = chain(charset, hint)
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    lenient = candidates[0] if candidates[0] in ("utf-8", "iso8859-1") else candidates[-1]
    return data.decode(lenient, errors="replace")


def raw_bytes(value: str) -> bytes:
    """The original bytes of a header the email package read as ASCII with
    surrogate escapes (8-bit bytes in a header, as old clients send)."""
    return value.encode("ascii", "surrogateescape") if not value.isascii() else value.encode()


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"^[ \t\r\n]*$")


def _word_bytes(encoding: str, text: str) -> bytes:
    if encoding.lower() == "b":
        text = re.sub(r"[^A-Za-z0-9+/]", "", text)
        text += "=" * (-len(text) % 4)
        try:
            return base64.b64decode(text)
        except (binascii.Error, ValueError):
            return b""
    return quopri.decodestring(text.replace("_", " ").encode("ascii", "replace"), header=False)


def decode_header(value: str | None, hint: str | None = None) -> str:
    """An unfolded header with RFC 2047 encoded words decoded, each charset
    through its fallback chain. Adjacent words in one charset are joined as
    bytes first: encoders often split a character between two words."""
    if not value:
        return ""
    value = re.sub(r"\r?\n(?=[ \t])", "", value)
    out: list[str] = []
    pending: list[bytes] = []
    pending_charset: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending:
            out.append(decode(b"".join(pending), pending_charset))
        pending, pending_charset = [], None

    for match in _ENCODED_WORD.finditer(value):
        between = value[position:match.start()]
        if not (pending and _BETWEEN_WORDS.match(between)):  # RFC 2047: space between words goes
            flush()
            if between:
                out.append(decode(raw_bytes(between), None, hint))
        charset, encoding, text = match.groups()
        if pending and canonical(charset) != canonical(pending_charset):
            flush()
        pending.append(_word_bytes(encoding, text))
        pending_charset = charset
        position = match.end()
    flush()
    out.append(decode(raw_bytes(value[position:]), None, hint))
    return clean("".join(out))


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean(text: str) -> str:
    """No NUL or control characters (PostgreSQL refuses NUL); tabs and newlines stay."""
    return _CONTROL.sub("", text)
