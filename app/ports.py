"""Can `make run` listen where it is told to? Asked before any process
starts, so a taken port is one clear line at the top, naming the setting to
change, instead of a child dying with the reason deep in the log."""

from __future__ import annotations

import errno
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Listener:
    what: str  # "网页 web", "邮件受理 SMTP intake"
    host: str
    port: int
    setting: str  # the variable that moves it: PORT, SMTP_PORT


def cannot_listen(host: str, port: int) -> OSError | None:
    """Bind as the servers do (SO_REUSEADDR, like gunicorn and asyncio), so a
    port only in TIME_WAIT is free and one another program listens on is not."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                       flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return None  # a host that does not resolve: the server itself says so
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                return exc
    return None


def problem(listener: Listener) -> str | None:
    """One line, Chinese and English, or None when the port is free."""
    exc = cannot_listen(listener.host, listener.port)
    if exc is None:
        return None
    where = f"port {listener.port} on {listener.host}"
    if exc.errno == errno.EADDRINUSE:
        reason = f"{where} is in use / 端口已被占用"
    else:
        reason = f"cannot listen on {where}: {exc.strerror} / 无法监听"
    return (f"{listener.what}: {reason}; set {listener.setting} to a free port "
            f"/ 请用 {listener.setting} 换一个可用端口")


def problems(listeners: list[Listener]) -> list[str]:
    return [line for listener in listeners if (line := problem(listener))]
