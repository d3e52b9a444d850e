"""The case event log: append-only, one row per thing that happened."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.case import Case
from cases.models.org import OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class EventKind(enum.StrEnum):
    RECEIVED = "received"
    DISPATCHED = "dispatched"
    UNROUTED = "unrouted"
    ACKNOWLEDGED = "acknowledged"
    PROGRESS = "progress"  # a public progress update
    NOTE = "note"  # an internal note, never shown to the citizen
    RESOLVED = "resolved"
    CLOSED = "closed"
    CONTACTED = "contacted"  # the unit reached the citizen (the response)
    PAUSED = "paused"  # waiting for the citizen to supply information (待补充)
    RESUMED = "resumed"
    REMINDER = "reminder"  # 催办
    ESCALATED = "escalated"  # a level of escalation was reached
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    SUPERVISION_COMMENT = "supervision_comment"  # 督办意见, for the unit
    SUPERVISED = "supervised"  # 挂牌督办
    PRIORITY_RAISED = "priority_raised"
    TRANSFERRED = "transferred"  # 转办
    CITIZEN_MESSAGE = "citizen_message"  # the citizen wrote about the case (a reply by email)
    # Resolved on the spot by the operator (a consultation): no unit involved.
    ANSWERED_AT_INTAKE = "answered_at_intake"
    RETURNED = "returned"  # 退单: a unit gave the case back to the dispatcher
    REOPENED = "reopened"  # 重办: the citizen was not satisfied; the work is redone
    MERGED = "merged"  # this case was joined into another
    # 回访: data {"solved": "solved|partly|not_solved",
    #            "satisfaction": "satisfied|basically_satisfied|dissatisfied"}
    CALLBACK_ANSWERED = "callback_answered"
    CALLBACK_REQUESTED = "callback_requested"  # 回访: the survey question went out
    # 协办: an assisting unit was added (data {"unit_id", "unit", "by": rule|dispatcher|lead}),
    # replied to the lead, or was released by a supervisor so the lead may resolve.
    ASSIST_REQUESTED = "assist_requested"
    ASSIST_REPLIED = "assist_replied"
    ASSIST_WAIVED = "assist_waived"
    # An administrator changed the working-day calendar and it moved deadlines
    # (staff only): data {"deadlines": {kind: {"from", "to"}}, "days": [...]}.
    DEADLINE_RECALCULATED = "deadline_recalculated"
    # 不予受理: public, the message is the explanation the citizen reads; data
    # {"reason", "from", "unit_id" (the lead unit it was with), "street_id",
    # "community_id"} (cases/rejection.py).
    REJECTED = "rejected"
    REJECTION_REVERSED = "rejection_reversed"  # a supervisor took the rejection back
    # An incoming document's steps (cases/documents.py): the office's proposed
    # handling (拟办), the leader's decision with its instruction (批办), the
    # readers named for circulation (传阅) and a reader's confirmation. Its
    # reminders (催办) are REMINDER events with data {"by": "office"}.
    DOCUMENT_PROPOSED = "document_proposed"
    DOCUMENT_DECIDED = "document_decided"
    DOCUMENT_CIRCULATED = "document_circulated"
    DOCUMENT_READ = "document_read"


class ActorKind(enum.StrEnum):
    SYSTEM = "system"
    CITIZEN = "citizen"
    STAFF = "staff"
    CLIENT = "client"  # an API client such as an Open311 key holder


# Who acted, as the timeline shows it: a staff member by name (actor_label),
# the others by what they are; a client also by its name.
ACTOR_KIND_LABELS = {
    ActorKind.SYSTEM: _l("System"),
    ActorKind.CITIZEN: _l("Citizen"),
    ActorKind.STAFF: _l("Staff"),
    ActorKind.CLIENT: _l("API client"),
}


class CaseEvent(db.Model):
    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    public: Mapped[bool] = mapped_column(default=False)
    actor_kind: Mapped[ActorKind] = mapped_column(enum_type(ActorKind))
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The unit the actor acted for: the citizen sees the unit, never a name.
    actor_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("org_units.id"))
    actor_label: Mapped[str | None] = mapped_column(sa.String(100))
    message: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")
    actor_unit: Mapped[OrgUnit | None] = relationship()
    actor_user = relationship("User")


@sa.event.listens_for(CaseEvent, "before_update")
@sa.event.listens_for(CaseEvent, "before_delete")
def _refuse_change(mapper, connection, target: CaseEvent) -> None:
    raise RuntimeError(f"case events are append-only; refused to change event {target.id}")
