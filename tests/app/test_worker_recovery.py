"""A dead worker's job is taken back at once, and a worker waits out a
database outage instead of failing its queue (issue 16, items 3 and 4).

Workers die here as they do in production, minus the process: a worker
registers, takes a job as RQ does, and then its heartbeat stops (a kill -9
stops it; its RQ hash stays for minutes).
"""

from __future__ import annotations

import logging
import time

import pytest
from flask import current_app
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy.exc import OperationalError

from app.worker_guard import REQUEUES, WorkerGuard
from cases.jobs import dispatch, dispatch_job_id, reconcile
from cases.models import CaseEvent, EventKind
from cases.states import CaseStatus
from core.db import db
from core.queues import ALIVE_KEY, Enqueued, enqueue_unless_pending, get_queue, job


class GuardedWorker(WorkerGuard, SimpleWorker):
    """AppWorker's guard without building an app of its own: the test's serves."""


@job("sync")
def remember(value: str) -> str:
    return value


@job("sync")
def needs_database(counter: str, failures: int = 1, invalidated: bool = False) -> str:
    """Fails `failures` times as a query does when the server goes away."""
    if current_app.extensions["redis"].incr(counter) <= failures:
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"),
                               connection_invalidated=invalidated)
    return "done"


@pytest.fixture
def workers(redis):
    """Workers made by a test, told of their death at its end."""
    made = []

    def make(cls=GuardedWorker, queue: str = "dispatch"):
        worker = cls([Queue(queue, connection=redis)], connection=redis)
        worker.register_birth()
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.register_death()


def take(worker, queue: str = "dispatch") -> Job:
    """The worker takes the next job of the queue as RQ does, and goes no further."""
    taken, _ = Queue.dequeue_any([Queue(queue, connection=worker.connection)], None,
                                 connection=worker.connection)
    worker.prepare_execution(taken)
    worker.prepare_job_execution(taken, remove_from_intermediate_queue=True)
    return taken


def kill(worker) -> None:
    """What a kill -9 leaves: the heartbeat stops, RQ's worker hash stays."""
    worker._heartbeat.stop()
    worker._heartbeat = None
    assert worker.connection.exists(worker.key)


