"""Which case events tell whom, on which channel.

Citizens hear on the channel they came by: SMS for phone and SMS cases and
whenever a phone number was given, email for email cases, the page (/track)
for everyone. The email channel sends its own acknowledgement
(channels/email/acknowledge.py) and the SMS webhook replies with the
tracking number, so email and SMS cases get no second receipt here. Staff
hear of new assignments, reminders and escalations by email or SMS when
they chose one (StaffPreference); the workbench shows them anyway. That is
every kind's: a supervision item's milestone reminders and red-light
escalations and the office's chasing of a document are REMINDER and
ESCALATED events on the lead unit like a petition's timers, and reach its
staff by the same path (notify_staff_of_timers).

Each message is an outbox row in the transaction of the event that caused
it; the unique (case, event, recipient, channel) makes a second run a no-op.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import format_datetime as babel_datetime
from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from cases import signals
from cases.kind_registry import kind_label
from cases.models import Assignment, Case, CaseEvent, EventKind, OrgUnit
from cases.models.users import Role, User
from cases.recipients import citizen_addresses
from cases.rejection import REJECT_REASON_LABELS, RejectReason
from channels.notify import templates
from channels.notify.links import case_link
from channels.notify.models import StaffChannel, StaffPreference
from channels.notify.settings import quiet_until
from channels.outbox.jobs import put
from channels.outbox.models import OutboxMessage
from core.clock import local, now
from core.db import db
from core.queues import job
from escalation.limits import current_calendar
from escalation.supervision_items import end_of

log = logging.getLogger(__name__)

# Event kind -> message key, for citizens.
CITIZEN_KEYS = {
    EventKind.RECEIVED: "received",
    EventKind.DISPATCHED: "dispatched",
    EventKind.EXTENSION_APPROVED: "extended",
    EventKind.RESOLVED: "resolved",
    EventKind.CALLBACK_REQUESTED: "survey",
    EventKind.MERGED: "merged",  # on the duplicate: its citizen hears the surviving number
    EventKind.REJECTED: "rejected",  # 不予受理: the reason and the explanation
    EventKind.REJECTION_REVERSED: "rejection_reversed",
}
RECEIPT = "receipt"  # the purpose of "received": the one SMS quiet hours let through
STAFF_PREFIX = "staff:"


def connect() -> None:
    signals.event_recorded.connect(_on_event)
    signals.assignment_made.connect(_on_assignment)


def _purpose(key: str) -> str:
    return RECEIPT if key == "received" else key


def _when(dt: datetime | None, locale: str) -> str:
    if dt is None:
        return ""
    with force_locale(locale):
        return babel_datetime(local(dt), "yyyy-MM-dd HH:mm")


def _unit(event: CaseEvent) -> OrgUnit | None:
    if event.actor_unit_id is None:
        return None
    return db.session.get(OrgUnit, event.actor_unit_id)


def _base() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def _reason(event: CaseEvent, locale: str) -> str:
    """The rejection's reason, in the citizen's words of that language."""
    try:
        reason = RejectReason((event.data or {}).get("reason"))
    except ValueError:
        return ""
    with force_locale(locale):
        return str(REJECT_REASON_LABELS[reason])


def _citizen_values(case: Case, event: CaseEvent, key: str):
    unit = _unit(event)
    if unit is None and case.lead_assignment is not None:
        unit = case.lead_assignment.unit
    link = case_link(case.id, case.tracking_number)
    due = None
    if key == "extended" and event.data.get("resolve_due"):
        due = datetime.fromisoformat(event.data["resolve_due"])

    def values(locale: str) -> dict[str, object]:
        return {
            "number": case.tracking_number,
            "category": case.category.name(locale) if case.category else "",
            "unit": unit.name(locale) if unit else "",
            "reply": event.message or "" if key == "resolved" else "",
            "due": _when(due, locale),
            "track_url": f"{_base()}/track",
            "link": link,
            "into": event.data.get("into", "") if key == "merged" else "",
            "reason": _reason(event, locale) if key == "rejected" else "",
            "explanation": event.message or "" if key == "rejected" else "",
        }

    return values


def _on_event(event: CaseEvent) -> None:
    key = CITIZEN_KEYS.get(event.kind)
    if key is None:
        return
    case = event.case
    # The survey asks the case's own citizen (its reply is matched to one phone).
    for channel, recipient in citizen_addresses(case, parties=key != "survey"):
        if key == "received" and channel == case.channel:
            # The channel answered already: the email acknowledgement, or the
            # SMS webhook's reply naming the tracking number. No second receipt.
            continue
        queue(case, event, key, channel, recipient, _citizen_values(case, event, key))


def queue(case: Case, event: CaseEvent, key: str, channel: str, recipient: str,
          values, *, purpose: str | None = None) -> OutboxMessage:
    """One outbox row for this message; SMS outside the receipt waits for
    the end of quiet hours."""
    subject, body = templates.render(key, channel, values)
    purpose = purpose or _purpose(key)
    hold = None
    if channel == "sms" and purpose != RECEIPT:
        hold = quiet_until(now())
    return put(OutboxMessage(case=case, event=event, channel=channel, purpose=purpose,
                             recipient=recipient, subject=subject, body=body),
               hold_until=hold)


# -- staff -------------------------------------------------------------------

def staff_preferences(unit_id: int | None, *,
                      supervisors: bool = False) -> list[StaffPreference]:
    """The chosen channels of the unit's active staff (and the supervisors)."""
    query = (select(StaffPreference).join(User, User.id == StaffPreference.user_id)
             .where(User.active.is_(True), StaffPreference.channel != StaffChannel.NONE))
    if supervisors:
        query = query.where((User.unit_id == unit_id) | User.role.in_([Role.SUPERVISOR]))
    else:
        query = query.where(User.unit_id == unit_id)
    return [p for p in db.session.scalars(query) if p.address]


