"""The register's import from the administrator's page, run by an RQ job on
the `imports` queue, and the reconciler that keeps Redis honest.

The page stores the file in an `ImportRun` row (app/admin/imports/runs.py)
and the job only carries its id. The job reads the file, skips the rows a
previous attempt committed, and runs the rest through the same importers as
`flask import properties|residents`; their `progress` callback writes the
checkpoint (rows done, counts, errors) into the session before each batch
commits, so the checkpoint and the batch commit together. A job run twice
after the run ended does nothing; a job whose worker died is enqueued again
by the reconciler and goes on where the database says it stopped.

A dry run commits nothing, not even its progress: its rows done are counted
in Redis (`dry_run_progress`) for the page, and an interrupted dry run starts
over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress

from redis.exceptions import RedisError
from rq.timeouts import JobTimeoutException
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from app.admin.imports.common import Columns, ImportFileError, ImportResult, read_table
from app.admin.imports.runs import (
    BROKE,
    PENDING,
    TIMED_OUT,
    ImportRun,
    fail,
    finish,
    start,
)
from app.register import imports
from core.db import db
from core.queues import (
    Reconciled,
    enqueue_unless_pending,
    job,
    reconciled,
    redis_connection,
)

log = logging.getLogger(__name__)

KINDS: dict[str, tuple[Columns, Callable[..., ImportResult]]] = {
    "properties": (imports.PROPERTY_COLUMNS, imports.import_properties),
    "residents": (imports.RESIDENT_COLUMNS, imports.import_residents),
}
BATCH_SIZE = 500  # rows per commit and per step of the bar; tests make it small
DRY_RUN_KEY = "xietong:import-run:{}:done"
DRY_RUN_TTL = 86400


def import_job_id(run_id: int) -> str:
    return f"import-run-{run_id}"


def enqueue_after_commit(run: ImportRun) -> None:
    run_import_file.after_commit(run.id, job_id=import_job_id(run.id))


@job("imports")
def run_import_file(run_id: int) -> str:
    """Import the run's file from where it stopped; nothing when it has ended."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        return f"import run {run_id} does not exist"
    if run.finished:
        db.session.rollback()
        return f"import run {run_id} is already {run.status.value}"
    started = start(run)
    try:
        db.session.commit()
    except StaleDataError:  # another job started it between our read and our write
        db.session.rollback()
        return f"import run {run_id} was taken over by another job"
    if not started:
        return f"import run {run_id}: {run.failure_text}"
    columns, importer = KINDS[run.kind]
    try:
        rows = read_table(run.data or b"", run.filename, columns).rows
    except ImportFileError as exc:  # checked on upload; a file changed since is refused here
        fail(run, str(exc))
        db.session.commit()
        return f"import run {run_id}: {exc}"
    if run.total_rows != len(rows):
        run.total_rows = len(rows)  # now the bar has its end
        db.session.commit()
    result = run.result()
    if run.dry_run:
        _set_dry_run_progress(run_id, 0)
    try:
        result = importer(rows[run.rows_done:], run.actor_label, source=run.filename,
                          dry_run=run.dry_run, batch_size=BATCH_SIZE,
                          progress=_checkpoint(run, result), result=result)
    except JobTimeoutException:
        db.session.rollback()
        fail(run, TIMED_OUT)
        db.session.commit()
        return f"import run {run_id} timed out"
    except (TakenOver, StaleDataError):
        db.session.rollback()  # another job started on the run since: it goes on
        log.warning("import run %s was taken over by another job; this one stops", run_id)
        return f"import run {run_id} was taken over by another job"
    except DBAPIError:
        # The database went away: the run stays running at its last checkpoint,
        # and the worker (or the reconciler) runs the job again to go on.
        raise
    except Exception:
        # A bug or a refusal no retry can mend: the run says it failed, and the
        # rows already committed stay (they are counted in the row).
        log.exception("import run %s failed", run_id)
        db.session.rollback()
        fail(run, BROKE)
        db.session.commit()
        return f"import run {run_id} failed"
    finish(run, result)
    db.session.commit()
    return f"import run {run_id}: {result.summary(run.filename)}"


class TakenOver(Exception):
    """Another job started on this run (this one's worker was thought dead)."""


def _checkpoint(run: ImportRun, result: ImportResult) -> Callable[[int], None]:
    """The importers' `progress`: the rows done so far, written with each batch.

    Before writing it reads the run again, locked: when another attempt has
    started meanwhile, this job stops and its batch is rolled back."""
    done, attempt, dry_run, run_id = run.rows_done, run.attempts, run.dry_run, run.id

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if dry_run:
            _set_dry_run_progress(run_id, done)
            return
        db.session.refresh(run, with_for_update=True)
        if run.attempts != attempt:
            raise TakenOver(run_id)
        run.record(result, done)  # flushed and committed with the batch

    return tick


def _set_dry_run_progress(run_id: int, done: int) -> None:
    with suppress(RedisError):  # only the bar misses a step; the check goes on
        redis_connection().set(DRY_RUN_KEY.format(run_id), done, ex=DRY_RUN_TTL)


def rows_done(run: ImportRun) -> int:
    """What the bar shows: the checkpoint, or a running dry run's count."""
    if not (run.dry_run and run.status in PENDING):
        return run.rows_done
    try:
        value = redis_connection().get(DRY_RUN_KEY.format(run.id))
    except RedisError:
        return run.rows_done
    return min(int(value or 0), run.total_rows)


@job("imports")
def reconcile() -> Reconciled:
    """Enqueue again every run the database says is waiting or running, and
    take back those a dead worker held. Runs every minute (app/cron.py)."""
    waiting = db.session.scalars(
        select(ImportRun.id).where(ImportRun.status.in_(PENDING)).order_by(ImportRun.id)).all()
    db.session.rollback()  # end the read transaction before talking to Redis
    return reconciled("import reconciler", (
        enqueue_unless_pending("imports", run_import_file, run_id,
                               job_id=import_job_id(run_id))
        for run_id in waiting))
