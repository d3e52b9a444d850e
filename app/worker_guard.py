"""What keeps an RQ worker honest about itself (issue 16, items 3 and 4).

A heartbeat others can judge it by. RQ keeps a worker's hash for the job
timeout plus a minute after a kill -9, and only a live worker's maintenance,
every ten minutes, gives the dead worker's job back. A thread here refreshes
a short-lived key (`ALIVE_KEY` in core.queues) every few seconds, jobs or not,
so `enqueue_unless_pending` and the reconcilers can tell within
`ALIVE_TTL` seconds that a "started" job has nobody working on it.

A pause instead of a burnt queue while the database is down. Without it a
worker takes job after job during a PostgreSQL restart, fails each with a
traceback and moves it to the failed registry. Here the worker checks the
database (`SELECT 1`) before taking a job, and waits with capped
exponential backoff while it is down, saying so once; a job that failed
because the database went away is put back on its queue, not failed.
`sleep`, `monotonic` and `database_is_up` are attributes so that tests can
move time and the database's state instead of waiting for them.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from rq.job import Job
from rq.queue import Queue
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from core import queues
from core.db import db

log = logging.getLogger(__name__)

REQUEUES = "database_requeues"  # job.meta: how often the database's absence put it back


class Heartbeat:
    """A daemon thread that says "this worker is alive" every `every` seconds.

    It stops with the process: a kill -9 or a SIGSTOP silences it, and the
    key expires ALIVE_TTL seconds after the last beat.
    """

    def __init__(self, connection: Redis, worker_name: str, every: float = 5.0) -> None:
        self.connection, self.worker_name, self.every = connection, worker_name, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"heartbeat {worker_name}")

    def beat(self) -> None:
        with self.connection.pipeline(transaction=False) as pipe:
            pipe.set(queues.ALIVE_KEY.format(self.worker_name), 1, ex=queues.ALIVE_TTL)
            pipe.set(queues.BEATS_KEY.format(self.worker_name), 1, ex=queues.BEATS_TTL)
            pipe.execute()

    def start(self) -> Heartbeat:
        self.beat()  # alive from the moment the worker is registered
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            try:
                self.beat()
            except RedisError as exc:  # RQ's own loop reports Redis trouble; keep beating
                log.debug("heartbeat of %s not sent: %s", self.worker_name, exc)

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join(self.every + 1)

        with contextlib.suppress(RedisError):  # else it expires by itself
            self.connection.delete(queues.ALIVE_KEY.format(self.worker_name))


def database_lost(exc: BaseException | None) -> bool:
    """Whether the exception, or one it was raised from, is the database
    connection failing (not a query or data error)."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, (OperationalError, InterfaceError)):
            return True
        if type(exc).__module__.startswith("psycopg") and type(exc).__name__ in (
                "OperationalError", "InterfaceError"):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


class WorkerGuard:
    """Mixed into the worker class before RQ's SimpleWorker: the heartbeat,
    and the wait for the database. See the module's docstring. What it says
    goes to the worker's own logger (`self.log`), which `rq worker` shows."""

    beat_every = 5.0
    first_wait, max_wait = 1.0, 30.0  # seconds between database checks while it is down
    check_every = 1.0  # while all is well, at most one SELECT 1 a second
    max_requeues = 5  # a job the database keeps failing this often fails as usual
    sleep = staticmethod(time.sleep)
    monotonic = staticmethod(time.monotonic)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._heartbeat: Heartbeat | None = None
        self._put_back: set[str] = set()
        self._checked_at: float | None = None

    # -- the heartbeat ---------------------------------------------------------
    def register_birth(self) -> None:
        super().register_birth()
        self._heartbeat = Heartbeat(self.connection, self.name, self.beat_every).start()

    def register_death(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.stop()
            self._heartbeat = None
        super().register_death()

    # -- the database ----------------------------------------------------------
    def database_is_up(self) -> bool:
        """One `SELECT 1` on a pooled connection (pre-pinged, so a restarted
        server's stale connections are replaced)."""
        try:
            with queues.app_context(), db.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def wait_for_database(self) -> None:
        """Return once the database answers, waiting first_wait, twice that,
        ... up to max_wait between checks; one warning when it is found
        down, one info when it is back."""
        if self._checked_at is not None and \
                self.monotonic() - self._checked_at < self.check_every:
            return
        wait, waited = self.first_wait, 0.0
        while not self.database_is_up():
            if not waited:
                self.log.warning("Worker %s: the database is unreachable; no job is taken until "
                                 "it answers again (checking again in %.0f s, then at "
                                 "most every %.0f s)", self.name, wait, self.max_wait)
            with contextlib.suppress(RedisError):
                self.heartbeat()  # RQ must not think the worker died while it waits
            self.sleep(wait)
            waited += wait
            wait = min(wait * 2, self.max_wait)
        if waited:
            self.log.info("Worker %s: the database answers again after %.0f s; taking jobs",
                          self.name, waited)
        self._checked_at = self.monotonic()

    def dequeue_job_and_maintain_ttl(self, timeout: int | None,
                                     max_idle_time: int | None = None):
        self.wait_for_database()
        return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)

    def handle_exception(self, job: Job, *exc_info: Any) -> None:
        """A job that failed because the database went away is put back on
        its queue (in `handle_job_failure`) without a traceback: the wait
        before the next job says what happened, once."""
        if (database_lost(exc_info[1]) and job.meta.get(REQUEUES, 0) < self.max_requeues
                and (getattr(exc_info[1], "connection_invalidated", False)
                     or not self.database_is_up())):
            self._put_back.add(job.id)
            self._checked_at = None  # check (and wait) before the next job
            return
        super().handle_exception(job, *exc_info)

    def handle_job_failure(self, job: Job, queue: Queue, started_job_registry=None,
                           exc_string: str = "", execution=None) -> None:
        if job.id not in self._put_back:
            super().handle_job_failure(job, queue, started_job_registry=started_job_registry,
                                       exc_string=exc_string, execution=execution)
            return
        self._put_back.discard(job.id)
        job.meta[REQUEUES] = job.meta.get(REQUEUES, 0) + 1
        with self.connection.pipeline() as pipe:
            pipe.multi()  # RQ's enqueue_job wants the transaction begun
            self.cleanup_execution(job, pipeline=pipe, execution=execution)
            queue.enqueue_job(job, pipeline=pipe, at_front=True)
            pipe.execute()
        self.log.info("Worker %s: job %s put back on %s: the database went away while it ran",
                      self.name, job.id, queue.name)
