"""Incoming documents (办文): the steps of a document after its registration.

    registered ──propose──> proposed ──decide──> decided ──distribute──> dispatched
    ──(the lead signs: acknowledge)──> acknowledged ──(the lead reports: resolve)──>
    resolved ──close──> closed

- The office (dispatchers, supervisors, administrators: district-wide roles)
  registers the document, proposes its handling (拟办), distributes it (分办)
  to a lead unit and assisting units, chases it (催办) and closes it (办结)
  with the result.
- A leader decides (批办) with an instruction. The leader is the head of the
  district's own unit (区政府办公室主任 / 区领导: role unit_head on the
  district unit), or an administrator. No new role: a district unit head
  already reads every unit's matters (app.auth.scope), which is what a
  leader does, and a new role would have to be placed on every page.
- The units handle it with the shared operations: acknowledge, the assisting
  units' replies, the lead's resolve with its report.
- Circulation (传阅): the office names readers; each confirms having read it.

Every function is an operation (cases/operations.py): explicit actor, checks,
rows, one event, flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from cases import collaboration, operations
from cases.access import require_dispatcher
from cases.actors import Actor, SystemActor
from cases.errors import InvalidRequest, NotAllowed
from cases.events import IncomingFile, record_event, store_files
from cases.matters import create_matter
from cases.models import Case, EventKind, OrgUnit, Role, UnitKind, User
from cases.models.document import DocumentHandling, DocumentReader
from cases.states import CaseStatus, transition
from core.clock import now
from core.db import db

KIND = "document"
# The states in which a unit works the document and the office may chase it.
CHASED = (CaseStatus.DISPATCHED, CaseStatus.ACKNOWLEDGED)


def is_leader(actor: Actor) -> bool:
    """A leader who decides (批办): the district unit's head, or an administrator."""
    if isinstance(actor, SystemActor):
        return True
    if actor.role is Role.ADMIN:
        return True
    return (actor.role is Role.UNIT_HEAD and actor.unit is not None
            and actor.unit.kind is UnitKind.DISTRICT)


def handling(case: Case) -> DocumentHandling:
    """The document's handling record; InvalidRequest for a matter of another kind."""
    if case.kind != KIND:
        raise InvalidRequest("case", f"{case.tracking_number} is not a document")
    row = db.session.get(DocumentHandling, case.id)
    if row is None:  # registered by create_matter alone (the generic API)
        row = DocumentHandling(case_id=case.id, case=case,
                               urgency=(case.details or {}).get("urgency") or "ordinary")
        db.session.add(row)
    return row


def _text(field: str, value: str, why: str) -> str:
    if not (value or "").strip():
        raise InvalidRequest(field, why)
    return value.strip()


def register_document(fields: dict[str, Any], actor: Actor,
                      files: Sequence[IncomingFile] = ()) -> Case:
    """收文登记: the document, numbered 收〔2026〕N号, with its scanned copy."""
    case = create_matter(KIND, fields, actor)
    store_files(case, files)
    handling(case)
    db.session.flush()
    return case


def propose(case: Case, actor: Actor, text: str) -> DocumentHandling:
    """拟办: the office proposes how the document is handled."""
    require_dispatcher(actor)
    row = handling(case)
    text = _text("proposal", text, "say how the office proposes to handle it")
    transition(case, CaseStatus.PROPOSED)
    row.proposal, row.proposed_at = text, now()
    row.proposed_by_id = None if isinstance(actor, SystemActor) else actor.id
    case.updated_at = row.proposed_at
    record_event(case, EventKind.DOCUMENT_PROPOSED, actor, public=False, message=text)
    db.session.flush()
    return row


def decide(case: Case, actor: Actor, instruction: str) -> DocumentHandling:
    """批办: a leader decides, with an instruction for the units."""
    if not is_leader(actor):
        raise NotAllowed("only a leader (the district unit's head) decides on a document")
    row = handling(case)
    instruction = _text("instruction", instruction, "write the leader's instruction")
    transition(case, CaseStatus.DECIDED)
    row.instruction, row.decided_at = instruction, now()
    row.decided_by_id = None if isinstance(actor, SystemActor) else actor.id
    case.updated_at = row.decided_at
    record_event(case, EventKind.DOCUMENT_DECIDED, actor, public=False, message=instruction)
    db.session.flush()
    return row


