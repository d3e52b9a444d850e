"""The administration audit log: who changed which setting, when, and the
values before and after. Case work has its own log (case events); this one
records changes to the things that decide how cases flow: units, users,
categories, rules, the address directory, time limits, keys."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.users import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class AuditAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"  # also deactivation where rows are kept
    IMPORT = "import"  # a CSV import: one row per file, with the counts
    ISSUE = "issue"  # a key or token was issued
    REVOKE = "revoke"


class AdminAuditEvent(db.Model):
    __tablename__ = "admin_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=now, index=True)
    # None for the CLI, where no staff user signs in; actor_label then says who.
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(sa.String(100))
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction))
    target_type: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_id: Mapped[str] = mapped_column(sa.String(64), default="")
    summary: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)

    actor: Mapped[User | None] = relationship()

    def changed(self) -> list[tuple[str, Any, Any]]:
        """(field, before, after) for the fields whose value differs."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def _plain(value: Any) -> Any:
    """A JSON-safe copy: enums by value, times in ISO 8601, models by id."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(v) for v in value]
    if isinstance(value, db.Model):
        return getattr(value, "code", None) or getattr(value, "id", None)
    return value


def snapshot(obj: Any, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The named attributes of `obj`, JSON-safe, for `before` and `after`."""
    return {name: _plain(getattr(obj, name)) for name in fields}


def record(actor: User | str, action: AuditAction, target_type: str, target_id: object = "",
           *, summary: str = "", before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> AdminAuditEvent:
    """Append one audit row in the caller's transaction (it commits with the change).

    `actor` is the signed-in administrator, or a label such as "cli:import-users"
    for changes made from the command line.
    """
    if not target_type:
        raise ValueError("an audit row needs a target_type")
    if isinstance(actor, str):
        if not actor:
            raise ValueError("an audit row needs an actor: a user or a label")
        user, label = None, actor
    else:
        user, label = actor, actor.username
    event = AdminAuditEvent(
        at=now(), actor=user, actor_label=label[:100], action=action,
        target_type=target_type, target_id=str(target_id)[:64], summary=summary[:300],
        before=before, after=after,
    )
    db.session.add(event)
    return event


def record_change(actor: User | str, target_type: str, target_id: object,
                  before: dict[str, Any], after: dict[str, Any], *,
                  summary: str = "") -> AdminAuditEvent | None:
    """The row for an edit: none when nothing changed, DELETE when it switched
    a kept row off (`active` true → false), UPDATE otherwise."""
    if after == before:
        return None
    switched_off = before.get("active") is True and after.get("active") is False
    action = AuditAction.DELETE if switched_off else AuditAction.UPDATE
    return record(actor, action, target_type, target_id, summary=summary,
                  before=before, after=after)
