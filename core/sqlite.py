"""How a transaction begins on SQLite: with the write lock, unless it only reads.

The embedded default shares one SQLite file between the web workers, the RQ
worker, the SMTP intake and the command line. WAL lets readers and one
writer work at once, and the busy timeout lets a connection wait for a lock
another one holds, but only when it asks for the lock at the start of its
transaction. A deferred transaction (plain `BEGIN`) that has read and then
writes asks for the write lock in the middle; when another connection holds
it, or has committed since our first read, SQLite refuses at once with
"database is locked" and the busy timeout never applies. Almost every
writer here reads first (the category, the citizen, the case row it locks),
so under concurrent intake most of them failed (issue 16: 40 of 40 mails
answered 451, 61 of 84 Open311 posts 503).

So a transaction begins with `BEGIN IMMEDIATE`: it takes the write lock
first, waiting up to the busy timeout for it, and can then neither fail
nor be refused halfway. The exceptions are transactions that only read:

- requests with a safe method (GET, HEAD, OPTIONS), unless their view is
  marked with `writes`;
- code inside `reading()`.

Those begin deferred: with WAL a reader never waits for a writer and never
holds one up, so a citizen's status lookup does not queue behind intake,
and a page that renders for 100 ms does not keep every writer waiting for
it. Measured with `python -m bench.burst --start --lookups 2
--lookup-worker` (the issue's burst, while two threads look requests up on a
web worker of their own; two runs each, two shared cores): deferred lookups
answered 648 / 430 times, p50 23 / 35 ms, p95 38 / 57 ms, and the burst took
7.6 / 8.0 s; with BEGIN IMMEDIATE for every transaction the lookups queued
for the write lock behind intake and dispatch, 46 / 62 answered, p50 182 /
148 ms, p95 2.6 / 1.9 s, and the burst took 12.1 / 11.3 s (readers holding
the lock while their page renders). Hence the read-only marker.

A write inside a transaction that began deferred would bring the old
failure back. The guard below notices one on the way to the database: it
raises `WriteInReadOnlyTransaction` when the app is testing (so the suite,
which runs on SQLite, finds every such view it reaches) and logs a warning
otherwise. A safe-method view that writes is marked with `writes`; code that
reads and then decides to write calls `writing()` for a transaction of its
own.

When the lock stays taken past the busy timeout (10 s, app/__init__.py:
a burst queues writers behind each other for well under a second), BEGIN
IMMEDIATE fails before anything was written, and the caller answers in its
protocol's words with nothing kept: SMTP 451 (the sender retries), Open311
and the REST API a 503 body with Retry-After, any other page 503
(app/web.py); a job fails and the reconcilers run it again.

Nothing may keep a transaction open, and so the lock, while it waits for
the outside world: jobs commit (or roll back) before they talk to a mail
server, a webhook, the city or Redis, and a command that waits for the
worker reads inside `reading()`. A test's own session, which reads what the
system wrote while the system runs, calls `observe()`.

PostgreSQL is untouched: every function here acts only on SQLite
connections.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context, request

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# How a transaction begins: with the write lock; deferred, only reading
# (checked); deferred, as SQLite does by default (`observe`, not checked).
WRITE, READ, DEFERRED = "write", "read", "deferred"
_WRITES_ATTR = "xietong_writes"
_G_MODE = "xietong_sqlite_mode"
_BEGUN = "xietong_sqlite_begun"  # connection.info: how its transaction began
_WRITE_VERBS = frozenset({"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER"})

_mode: ContextVar[str | None] = ContextVar("xietong_sqlite_mode", default=None)

F = TypeVar("F", bound=Callable[..., Any])


class WriteInReadOnlyTransaction(RuntimeError):
    """A write in a transaction that began deferred because it was to only
    read (a safe-method request, `reading()`): with other writers about it
    fails with "database is locked". Mark the view with `writes`, or write
    inside `writing()`."""


def writes(view: F) -> F:
    """Mark a view that writes although its method is safe (a GET that records
    something): its requests begin with the write lock."""
    setattr(view, _WRITES_ATTR, True)
    return view


@contextmanager
def reading() -> Iterator[None]:
    """Transactions begun inside only read: they begin deferred."""
    token = _mode.set(READ)
    try:
        yield
    finally:
        _mode.reset(token)


@contextmanager
def writing() -> Iterator[None]:
    """Transactions begun inside may write: they begin with the write lock,
    even in a safe-method request. End the reading transaction first
    (commit or rollback): the lock is taken when a transaction begins."""
    token = _mode.set(WRITE)
    try:
        yield
    finally:
        _mode.reset(token)


def observe() -> None:
    """Transactions of the current app context (outside requests and the
    blocks above) begin deferred and unchecked, as SQLite begins them by
    default. For a test driving the system from outside: its session mostly
    reads what the web, the worker and the SMTP intake wrote, while they run,
    and writes its set-up while they are idle. With the write lock, its reads
    would hold every one of them up until its next commit."""
    setattr(g, _G_MODE, DEFERRED)


def mode() -> str:
    """How a transaction beginning now begins: WRITE, READ or DEFERRED."""
    explicit = _mode.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        if request.method not in SAFE_METHODS:
            return WRITE
        view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
        return WRITE if getattr(view, _WRITES_ATTR, False) else READ
    if has_app_context():
        return g.get(_G_MODE, WRITE)
    return WRITE


def begin(conn: Any) -> None:
    """The engine's `begin` hook on SQLite: BEGIN IMMEDIATE, or a deferred
    BEGIN for a transaction that only reads (see the module's docstring)."""
    begun = conn.info[_BEGUN] = mode()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if begun == WRITE else "BEGIN")


def check_statement(conn: Any, statement: str) -> None:
    """The engine's `before_cursor_execute` hook on SQLite: a write in a
    transaction begun to only read is a bug (see `WriteInReadOnlyTransaction`)."""
    if conn.info.get(_BEGUN) != READ or not conn.in_transaction():
        return
    words = statement.lstrip(" \n\t(").split(None, 1)
    verb = words[0].upper() if words else ""
    if verb not in _WRITE_VERBS:
        return
    where = f"{request.method} {request.path}" if has_request_context() else "reading()"
    message = (f"{verb} in a transaction begun to only read ({where}): with other writers "
               "about it fails with 'database is locked'; mark the view with "
               "core.sqlite.writes or write inside core.sqlite.writing()")
    if has_app_context() and current_app.testing:
        raise WriteInReadOnlyTransaction(message)
    log.warning(message)
