"""Reading a message as a person would, without ever failing.

The stdlib's modern policy gives the structure and undoes the transfer
encodings; the text itself (headers, bodies, file names) goes through
`charsets`, because Chinese mail is so often labelled wrongly that the
stdlib's own decoding would show replacement characters. Whatever cannot be
read is left out; the raw message is stored beside the case anyway.
"""

from __future__ import annotations

import email
import email.message
import email.utils
import mimetypes
import re
from dataclasses import dataclass, field
from email import policy
from html.parser import HTMLParser

import nh3

from channels.email.charsets import clean, decode, decode_header, raw_bytes

MAX_DEPTH = 20  # nesting of multiparts and attached messages
MAX_PARTS = 500  # beyond this a message is read no further (the raw copy keeps it)
MAX_FILENAME = 255
MAX_CONTENT_TYPE = 100
# Printable ASCII only: these are stored and queried, and a NUL or a stray
# 8-bit byte must never reach the database.
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,900}>")
_ATOM = r"[^@\s<>()\[\],;:\"\x00-\x1f\x7f\ud800-\udfff]+"
ADDRESS = re.compile(rf"{_ATOM}@{_ATOM}\.{_ATOM}")
_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")


@dataclass(frozen=True)
class File:
    filename: str
    content_type: str
    data: bytes
    inline: bool = False  # an image shown in the body (Content-ID)


@dataclass
class ParsedMail:
    subject: str = ""
    from_name: str | None = None
    from_address: str | None = None
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    auto_submitted: str | None = None
    precedence: str | None = None
    text: str = ""
    files: list[File] = field(default_factory=list)
    readable: bool = True  # False: the structure could not be read at all


def parse(raw: bytes) -> ParsedMail:
    """What a person would read in `raw`; never raises."""
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
    except Exception:  # the parser is lenient; this is the last resort
        return _unreadable(raw)
    try:
        return _read(message)
    except Exception:
        return _unreadable(raw)


def _unreadable(raw: bytes) -> ParsedMail:
    head, _, body = raw.partition(b"\r\n\r\n")
    return ParsedMail(text=clean(decode(body or head)).strip(), readable=False)


def _headers(part: email.message.Message) -> dict[str, str]:
    """The first raw value of each header, by lower-case name."""
    found: dict[str, str] = {}
    for name, value in part.raw_items():
        found.setdefault(name.strip().lower(), str(value))
    return found


def _read(message: email.message.EmailMessage) -> ParsedMail:
    headers = _headers(message)
    hint = _body_charset(message)
    name, address = _sender(headers.get("from", ""), hint)
    mail = ParsedMail(
        subject=" ".join(decode_header(headers.get("subject"), hint).split()),
        from_name=name,
        from_address=address,
        message_id=next(iter(_message_ids(headers.get("message-id"))), None),
        in_reply_to=_message_ids(headers.get("in-reply-to")),
        references=_message_ids(headers.get("references")),
        auto_submitted=_token(headers.get("auto-submitted")),
        precedence=_token(headers.get("precedence")),
    )
    body = _Body()
    _walk(message, body, mail.files, hint, depth=0)
    mail.text = body.text()
    return mail


def _token(value: str | None) -> str | None:
    """The first word of a header such as Auto-Submitted, readable text only."""
    if value is None:
        return None
    return " ".join(decode_header(value).split()).split(";", 1)[0].strip().lower()[:100] or None


def _message_ids(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MESSAGE_ID.findall(value or "")))


def _sender(value: str, hint: str | None) -> tuple[str | None, str | None]:
    """The display name and the (lower-case) address of From."""
    try:
        pairs = email.utils.getaddresses([re.sub(r"\r?\n(?=[ \t])", "", value)])
    except Exception:
        pairs = []
    for raw_name, raw_address in pairs:
        address = decode_header(raw_address).strip().lower()
        if ADDRESS.fullmatch(address) and len(address) <= 254:
            name = " ".join(decode_header(raw_name, hint).split()).strip("'\" ")
            return (name[:100] or None), address
    match = ADDRESS.search(decode_header(value, hint))
    return None, (match.group(0).lower()[:254] if match else None)


def _body_charset(message: email.message.Message) -> str | None:
    """The charset of the first text part: the best guess for 8-bit headers."""
    for count, part in enumerate(message.walk()):
        if count > MAX_PARTS:
            break
        try:
            if part.get_content_maintype() == "text" and part.get_param("charset"):
                return str(part.get_param("charset"))
        except Exception:
            continue
    return None


class _Body:
    def __init__(self) -> None:
        self.plain: list[str] = []
        self.html: list[str] = []
        self.parts = 0

    def text(self) -> str:
        plain = [t for t in self.plain if t.strip()]
        chosen = plain or [html_to_text(h) for h in self.html]
        text = "\n\n".join(t.strip() for t in chosen if t.strip())
        return clean(text.replace("\r\n", "\n").replace("\r", "\n"))


