"""The link with the city's 12319 platform: which case a city case number
made, the city's deadline, and the status pushes owed to the city."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import now
from core.db import db
from core.types import UTCDateTime


class CityCase(db.Model):
    """One city case number, one case: the unique constraint is what keeps
    two concurrent posts of the same number from making two cases."""

    __tablename__ = "city_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_case_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    city_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class CityPush(db.Model):
    """A public change of a city case, owed to CITY_PUSH_URL until it answers 2xx."""

    __tablename__ = "city_pushes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), index=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("case_events.id"), unique=True)
    payload: Mapped[dict] = mapped_column(sa.JSON)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(sa.Text)


class CityReferral(db.Model):
    """A case referred up to the city (上报): our side of the city's request."""

    __tablename__ = "city_referrals"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id"), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    city_request_id: Mapped[str | None] = mapped_column(sa.String(64))
    city_token: Mapped[str | None] = mapped_column(sa.String(200))
    city_status: Mapped[str | None] = mapped_column(sa.String(32))
    city_status_notes: Mapped[str | None] = mapped_column(sa.Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    failed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
