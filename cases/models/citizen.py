"""The citizen: one row per phone number (E.164) or, without one, per email."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.db import db
from core.types import UTCDateTime


class Citizen(db.Model):
    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str | None] = mapped_column(sa.String(100))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


# Staff search by the last digits of a phone (cases/search.py): on PostgreSQL
# they are a prefix of the reversed number, which this index finds.
PHONE_REVERSED = sa.func.reverse(Citizen.phone)
sa.Index("ix_citizens_phone_reversed", PHONE_REVERSED.label("phone_reversed"),
         postgresql_ops={"phone_reversed": "text_pattern_ops"})
