"""Cases, assignments and events as JSON (times in ISO 8601 with offset, UTC)."""

from __future__ import annotations

from datetime import datetime

from cases.models import Assignment, Case, CaseEvent, OrgUnit
from core.db import db


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def assignment_json(a: Assignment) -> dict:
    return {
        "unit": a.unit.code, "unit_name": a.unit.name_zh, "role": a.role.value,
        "status": a.status.value, "active": a.active,
        "assigned_at": iso(a.assigned_at), "acknowledged_at": iso(a.acknowledged_at),
        "contacted_at": iso(a.contacted_at), "resolved_at": iso(a.resolved_at),
        "reply": a.reply,
        "deadlines": {"acknowledge": iso(a.acknowledge_due), "contact": iso(a.contact_due),
                      "resolve": iso(a.resolve_due)},
        "escalation_level": a.escalation_level,
        "returned_at": iso(a.returned_at),
        "return_reason": a.return_reason.value if a.return_reason else None,
        "return_note": a.return_note,
    }


def event_json(e: CaseEvent, units: dict[int, str]) -> dict:
    return {
        "id": e.id, "at": iso(e.at), "kind": e.kind.value, "public": e.public,
        "actor": e.actor_label, "actor_kind": e.actor_kind.value,
        "unit": units.get(e.actor_unit_id) if e.actor_unit_id else None,
        "message": e.message, "data": e.data or {},
    }


def case_summary(case: Case) -> dict:
    lead = case.lead_assignment
    return {
        "tracking_number": case.tracking_number, "kind": case.kind,
        "status": case.status.value,
        "priority": case.priority.value, "channel": case.channel,
        # A matter of a kind other than petition may have no category.
        "category": case.category.code if case.category else None,
        "category_name": case.category.name_zh if case.category else None,
        "title": case.title, "details": case.details or {},
        "description": case.description, "address": case.address_text,
        "supervised": case.supervised,
        "created_at": iso(case.created_at), "updated_at": iso(case.updated_at),
        "resolved_at": iso(case.resolved_at),
        "lead_unit": lead.unit.code if lead else None,
        "resolve_due": iso(lead.resolve_due) if lead else None,
    }


def case_json(case: Case) -> dict:
    """The whole case as the workbench's case page shows it."""
    units = {a.unit_id: a.unit.code for a in case.assignments}
    for e in case.events:
        if e.actor_unit_id and e.actor_unit_id not in units:
            unit = db.session.get(OrgUnit, e.actor_unit_id)
            units[e.actor_unit_id] = unit.code if unit else None
    citizen = case.citizen
    return {
        **case_summary(case),
        "contact": {"name": case.contact_name or (citizen.name if citizen else None),
                    "phone": citizen.phone if citizen else None},
        "dispatched_at": iso(case.dispatched_at), "closed_at": iso(case.closed_at),
        "paused_at": iso(case.paused_at),
        "assignments": [assignment_json(a) for a in case.assignments],
        "events": [event_json(e, units) for e in case.events],
    }