def cases_reconcile(app) -> str:
    result = app.test_cli_runner().invoke(args=["cases", "reconcile"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_dead_workers_dispatch_is_taken_back_and_the_case_dispatched(
        app, make_case, workers, work, redis):
    case = make_case()
    worker = workers()
    held = take(worker)
    assert held.id == dispatch_job_id(case.id) and held.get_status() == JobStatus.STARTED
    kill(worker)

    assert cases_reconcile(app) == \
        "1 case(s) waiting for dispatch: 1 taken back from a dead worker."
    started = StartedJobRegistry("dispatch", connection=redis)
    assert started.get_job_ids(cleanup=False) == []
    assert get_queue("dispatch").get_job_ids() == [held.id]

    work()
    db.session.refresh(case)
    assert case.status is CaseStatus.DISPATCHED
    assert db.session.query(CaseEvent).filter_by(
        case_id=case.id, kind=EventKind.DISPATCHED).count() == 1
    # RQ's own maintenance, whenever it runs, finds nothing abandoned to fail.
    started.cleanup(timestamp=time.time() + 10**6)
    assert FailedJobRegistry("dispatch", connection=redis).count == 0


def test_a_live_workers_job_is_left_alone(app, make_case, workers, redis):
    make_case()
    worker = workers()
    held = take(worker)

    assert cases_reconcile(app) == "1 case(s) waiting for dispatch: 1 already queued or running."
    assert get_queue("dispatch").count == 0
    assert StartedJobRegistry("dispatch", connection=redis).get_job_ids(cleanup=False) \
        == [held.id]
    assert Job.fetch(held.id, connection=redis).get_status() == JobStatus.STARTED


def test_the_cli_says_what_it_did_with_each_waiting_case(app, make_case, redis):
    make_case()
    make_case(phone="13900139000")
    redis.flushdb()  # both dispatch jobs lost
    assert cases_reconcile(app) == "2 case(s) waiting for dispatch: 2 enqueued."
    assert cases_reconcile(app) == "2 case(s) waiting for dispatch: 2 already queued or running."
    assert reconcile() == 2  # the number the cron job has always returned


def test_a_worker_without_a_heartbeat_is_judged_by_its_rq_hash(make_case, workers, redis):
    case = make_case()
    worker = workers(SimpleWorker)
    take(worker)
    args = ("dispatch", dispatch, case.id)
    assert enqueue_unless_pending(*args, job_id=dispatch_job_id(case.id)) is Enqueued.PENDING
    redis.delete(worker.key)  # RQ's hash expired: the worker is gone
    assert enqueue_unless_pending(*args, job_id=dispatch_job_id(case.id)) is Enqueued.TAKEN_BACK


def test_jobs_enqueued_together_take_back_a_dead_workers_job_too(app, workers, redis):
    remember.enqueue("first", job_id="test-held")
    worker = workers(queue="sync")
    held = take(worker, "sync")
    kill(worker)

    remember.after_commit("again", job_id="test-held")
    remember.after_commit("other", job_id="test-other")
    db.session.commit()
    assert set(get_queue("sync").get_job_ids()) == {"test-held", "test-other"}
    assert StartedJobRegistry("sync", connection=redis).get_job_ids(cleanup=False) == []
    assert Job.fetch(held.id, connection=redis).get_status() == JobStatus.QUEUED


def test_a_beating_worker_is_alive_and_its_key_goes_with_it(workers, redis):
    worker = workers()
    assert redis.ttl(ALIVE_KEY.format(worker.name)) > 0
    worker.register_death()
    assert not redis.exists(ALIVE_KEY.format(worker.name))


# -- the database goes away ---------------------------------------------------

def guarded(redis, database_states: list[bool]) -> tuple[GuardedWorker, list[float]]:
    """A worker whose database answers as listed (then always), and whose
    waits are recorded instead of slept."""
    worker = GuardedWorker([get_queue("sync")], connection=redis)
    states = iter(database_states)
    worker.database_is_up = lambda: next(states, True)
    slept: list[float] = []
    worker.sleep = slept.append
    worker.monotonic = lambda: 0.0  # no time passes: only a failure forces a check
    return worker, slept


def test_a_job_cut_off_by_a_database_restart_is_put_back_and_run_when_it_returns(
        redis, caplog):
    needs_database.enqueue("test-counter", job_id="test-db")
    # Before the job: up; the job fails, and the check finds the server down;
    # then down twice more before it answers.
    worker, slept = guarded(redis, [True, False, False, False, True])
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        worker.work(burst=True, logging_level="INFO")

    done = Job.fetch("test-db", connection=redis)
    assert done.get_status() == JobStatus.FINISHED
    assert done.return_value() == "done" and done.meta[REQUEUES] == 1
    assert FailedJobRegistry("sync", connection=redis).count == 0
    assert slept == [1.0, 2.0]
    said = [(r.levelname, r.getMessage()) for r in caplog.records
            if "the database" in r.getMessage()]
    assert [level for level, _ in said] == ["INFO", "WARNING", "INFO"]
    assert "job test-db put back on sync" in said[0][1]
    assert "the database is unreachable" in said[1][1]
    assert "answers again after 3 s" in said[2][1]


def test_the_wait_backs_off_to_a_cap_and_warns_once(redis, caplog):
    worker, slept = guarded(redis, [False] * 8)
    with caplog.at_level(logging.INFO, logger="rq.worker"):
        worker.wait_for_database()
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "rq.worker"]
    assert [level for level, _ in said] == ["WARNING", "INFO"]
    assert "answers again after 121 s" in said[1][1]


def test_a_database_error_while_the_database_answers_fails_the_job_as_usual(redis):
    needs_database.enqueue("test-counter-2", 99, job_id="test-db-2")
    worker, slept = guarded(redis, [])
    worker.work(burst=True, logging_level="CRITICAL")
    assert FailedJobRegistry("sync", connection=redis).get_job_ids() == ["test-db-2"]
    assert slept == []


def test_a_job_the_database_keeps_cutting_off_fails_in_the_end(redis):
    needs_database.enqueue("test-counter-3", 99, True, job_id="test-db-3")
    worker, _ = guarded(redis, [])
    worker.work(burst=True, logging_level="CRITICAL")
    failed = Job.fetch("test-db-3", connection=redis)
    assert failed.get_status() == JobStatus.FAILED
    assert failed.meta[REQUEUES] == WorkerGuard.max_requeues


def test_the_database_check_is_a_select_on_the_apps_database(app, monkeypatch, redis):
    worker = GuardedWorker([get_queue("sync")], connection=redis)
    assert worker.database_is_up()

    def refuse():
        raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(db.engine, "connect", refuse)
    assert not worker.database_is_up()