def _walk(part: email.message.Message, body: _Body, files: list[File], hint: str | None,
          depth: int) -> None:
    body.parts += 1
    if depth > MAX_DEPTH or body.parts > MAX_PARTS:
        return
    try:
        content_type = part.get_content_type()
    except Exception:
        content_type = "application/octet-stream"
    if not _CONTENT_TYPE.fullmatch(content_type):
        content_type = "application/octet-stream"
    if content_type == "message/rfc822":
        _attach_message(part, files, hint)
        return
    if part.is_multipart():
        payload = part.get_payload()
        if not isinstance(payload, list):
            return
        if content_type == "multipart/alternative":
            choice = _Body()
            for sub in payload:
                _walk(sub, choice, files, hint, depth + 1)
            body.parts += choice.parts
            text = choice.text()
            if text:
                body.plain.append(text)
            return
        for sub in payload:
            _walk(sub, body, files, hint, depth + 1)
        return
    headers = _headers(part)
    disposition = (_token(headers.get("content-disposition")) or "").split(";")[0]
    filename = _filename(part, headers, hint)
    data = _payload(part)
    if content_type in ("text/plain", "text/html") and disposition != "attachment" \
            and not filename:
        text = decode(data, _charset(part), hint)
        (body.plain if content_type == "text/plain" else body.html).append(text)
        return
    if not data:
        return
    inline = disposition == "inline" or "content-id" in headers
    name = _safe_filename(filename, content_type, len(files) + 1,
                          "inline" if inline else "attachment")
    files.append(File(name, content_type[:MAX_CONTENT_TYPE], data, inline))


def _charset(part: email.message.Message) -> str | None:
    try:
        return part.get_content_charset()
    except Exception:
        return None


def _payload(part: email.message.Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw_bytes(raw) if isinstance(raw, str) else b""


def _attach_message(part: email.message.Message, files: list[File], hint: str | None) -> None:
    """A forwarded message stays one file (.eml), as its sender attached it."""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    data = b""
    if isinstance(inner, email.message.Message):
        try:
            data = inner.as_bytes(policy=policy.compat32)
        except Exception:
            data = raw_bytes(str(inner))
    if data:
        subject = decode_header(_headers(inner).get("subject"), hint) if isinstance(
            inner, email.message.Message) else ""
        name = _safe_filename(f"{subject[:80]}.eml" if subject.strip() else None,
                              "message/rfc822", len(files) + 1)
        files.append(File(name, "message/rfc822", data))


def _filename(part: email.message.Message, headers: dict[str, str],
              hint: str | None) -> str | None:
    """The file name from Content-Disposition (or the old Content-Type name),
    RFC 2231 with its charset and continuations, RFC 2047 words inside the
    quotes (as Outlook and Foxmail send them), or raw 8-bit bytes."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = headers.get(header)
        if not raw:
            continue
        compat = email.message.Message()
        compat[header] = re.sub(r"\r?\n(?=[ \t])", "", raw)
        try:
            value = compat.get_param(param, header=header)
        except Exception:
            continue
        if isinstance(value, tuple):  # RFC 2231: (charset, language, text)
            charset, _language, text = value
            return decode(text.encode("latin-1", "surrogateescape"), charset, hint)
        if value:
            return decode_header(email.utils.unquote(str(value)), hint)
    return None


def _safe_filename(name: str | None, content_type: str, number: int,
                   stem: str = "attachment") -> str:
    """A plain file name: no directories, no control characters, at most 255
    characters with the extension kept; invented when there is none."""
    name = clean(name or "").replace("\\", "/").rsplit("/", 1)[-1].strip().strip(".")
    if not name:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        name = f"{stem}-{number}{extension}"
    if len(name) > MAX_FILENAME:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 16:
            name = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME]
    return name


# --- HTML to safe text -------------------------------------------------------

_BLOCKS = {"p", "div", "br", "li", "tr", "table", "ul", "ol", "blockquote", "pre", "hr",
           "h1", "h2", "h3", "h4", "h5", "h6", "td", "th"}
_DROPPED_WITH_CONTENT = {"script", "style", "head", "title", "template", "object", "iframe"}


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pre = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "pre":
            self.pre += 1
        if tag == "li":
            self.out.append("\n- ")
        elif tag in ("td", "th"):
            self.out.append(" ")
        elif tag in _BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre":
            self.pre = max(0, self.pre - 1)
        if tag in _BLOCKS and tag not in ("td", "th", "br", "li"):
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        self.out.append(data if self.pre else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """Text of an HTML body. The sanitiser (ammonia, through nh3) drops
    scripts, styles, comments, event handlers and every image, remote or
    not, and repairs broken markup; the text is then read from what is left."""
    safe = nh3.clean(html, tags=_BLOCKS, attributes={}, clean_content_tags=_DROPPED_WITH_CONTENT,
                     strip_comments=True, link_rel=None)
    maker = _TextMaker()
    maker.feed(safe)
    maker.close()
    lines = [line.strip() for line in "".join(maker.out).replace("\xa0", " ").split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# --- quoted text in replies --------------------------------------------------

_QUOTE_STARTS = [
    re.compile(r"^-{2,}\s*(original message|原始邮件|原始郵件|forwarded message|转发邮件)"
               r"\s*-{2,}\s*$", re.IGNORECASE),
    re.compile(r"^on\b.{0,200}\bwrote:\s*$", re.IGNORECASE),
    re.compile(r"^.{0,200}(写道|寫道)\s*[:：]\s*$"),
    re.compile(r"^(from|发件人|寄件者)\s*[:：]"),  # Outlook's header block
    re.compile(r"^_{10,}\s*$"),  # Outlook's rule above it
]


def strip_quoted(text: str) -> str:
    """The new part of a reply: everything before the quoted original
    (which the case already has). The whole text if nothing new is left."""
    lines = text.splitlines()
    end = len(lines)
    for index, line in enumerate(lines):
        stripped = line.strip()
        if any(pattern.match(stripped) for pattern in _QUOTE_STARTS):
            end = index
            break
    kept = lines[:end]
    while kept and (not kept[-1].strip() or kept[-1].lstrip().startswith(">")):
        kept.pop()
    new = "\n".join(kept).strip()
    return new or text.strip()
