"""Operations on supervision items (督办件): register one with its milestones,
report progress, mark a milestone done with its evidence, report completion,
and the supervision office's verification (销号) or sending it back.

The supervision office is the supervisor role (督查办): it already registers
supervision items (cases/kinds/supervision.py) and works the supervision desk
district-wide. Dispatching to the lead unit, the deadlines and the traffic
light live in escalation/supervision_items.py (they need the calendar).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from cases import kinds, operations
from cases.access import unit_assignment
from cases.actors import Actor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import IncomingFile, record_event, store_files
from cases.matters import create_matter, may_create
from cases.models import AssignmentStatus, Case, EventKind
from cases.models.supervision_item import Milestone, ProgressReport, SupervisionItem
from cases.models.users import Role
from cases.states import CaseStatus, transition
from core.clock import now
from core.db import db

OFFICE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
MAX_CYCLE_MONTHS = 12
MAX_REPORT_DAY = 20


def require_office(actor: Actor) -> None:
    if getattr(actor, "role", None) not in OFFICE_ROLES:
        raise NotAllowed("only the supervision office verifies and closes supervision items")


def item_of(case: Case) -> SupervisionItem:
    item = db.session.get(SupervisionItem, case.id)
    if item is None:
        raise InvalidRequest("case", f"{case.tracking_number} is not a supervision item")
    return item


def check_milestone(name: str, due_on: date | None, deadline: date) -> None:
    """A milestone has a name and a date no later than the item's deadline."""
    if not (name or "").strip():
        raise InvalidRequest("milestones", "a milestone needs a name")
    if due_on is None:
        raise InvalidRequest("milestones", f"the milestone {name} needs a due date")
    if due_on > deadline:
        raise InvalidRequest(
            "milestones",
            f"the milestone {name} is due {due_on.isoformat()}, after the item's "
            f"deadline {deadline.isoformat()}",
        )


def _check_cycle(every_months: int, by_working_day: int) -> None:
    if not 1 <= every_months <= MAX_CYCLE_MONTHS:
        raise InvalidRequest("report_every_months", f"must be between 1 and {MAX_CYCLE_MONTHS}")
    if not 1 <= by_working_day <= MAX_REPORT_DAY:
        raise InvalidRequest("report_by_working_day", f"must be between 1 and {MAX_REPORT_DAY}")


def register_item(
    fields: dict[str, Any], milestones: Sequence[tuple[str, date | None]], actor: Actor,
    *, report_every_months: int = 1, report_by_working_day: int = 5,
) -> SupervisionItem:
    """Register (登记) a supervision item with its milestones; flushes.

    Every milestone is checked before anything is written, so a refused
    milestone leaves no half-registered item (and uses no number)."""
    if not may_create(kinds.get("supervision"), actor):
        raise NotAllowed(f"the role {actor.role.value} may not register a supervision item")
    _check_cycle(report_every_months, report_by_working_day)
    deadline = _deadline(fields)
    for name, due_on in milestones:
        check_milestone(name, due_on, deadline)
    case = create_matter("supervision", dict(fields), actor)
    item = SupervisionItem(
        case=case, case_id=case.id, deadline=date.fromisoformat(case.details["deadline"]),
        report_every_months=report_every_months, report_by_working_day=report_by_working_day,
        light_since=now(),
    )
    item.milestones = [Milestone(name=name.strip(), due_on=due) for name, due in milestones]
    db.session.add(item)
    db.session.flush()
    return item


def _deadline(fields: dict[str, Any]) -> date:
    """The item's deadline as a date, checked the way create_matter checks it."""
    return kinds.get("supervision").validate(fields)["deadline"]


def add_milestone(item: SupervisionItem, name: str, due_on: date | None, actor: Actor) -> Milestone:
    require_office(actor)
    check_milestone(name, due_on, item.deadline)
    milestone = Milestone(item=item, name=name.strip(), due_on=due_on)
    db.session.add(milestone)
    db.session.flush()
    return milestone


def _require_open(case: Case) -> None:
    if case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise InvalidRequest("case", f"is {case.status.value}; it takes no more progress")


def _lead(case: Case, actor: Actor):
    """The actor's lead assignment; the lead's first report signs for the
    item (签收), so no separate step stands between the unit and its work."""
    assignment = unit_assignment(case, actor)
    if not assignment.is_lead:
        raise NotAllowed("only the lead unit reports on a supervision item")
    if assignment.status is AssignmentStatus.ASSIGNED:
        operations.acknowledge(case, actor)
    return assignment


def report_progress(case: Case, actor: Actor, text: str) -> ProgressReport:
    """The lead unit's progress report (进展报告) for the current cycle."""
    assignment = _lead(case, actor)
    _require_open(case)
    if not (text or "").strip():
        raise InvalidRequest("text", "is empty: say what progress was made")
    report = ProgressReport(item=item_of(case), unit_id=assignment.unit_id,
                            reported_at=now(), text=text.strip())
    db.session.add(report)
    record_event(case, EventKind.PROGRESS, actor, public=False, message=text.strip(),
                 unit=assignment.unit, data={"report": True})
    case.updated_at = now()
    db.session.flush()
    return report


def complete_milestone(
    case: Case, milestone: Milestone, actor: Actor, note: str,
    files: Sequence[IncomingFile] = (),
) -> Milestone:
    """The lead unit marks a milestone done, with its evidence (attachments)."""
    assignment = _lead(case, actor)
    _require_open(case)
    if milestone.case_id != case.id:
        raise InvalidRequest("milestone", "is not a milestone of this item")
    if milestone.done_at is not None:
        raise InvalidRequest("milestone", f"{milestone.name} is already done")
    if not (note or "").strip() and not files:
        raise InvalidRequest("evidence", "give a note or attach the evidence")
    stored = store_files(case, files)
    db.session.flush()
    milestone.done_at = now()
    milestone.done_note = (note or "").strip() or None
    milestone.evidence = stored[0] if stored else None
    record_event(case, EventKind.PROGRESS, actor, public=False, message=milestone.done_note,
                 unit=assignment.unit,
                 data={"milestone": milestone.name, "milestone_id": milestone.id,
                       "attachments": [a.id for a in stored]})
    db.session.flush()
    return milestone


def report_completion(case: Case, actor: Actor, text: str) -> None:
    """The lead reports the item complete (办结报告): it waits for verification."""
    item = item_of(case)
    open_ones = [m.name for m in item.milestones if m.done_at is None]
    if open_ones:
        raise InvalidRequest("milestones", "not done yet: " + "、".join(open_ones))
    operations.resolve(case, actor, text, own_step="report_completion")


def verify(case: Case, actor: Actor, note: str) -> None:
    """The supervision office verifies the completion report and closes (销号)."""
    require_office(actor)
    if case.status is not CaseStatus.RESOLVED:
        raise InvalidRequest("case", "has no completion report to verify")
    operations.close(case, actor, note or "", own_step="verify")


def send_back(case: Case, actor: Actor, reason: str) -> None:
    """The office does not accept the completion report: the lead works on."""
    require_office(actor)
    if not (reason or "").strip():
        raise InvalidRequest("reason", "say why the completion report is not accepted")
    if case.status is not CaseStatus.RESOLVED:
        raise InvalidRequest("case", "has no completion report to send back")
    transition(case, CaseStatus.ACKNOWLEDGED)
    case.resolved_at = None
    lead = case.lead_assignment
    if lead is not None:
        lead.status, lead.resolved_at = AssignmentStatus.ACKNOWLEDGED, None
    record_event(case, EventKind.REOPENED, actor, public=False, message=reason.strip(),
                 data={"sent_back": True})
    db.session.flush()
