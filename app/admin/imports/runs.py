"""An import run: a file uploaded on an administration page and imported by
an RQ job, with its progress and its result in one row.

The row is the truth (DESIGN principle 1): it holds the uploaded file until
the run ends (then the file is dropped: it may hold ID numbers), how many of
the file's rows are done, the counts and the line-numbered errors so far, and
the status. A job that dies part-way leaves the row `running`; the
reconciler enqueues it again, and the job goes on from the rows done, which
are committed with each batch, so nothing is imported twice and nothing is
silently lost (and a version column keeps two jobs from both going on). A
run that keeps dying is marked failed with the reason.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from app.admin.imports.common import ImportResult
from cases.models.users import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type

MAX_ATTEMPTS = 3  # a file that kills its worker every time is marked failed, not retried forever


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


RUN_STATUS_LABELS = {
    RunStatus.QUEUED: _l("Waiting to start"),
    RunStatus.RUNNING: _l("Importing"),
    RunStatus.DONE: _l("Finished"),
    RunStatus.FAILED: _l("Import failed"),
}
PENDING = (RunStatus.QUEUED, RunStatus.RUNNING)
# Why a run failed, stored as the key (shown in the reader's language); any
# other failure is the file's own message (ImportFileError, in English as the
# command line's).
INTERRUPTED, BROKE, TIMED_OUT = "interrupted", "error", "timeout"
FAILURE_LABELS = {
    INTERRUPTED: _l("The import was interrupted %(n)s times; import the file again."),
    BROKE: _l("The import stopped on an unexpected error; the rows counted were imported."),
    TIMED_OUT: _l("The import stopped at its time limit; the rows counted were imported."),
}


class ImportRun(db.Model):
    __tablename__ = "import_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # properties, residents
    filename: Mapped[str] = mapped_column(sa.String(100))
    actor_user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    dry_run: Mapped[bool] = mapped_column(default=False)
    status: Mapped[RunStatus] = mapped_column(enum_type(RunStatus), default=RunStatus.QUEUED,
                                              index=True)
    total_rows: Mapped[int] = mapped_column(default=0)  # counted by the job, reading the file
    rows_done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list] = mapped_column(sa.JSON, default=list)  # [[line, message], ...]
    failure: Mapped[str] = mapped_column(sa.String(300), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The uploaded file, kept in the database so that any worker can read it;
    # dropped when the run ends. Deferred: listing runs never loads it.
    data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    # Every write checks it: should a job taken back from a worker thought dead
    # run beside the old one, the old one's next checkpoint is refused and it
    # stops (its batch rolled back), so no row is imported by both.
    version: Mapped[int] = mapped_column(default=1)

    actor: Mapped[User] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def finished(self) -> bool:
        return self.status not in PENDING

    @property
    def bad_rows(self) -> int:
        return len(self.errors or [])

    @property
    def percent(self) -> int:
        if self.status is RunStatus.DONE or not self.total_rows:
            return 100 if self.status is RunStatus.DONE else 0
        return min(100, self.rows_done * 100 // self.total_rows)

    @property
    def failure_text(self) -> str:
        if self.failure in FAILURE_LABELS:
            return str(FAILURE_LABELS[self.failure]) % {"n": self.attempts}
        return self.failure

    @property
    def actor_label(self) -> str:
        """Who the audit row names: the administrator, through the page."""
        return f"web:{self.actor.username}"[:100]

    def result(self) -> ImportResult:
        """What the rows done so far came to, to go on from."""
        return ImportResult(created=self.created, updated=self.updated,
                            unchanged=self.unchanged,
                            errors=[(line, message) for line, message in self.errors or []])

    def record(self, result: ImportResult, rows_done: int) -> None:
        """The checkpoint: flushed with the batch it counts, so they commit together."""
        self.rows_done = rows_done
        self.created, self.updated = result.created, result.updated
        self.unchanged = result.unchanged
        self.errors = sorted([line, message] for line, message in result.errors)


def submit(kind: str, filename: str, data: bytes, actor: User, *, dry_run: bool) -> ImportRun:
    """A new run waiting for its job, which counts the rows; the caller commits
    (then the job is enqueued)."""
    run = ImportRun(kind=kind, filename=filename[:100], data=data, actor=actor,
                    dry_run=dry_run, errors=[])
    db.session.add(run)
    db.session.flush()
    return run


def start(run: ImportRun) -> bool:
    """Count an attempt and mark the run running; False (and the run failed)
    when it has been interrupted too often."""
    if run.attempts >= MAX_ATTEMPTS:
        fail(run, INTERRUPTED)
        return False
    run.attempts += 1
    run.status = RunStatus.RUNNING
    run.started_at = run.started_at or now()
    if run.dry_run:  # a dry run saved nothing: it starts over
        run.record(ImportResult(), 0)
    return True


def finish(run: ImportRun, result: ImportResult) -> None:
    run.record(result, run.total_rows)
    run.status = RunStatus.DONE
    run.finished_at = now()
    run.data = None


def fail(run: ImportRun, reason: str) -> None:
    run.status = RunStatus.FAILED
    run.failure = reason[:300]
    run.finished_at = now()
    run.data = None
