"""Dispatch, run by RQ workers, and the reconciler that keeps Redis honest.

The database says which cases wait for dispatch (status `received`); a job
only carries the id. A job run twice, or by two workers at once, dispatches
once: it locks the row and re-checks the status, and the case's version
column refuses a second concurrent write.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from cases.actors import SYSTEM
from cases.models import Case
from cases.operations import dispatch_case, mark_unrouted
from cases.routing import locate, route
from cases.states import CaseStatus
from core.db import db
from core.queues import Reconciled, enqueue_unless_pending, job, reconciled

log = logging.getLogger(__name__)


def dispatch_job_id(case_id: int) -> str:
    return f"dispatch-case-{case_id}"


@job("dispatch")
def dispatch(case_id: int) -> str:
    """Locate the case's address, apply the routing rules, dispatch or queue it."""
    # The category and the citizen (its receipt's address) come in the same
    # query, only the case row locked; the assignments (the dispatch checks
    # them) right after, before anything changes: read lazily later, they
    # flushed the located case, two UPDATEs of it instead of one.
    case = db.session.get(
        Case, case_id, with_for_update={"of": Case},
        options=[joinedload(Case.category), joinedload(Case.citizen),
                 selectinload(Case.assignments)],
    )
    if case is None:
        return f"case {case_id} does not exist"
    if case.status is not CaseStatus.RECEIVED:
        db.session.rollback()
        return f"case {case.tracking_number} is already {case.status.value}"
    location = locate(case.address_text, case.lat, case.long)
    with db.session.no_autoflush:  # one UPDATE of the case at the end, not two
        case.community, case.street = location.community, location.street
        decision = route(case.category, location)
    tracking_number = case.tracking_number  # the commit expires the case
    if decision.unit is not None:
        dispatch_case(case, SYSTEM, decision.unit, decision.reason)
        outcome = f"dispatched to {decision.unit.code}"
    else:
        mark_unrouted(case, SYSTEM, decision.reason)
        outcome = f"unrouted: {decision.reason}"
    try:
        db.session.commit()
    except StaleDataError:
        # Another worker changed the case first; its outcome stands.
        db.session.rollback()
        return f"case {case_id} was changed concurrently; left as it is"
    log.info("case %s %s", tracking_number, outcome)
    return outcome


@job("dispatch")
def reconcile() -> Reconciled:
    """Re-enqueue dispatch for every case the database says is still waiting,
    and take back those a dead worker held; says what it did with each.

    Runs every minute (rq cron) and as `flask cases reconcile`; after a Redis
    flush or restart, or a worker's kill -9, nothing is lost.
    """
    waiting = db.session.scalars(
        select(Case.id).where(Case.status == CaseStatus.RECEIVED).order_by(Case.id)
    ).all()
    db.session.rollback()  # end the read transaction before talking to Redis
    return reconciled("dispatch reconciler", (
        enqueue_unless_pending("dispatch", dispatch, case_id, job_id=dispatch_job_id(case_id))
        for case_id in waiting))
