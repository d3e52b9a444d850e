"""RQ on Redis: one connection per app, queues named by purpose, and a job
decorator that runs the function inside an app context.

Jobs take ids, reload what they need and check the current state, so a job
run twice changes nothing twice (DESIGN principle 1).
"""

from __future__ import annotations

import enum
import functools
import logging
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.worker import Worker
from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from core.db import db

log = logging.getLogger(__name__)

# Listed in the order a worker takes them: an import (minutes for a large file)
# comes last, so a worker between imports serves the cases first.
QUEUES = ("dispatch", "notify", "escalation", "sync", "imports")
# A job's time limit by queue, where RQ's default (180 s) is too short: an
# import of a 50,000-row file runs for minutes.
TIMEOUTS = {"imports": 3600}
_PENDING = "xietong_after_commit"
_ACTIVE = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}
# A worker that beats (app/worker_guard.py) refreshes ALIVE_KEY every few
# seconds, and BEATS_KEY, which says it does, for far longer: RQ's own worker
# hash outlives a killed worker by the job timeout plus a minute, too long to
# judge by. Both come back on the next beat after a Redis flush.
ALIVE_KEY = "xietong:worker-alive:{}"
ALIVE_TTL = 20
BEATS_KEY = "xietong:worker-beats:{}"
BEATS_TTL = 3600

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
    return Queue(name, connection=redis_connection(), default_timeout=TIMEOUTS.get(name))


def app_context():
    """The request's or test's context if there is one, else the worker's app."""
    if has_app_context():
        return nullcontext()
    if _app_provider is None:
        raise RuntimeError("a job ran with no app: run workers as app.worker.AppWorker")
    return _app_provider().app_context()


class Enqueued(enum.Enum):
    """What `enqueue_unless_pending` did with a job; true unless Redis was
    unreachable, as the plain bool it replaces was."""

    NEW = "enqueued"
    TAKEN_BACK = "taken back from a dead worker"
    PENDING = "already queued or running"
    UNAVAILABLE = "not enqueued: Redis unavailable"

    def __bool__(self) -> bool:
        return self is not Enqueued.UNAVAILABLE


class Reconciled(int):
    """What a reconciler found owed (the number it always returned) and what
    became of each: `str()` says it, e.g. "3 waiting: 1 enqueued, 2 already
    queued or running", so an operator reads what was really done."""

    def __new__(cls, outcomes: Iterable[Enqueued] = ()) -> Reconciled:
        outcomes = list(outcomes)
        self = super().__new__(cls, len(outcomes))
        self.counts = Counter(outcomes)
        return self

    def __reduce__(self) -> tuple:
        return Reconciled, (list(self.counts.elements()),)  # RQ pickles a job's result

    def count(self, outcome: Enqueued) -> int:
        return self.counts.get(outcome, 0)

    def outcomes(self) -> str:
        """E.g. "1 enqueued, 2 already queued or running"."""
        return ", ".join(f"{self.count(o)} {o.value}" for o in Enqueued if self.count(o))

    def __str__(self) -> str:
        return f"{int(self)} waiting" + (f": {self.outcomes()}" if self else "")

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(int(self), spec) if spec else str(self)


def reconciled(what: str, outcomes: Iterable[Enqueued]) -> Reconciled:
    """Tally a reconciler's enqueues and log them when anything was done or
    could not be."""
    tally = Reconciled(outcomes)
    if tally.count(Enqueued.NEW) or tally.count(Enqueued.TAKEN_BACK) \
            or tally.count(Enqueued.UNAVAILABLE):
        log.info("%s: %s", what, tally)
    return tally


def worker_alive(connection: Redis, worker_name: str | None) -> bool:
    """Whether the worker of this name is still there to finish its job.

    A worker that beats is alive while its ALIVE_KEY is (a kill -9 or a
    freeze lets it expire within ALIVE_TTL); any other RQ worker while its
    RQ hash exists, RQ's own rule.
    """
    if not worker_name:
        return False
    with connection.pipeline(transaction=False) as pipe:
        pipe.exists(ALIVE_KEY.format(worker_name))
        pipe.exists(BEATS_KEY.format(worker_name))
        pipe.exists(Worker.redis_worker_namespace_prefix + worker_name)
        beating, beats, registered = pipe.execute()
    return bool(beating) or (not beats and bool(registered))


def _verdicts(connection: Redis, jobs: list[Job | None]) -> list[Enqueued | None]:
    """The one rule for "is this job really pending": None when it is absent
    or done (enqueue it), PENDING when queued, scheduled or held by a live
    worker, TAKEN_BACK when "started" by a worker that is gone.

    RQ itself notices a dead worker's job only at a live worker's
    maintenance, every 10 minutes: until then the job looks started and
    nothing would enqueue it again.
    """
    verdicts: list[Enqueued | None] = []
    for found in jobs:
        status = found.get_status(refresh=False) if found is not None else None
        if status not in _ACTIVE:
            verdicts.append(None)
        elif status == JobStatus.STARTED and not worker_alive(connection, found.worker_name):
            verdicts.append(Enqueued.TAKEN_BACK)
        else:
            verdicts.append(Enqueued.PENDING)
    return verdicts