def distribute(case: Case, actor: Actor, lead: OrgUnit,
               assisting: Sequence[OrgUnit] = (), note: str = "") -> None:
    """分办: to the lead unit and any assisting units. Each assignment gets
    its deadlines as any other; the resolve deadline by the document's
    urgency (the kind's `resolve_limit`)."""
    require_dispatcher(actor)
    handling(case)
    if case.status is not CaseStatus.DECIDED:
        raise InvalidRequest("case", "a leader decides on the document before it is distributed")
    if any(unit.id == lead.id for unit in assisting):
        raise InvalidRequest("assisting", f"{lead.code} is already the lead unit")
    operations.dispatch_case(case, actor, lead, note.strip() or "distributed")
    for unit in assisting:
        collaboration.assign_assisting(case, actor, unit)


def remind(case: Case, actor: Actor, note: str = "") -> DocumentHandling:
    """催办: the office chases the lead unit; each reminder is counted, and the
    unit's staff are told as of any reminder (channels.notify)."""
    require_dispatcher(actor)
    row = handling(case)
    if case.status not in CHASED or case.lead_assignment is None:
        raise InvalidRequest("case", f"is {case.status.value}; only a document being handled "
                                     "is chased")
    row.reminders += 1
    row.last_reminded_at = now()
    record_event(case, EventKind.REMINDER, actor, public=False, message=note.strip() or None,
                 unit=case.lead_assignment.unit, data={"by": "office", "count": row.reminders})
    db.session.flush()
    return row


def close_document(case: Case, actor: Actor, result: str) -> DocumentHandling:
    """办结: the office closes the document with its result, after the lead's report."""
    require_dispatcher(actor)
    row = handling(case)
    result = _text("result", result, "write the result of the handling")
    if case.status is not CaseStatus.RESOLVED:
        raise InvalidRequest("case", "the lead unit reports its handling before it is closed")
    row.result = result
    operations.close(case, actor, result, own_step="close_document")
    return row


def circulate(case: Case, actor: Actor, readers: Sequence[User]) -> list[DocumentReader]:
    """传阅: name the readers; a reader already named is not named twice."""
    require_dispatcher(actor)
    handling(case)
    if not readers:
        raise InvalidRequest("readers", "name at least one reader")
    named = {r.user_id for r in readers_of(case)}
    added = [DocumentReader(case_id=case.id, user_id=u.id, user=u,
                            named_by_id=None if isinstance(actor, SystemActor) else actor.id,
                            named_at=now())
             for u in readers if u.id not in named and u.active]
    if not added:
        raise InvalidRequest("readers", "every one of them is already a reader")
    db.session.add_all(added)
    record_event(case, EventKind.DOCUMENT_CIRCULATED, actor, public=False,
                 data={"readers": [r.user.username for r in added]})
    db.session.flush()
    return added


def confirm_read(case: Case, actor: Actor) -> DocumentReader:
    """A named reader confirms having read the document."""
    mine = reader_row(case, actor)
    if mine is None:
        raise NotAllowed("only a named reader confirms reading this document")
    if mine.read_at is not None:
        raise InvalidRequest("reader", "has already confirmed reading it")
    mine.read_at = now()
    record_event(case, EventKind.DOCUMENT_READ, actor, public=False)
    db.session.flush()
    return mine


def readers_of(case: Case) -> list[DocumentReader]:
    return list(db.session.scalars(
        select(DocumentReader).where(DocumentReader.case_id == case.id)
        .order_by(DocumentReader.id)))


def reader_row(case: Case, actor: Actor) -> DocumentReader | None:
    if isinstance(actor, SystemActor):
        return None
    return db.session.scalar(select(DocumentReader).where(
        DocumentReader.case_id == case.id, DocumentReader.user_id == actor.id))