def _staff_values(case: Case, unit: OrgUnit | None, due: datetime | None, level: int = 0):
    url = f"{_base()}/cases/{case.tracking_number}"

    def values(locale: str) -> dict[str, object]:
        with force_locale(locale):  # a supervision item is not a citizen's case: say which
            kind = kind_label(case.kind)
        return {"number": case.tracking_number, "kind": kind,
                "unit": unit.name(locale) if unit else "",
                "category": case.category.name(locale) if case.category else "",
                "due": _when(due, locale), "level": level, "case_url": url}

    return values


def _on_assignment(assignment: Assignment) -> None:
    """New assignment: after the deadlines are set (escalation connects first)."""
    prefs = staff_preferences(assignment.unit_id)
    if not prefs:
        return
    case = assignment.case
    event = next((e for e in reversed(case.events) if e.kind is EventKind.DISPATCHED), None)
    if event is None:
        return
    values = _staff_values(case, assignment.unit, assignment.acknowledge_due)
    for pref in prefs:
        queue(case, event, "assigned", pref.channel.value, pref.address, values,
              purpose=STAFF_PREFIX + "assigned")


def _due(event: CaseEvent) -> datetime | None:
    """The deadline a reminder or an escalation is about: a timer's deadline;
    a supervision item's milestone (its day's close of work); otherwise (the
    office chasing a document) the lead's resolve deadline."""
    data = event.data or {}
    if data.get("deadline_at"):
        return datetime.fromisoformat(data["deadline_at"])
    if data.get("due_on"):
        return end_of(date.fromisoformat(data["due_on"]), current_calendar())
    lead = event.case.lead_assignment
    return lead.resolve_due if lead is not None else None


@job("notify")
def notify_staff_of_timers(window_hours: int = 24) -> int:
    """Reminders and escalations are written in bulk by the escalation sweep,
    not through the operations, so they are picked up here: every such event
    of the last day without its staff messages gets them. Runs every minute;
    the unique outbox row makes a second run (or a second worker) harmless."""
    if not db.session.scalar(select(exists().where(
            StaffPreference.channel != StaffChannel.NONE))):
        return 0
    since = now() - timedelta(hours=window_hours)
    done = exists().where(OutboxMessage.event_id == CaseEvent.id,
                          OutboxMessage.purpose.startswith(STAFF_PREFIX))
    events = db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind.in_([EventKind.REMINDER, EventKind.ESCALATED]),
                                CaseEvent.at >= since, ~done).order_by(CaseEvent.id)
    ).all()
    count = 0
    for event in events:
        key = "reminder" if event.kind is EventKind.REMINDER else "escalated"
        level = int(event.data.get("level") or 0)
        values = _staff_values(event.case, _unit(event), _due(event), level)
        for pref in staff_preferences(event.actor_unit_id, supervisors=level >= 2):
            try:
                with db.session.begin_nested():
                    queue(event.case, event, key, pref.channel.value, pref.address, values,
                          purpose=STAFF_PREFIX + key)
                count += 1
            except IntegrityError:  # another run queued it first
                log.info("staff message for event %s to %s already queued", event.id,
                         pref.address)
    db.session.commit()
    return count