def _release(found: Job, pipeline=None) -> None:
    """Drop a dead worker's job from its started registry, so RQ's own
    maintenance does not later move it to "failed" as abandoned."""
    log.warning("job %s was held by worker %s, which is gone; taken back",
                found.id, found.worker_name)
    registry = StartedJobRegistry(found.origin, connection=found.connection)
    entries = [f"{job_id}:{execution_id}" for job_id, execution_id
               in registry.get_job_and_execution_ids(cleanup=False) if job_id == found.id]
    if entries:
        (pipeline if pipeline is not None else found.connection).zrem(registry.key, *entries)


def enqueue_unless_pending(
    queue: str, func: Callable, *args: Any, job_id: str, at: datetime | None = None
) -> Enqueued:
    """Enqueue unless a job with this id is already waiting or running (on a
    live worker: see `_verdicts`); says which it was.

    Returns UNAVAILABLE (false, and logs) when Redis cannot be reached: the
    database still says the work is pending, and the reconciler will enqueue
    it later.
    """
    q = get_queue(queue)
    try:
        existing = q.fetch_job(job_id)
        verdict = _verdicts(q.connection, [existing])[0]
        if verdict is Enqueued.PENDING:
            return verdict
        if verdict is Enqueued.TAKEN_BACK:
            _release(existing)
        options = {"job_id": job_id, "result_ttl": 3600, "failure_ttl": 7 * 86400}
        if at is None:
            q.enqueue(func, *args, **options)
        else:
            q.enqueue_at(at, func, *args, **options)
        return verdict or Enqueued.NEW
    except RedisError as exc:
        log.warning("could not enqueue %s (%s); the reconciler will retry", job_id, exc)
        return Enqueued.UNAVAILABLE


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
            with app_context():
                return fn(*args, **kwargs)

        def after_commit(*args: Any, job_id: str, at: datetime | None = None) -> None:
            session = db.session()
            session.connection()  # the jobs belong to this transaction: a rollback drops them
            pending = session.info.setdefault(_PENDING, [])
            pending.append((self.queue, run, args, job_id, at, False))

        def after_commit_of(row: Any, *, job_id: Callable[[int], str],
                            at: datetime | None = None) -> None:
            """`after_commit(row.id, job_id=job_id(row.id))` for a row not
            flushed yet: its id is read once the commit has inserted it, so
            the caller needs no flush of its own (one flush per transaction
            instead of one per row that enqueues a job).

            A row this transaction inserts has a new id, so no job can be
            waiting under its job id: Redis is not asked first (a round trip
            per intake). Were one there after all (a database restored behind
            Redis, or the reconciler in the instant after the commit), the
            jobs are idempotent and the second run changes nothing."""
            session = db.session()
            session.connection()
            fresh = sa_inspect(row).key is None  # not inserted yet
            session.info.setdefault(_PENDING, []).append((self.queue, run, row, job_id, at, fresh))

        def enqueue(*args: Any, job_id: str) -> Job | None:
            enqueue_unless_pending(self.queue, run, *args, job_id=job_id)

        run.after_commit = after_commit
        run.after_commit_of = after_commit_of
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
        # Only jobs that may exist already are looked up (see after_commit_of).
        checked = [item for item in pending if not item[5]]
        found_jobs = Job.fetch_many([item[3] for item in checked], connection=connection) \
            if checked else []
        known = dict(zip((item[3] for item in checked),
                         zip(found_jobs, _verdicts(connection, found_jobs), strict=True),
                         strict=True))
        existing = [known.get(item[3], (None, None))[0] for item in pending]
        verdicts = [known.get(item[3], (None, None))[1] for item in pending]
        with connection.pipeline() as pipe:
            # Buffer from the start: RQ's enqueue_at puts the pipeline in
            # immediate mode (WATCH) otherwise, and an enqueue after it then
            # fails, dropping the whole batch.
            pipe.multi()
            for (queue, func, args, job_id, at, _fresh), found, verdict in zip(
                    pending, existing, verdicts, strict=True):
                if verdict is Enqueued.PENDING:
                    continue
                if verdict is Enqueued.TAKEN_BACK:
                    _release(found, pipe)
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


def _with_ids(pending: list[tuple]) -> list[tuple]:
    """The jobs of `after_commit_of` with their rows' ids, committed by now
    (the identity survives the commit's expiry: no query)."""
    out = []
    for queue, func, args, job_id, at, fresh in pending:
        if callable(job_id):
            identity = sa_inspect(args).identity
            if identity is None:  # never inserted (expunged): nothing to do
                continue
            args, job_id = (identity[0],), job_id(identity[0])
        out.append((queue, func, args, job_id, at, fresh))
    return out


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    pending = _with_ids(session.info.pop(_PENDING, []))
    if len(pending) > 1 or any(item[5] for item in pending):
        _enqueue_all_unless_pending(pending)
        return
    for queue, func, args, job_id, at, _fresh in pending:
        enqueue_unless_pending(queue, func, *args, job_id=job_id, at=at)


@event.listens_for(Session, "after_soft_rollback")
def _drop_on_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
