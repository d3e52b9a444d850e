"""Per-process caches of rarely changed settings read on the hot path.

Intake renders a notification for nearly every case; reading the saved
templates each time cost a query per message. A ProcessCache keeps the loaded
value until this process flushes a change to one of the watched models (a
session hook), or at most `ttl` seconds when another process made it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import db

T = TypeVar("T")

_caches: list[ProcessCache] = []
_hooked = False


class ProcessCache(Generic[T]):
    """A value computed by `load` from the database, shared by the process's threads."""

    def __init__(self, load: Callable[[], T], *watched: type, ttl: float = 60.0) -> None:
        if not watched:
            raise ValueError("a ProcessCache must watch at least one model")
        self._load = load
        self.watched = watched
        self.ttl = ttl
        self._lock = threading.Lock()
        self._generation = 0
        self._cached: tuple[int, float, T] | None = None
        _caches.append(self)
        _hook_sessions()

    def get(self) -> T:
        session = db.session()
        if session.autoflush and _touched(session, (self,)):
            # This session's own changes to what is cached count, as they
            # would for a query. Only those: flushing everything else (the
            # intake's new case, its event, its citizen) here cost a second
            # flush per request (`python -m bench.cpu`).
            session.flush()
        cached = self._cached
        if cached and cached[0] == self._generation and time.monotonic() - cached[1] < self.ttl:
            return cached[2]
        generation = self._generation
        value = self._load()
        with self._lock:
            self._cached = (generation, time.monotonic(), value)
        return value

    def forget(self) -> None:
        with self._lock:
            self._generation += 1


def forget_all() -> None:
    """Drop every cached value, e.g. after tables were emptied behind the ORM."""
    for cache in _caches:
        cache.forget()


def _touched(session: Session, caches: Iterable[ProcessCache] | None = None
             ) -> list[ProcessCache]:
    changed = (*session.new, *session.dirty, *session.deleted)
    return [c for c in (_caches if caches is None else caches)
            if any(isinstance(obj, c.watched) for obj in changed)]


def _before_flush(session: Session, flush_context, instances) -> None:
    touched = _touched(session)
    for cache in touched:
        cache.forget()
    if touched:
        session.info.setdefault("xietong_caches", set()).update(map(id, touched))


def _after_transaction(session: Session) -> None:
    # A read between the flush and the commit (or rollback) may have cached
    # what the transaction had not settled yet.
    ids = session.info.pop("xietong_caches", None)
    if ids:
        for cache in _caches:
            if id(cache) in ids:
                cache.forget()


def _hook_sessions() -> None:
    global _hooked
    if _hooked:
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_commit", _after_transaction)
    event.listen(Session, "after_rollback", _after_transaction)
    _hooked = True
