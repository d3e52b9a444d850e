"""Administrators' wording of the messages, and staff members' choice of
channel for their own notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.clock import now
from core.db import db
from core.types import UTCDateTime, enum_type


class NotificationTemplate(db.Model):
    """An administrator's wording for one message, channel and language; the
    default from the message catalogue applies wherever there is no row."""

    __tablename__ = "notification_templates"
    __table_args__ = (
        sa.UniqueConstraint("key", "channel", "locale", name="uq_notification_templates_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32))  # "received", "resolved", ...
    channel: Mapped[str] = mapped_column(sa.String(16))  # "sms" or "email"
    locale: Mapped[str] = mapped_column(sa.String(8))  # "zh_CN" or "en"
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class StaffChannel(enum.StrEnum):
    NONE = "none"
    EMAIL = "email"
    SMS = "sms"


class StaffPreference(db.Model):
    """How one staff member wants to hear of new assignments, reminders and
    escalations (the workbench shows them either way)."""

    __tablename__ = "staff_notify_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    channel: Mapped[StaffChannel] = mapped_column(
        enum_type(StaffChannel), default=StaffChannel.NONE
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))  # E.164
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    user = relationship("User")

    @property
    def address(self) -> str | None:
        if self.channel is StaffChannel.EMAIL:
            return self.email
        if self.channel is StaffChannel.SMS:
            return self.phone
        return None
