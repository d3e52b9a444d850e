"""RQ on Redis: one connection per app, queues named by purpose, and a job
decorator that runs the function inside an app context.

Jobs take ids, reload what they need and check the current state, so a job
run twice changes nothing twice (DESIGN principle 1).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from sqlalchemy import event
from sqlalchemy.orm import Session

from core.db import db

log = logging.getLogger(__name__)

QUEUES = ("dispatch", "notify", "escalation", "sync")
_PENDING = "xietong_after_commit"
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}

# How a process that runs jobs outside any request gets its app (the worker's
# `app.worker.AppWorker` says so when it starts): core knows no factory.
_app_provider: Callable[[], Flask] | None = None


def provide_app(provider: Callable[[], Flask]) -> None:
    """Name the function that returns this process's app, for jobs run with none."""
    global _app_provider
    _app_provider = provider


def init_app(app: Flask) -> None:
    app.extensions["redis"] = Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )


def redis_connection() -> Redis:
    return current_app.extensions["redis"]


def get_queue(name: str) -> Queue:
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; the queues are {', '.join(QUEUES)}")
    return Queue(name, connection=redis_connection())


def _app_context():
    """The request's or test's context if there is one, else the worker's app."""
    if has_app_context():
        return nullcontext()
    if _app_provider is None:
        raise RuntimeError("a job ran with no app: run workers as app.worker.AppWorker")
    return _app_provider().app_context()


def enqueue_unless_pending(
    queue: str, func: Callable, *args: Any, job_id: str, at: datetime | None = None
) -> bool:
    """Enqueue unless a job with this id is already waiting or running.

    Returns False (and logs) when Redis cannot be reached: the database still
    says the work is pending, and the reconciler will enqueue it later.
    """
    q = get_queue(queue)
    try:
        existing = q.fetch_job(job_id)
        if existing is not None and existing.get_status(refresh=False) in _ACTIVE:
            return True
        options = {"job_id": job_id, "result_ttl": 3600, "failure_ttl": 7 * 86400}
        if at is None:
            q.enqueue(func, *args, **options)
        else:
            q.enqueue_at(at, func, *args, **options)
        return True
    except RedisError as exc:
        log.warning("could not enqueue %s (%s); the reconciler will retry", job_id, exc)
        return False


class job:  # noqa: N801 - used as a decorator, like rq's own
    """Mark a function as an RQ job on one named queue.

    `fn.after_commit(*args, job_id=...)` enqueues it only once the current
    transaction commits, so a worker never sees a row that is not there yet.
    """

    def __init__(self, queue: str) -> None:
        if queue not in QUEUES:
            raise ValueError(f"unknown queue {queue!r}; the queues are {', '.join(QUEUES)}")
        self.queue = queue

    def __call__(self, fn: Callable) -> Callable:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            with _app_context():
                return fn(*args, **kwargs)

        def after_commit(*args: Any, job_id: str, at: datetime | None = None) -> None:
            session = db.session()
            session.connection()  # the jobs belong to this transaction: a rollback drops them
            pending = session.info.setdefault(_PENDING, [])
            pending.append((self.queue, run, args, job_id, at))

        def enqueue(*args: Any, job_id: str) -> Job | None:
            enqueue_unless_pending(self.queue, run, *args, job_id=job_id)

        run.after_commit = after_commit
        run.enqueue = enqueue
        run.queue_name = self.queue
        return run


def _enqueue_all_unless_pending(pending: list[tuple]) -> None:
    """`enqueue_unless_pending` for several jobs in two Redis round trips: one
    to read the existing jobs, one pipeline to enqueue the rest.

    A dispatch schedules a dozen deadline timers; one at a time they cost two
    round trips each, a quarter of the dispatch (measured by `make bench`).
    """
    connection = redis_connection()
    try:
        existing = Job.fetch_many([item[3] for item in pending], connection=connection)
        with connection.pipeline() as pipe:
            # Buffer from the start: RQ's enqueue_at puts the pipeline in
            # immediate mode (WATCH) otherwise, and an enqueue after it then
            # fails, dropping the whole batch.
            pipe.multi()
            for (queue, func, args, job_id, at), found in zip(pending, existing, strict=True):
                if found is not None and found.get_status(refresh=False) in _ACTIVE:
                    continue
                q = get_queue(queue)
                options = {"job_id": job_id, "result_ttl": 3600, "failure_ttl": 7 * 86400,
                           "pipeline": pipe}
                if at is None:
                    q.enqueue(func, *args, **options)
                else:
                    q.enqueue_at(at, func, *args, **options)
            pipe.execute()
    except RedisError as exc:
        log.warning("could not enqueue %d jobs (%s); the reconcilers will retry",
                    len(pending), exc)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    if len(pending) > 1:
        _enqueue_all_unless_pending(pending)
        return
    for queue, func, args, job_id, at in pending:
        enqueue_unless_pending(queue, func, *args, job_id=job_id, at=at)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
