"""An incoming document's own rows (办文): its handling record and its
circulation list. The registration fields (文号, issuing body, date
received, urgency, copies) stay in `Case.details` as `create_matter` keeps
them; the scanned document is a shared attachment of the case."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models.case import Case
from cases.models.users import User
from core.clock import now
from core.db import db
from core.types import UTCDateTime


class DocumentHandling(db.Model):
    """One document's steps beyond the shared case: the office's proposed
    handling (拟办), the leader's decision (批办), the office's reminders
    (催办, counted) and the closing result (办结)."""

    __tablename__ = "document_handlings"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), primary_key=True)
    urgency: Mapped[str] = mapped_column(sa.String(16))
    proposal: Mapped[str | None] = mapped_column(sa.Text)
    proposed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    instruction: Mapped[str | None] = mapped_column(sa.Text)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminders: Mapped[int] = mapped_column(default=0, server_default="0")
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship()
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class DocumentReader(db.Model):
    """传阅: a named reader of a document, and when they confirmed reading it."""

    __tablename__ = "document_readers"
    __table_args__ = (sa.UniqueConstraint("case_id", "user_id", name="uq_document_readers"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    named_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    named_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
