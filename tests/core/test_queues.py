"""Jobs queued by one transaction reach Redis together once it commits."""

from __future__ import annotations

from datetime import timedelta

from rq.registry import ScheduledJobRegistry

from core.db import db
from core.queues import get_queue, job


@job("sync")
def remember(value: str) -> str:
    return value


def test_scheduled_and_immediate_jobs_of_one_commit_are_all_enqueued(app, clock, redis):
    remember.after_commit("later", job_id="test-later", at=clock.now() + timedelta(hours=1))
    remember.after_commit("now", job_id="test-now")
    remember.after_commit("later too", job_id="test-later-2",
                          at=clock.now() + timedelta(hours=2))
    remember.after_commit("now too", job_id="test-now-2")
    db.session.commit()
    queue = get_queue("sync")
    assert set(queue.get_job_ids()) == {"test-now", "test-now-2"}
    assert set(ScheduledJobRegistry(queue=queue).get_job_ids()) == {"test-later", "test-later-2"}


def test_nothing_is_enqueued_when_the_transaction_rolls_back(app, redis):
    remember.after_commit("never", job_id="test-never")
    db.session.rollback()
    db.session.commit()
    assert get_queue("sync").get_job_ids() == []
