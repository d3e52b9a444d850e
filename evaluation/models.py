"""Evaluation tables: per-unit per-day rollups, duration histograms,
qualitative scores (定性考核) and the composite score's weights."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cases.models import Assignment, CaseEvent, OrgUnit
from core.clock import now
from core.db import db
from core.types import UTCDateTime

# The counters of one unit on one day; every measure is a ratio or a sum of these.
COUNTERS = (
    "received",  # assignments made to the unit
    "ack_due", "ack_met",  # acknowledge deadlines falling that day, and met
    "contact_due", "contact_met",  # contact (response) deadlines
    "resolve_due", "resolve_met",  # effective resolve deadlines (lead only)
    "resolved",  # lead assignments resolved that day
    "callbacks", "callbacks_solved",  # callbacks answered / answered "solved"
    "rated", "satisfied",  # callbacks rated / rated satisfied or basically satisfied
    "returned", "reopened", "extended",
    "escalated_1", "escalated_2", "escalated_3",
    "intake_answers",  # answered at intake, counted for the case's street/community
    "rejected",  # 不予受理, for the lead unit it was with and the case's street/community
)

# Evaluation reads events by time and assignments by their deadlines: a day's
# materialisation and today's live figures then touch only that day's rows.
sa.Index("ix_evaluation_case_events_at", CaseEvent.at)
sa.Index("ix_evaluation_assignments_acknowledge_due", Assignment.acknowledge_due)
sa.Index("ix_evaluation_assignments_contact_due", Assignment.contact_due)


class _Counters:
    """The counter columns, shared by the day and the month rollups."""

    received: Mapped[int] = mapped_column(default=0)
    ack_due: Mapped[int] = mapped_column(default=0)
    ack_met: Mapped[int] = mapped_column(default=0)
    contact_due: Mapped[int] = mapped_column(default=0)
    contact_met: Mapped[int] = mapped_column(default=0)
    resolve_due: Mapped[int] = mapped_column(default=0)
    resolve_met: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    callbacks: Mapped[int] = mapped_column(default=0)
    callbacks_solved: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    returned: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[int] = mapped_column(default=0)
    extended: Mapped[int] = mapped_column(default=0)
    escalated_1: Mapped[int] = mapped_column(default=0)
    escalated_2: Mapped[int] = mapped_column(default=0)
    escalated_3: Mapped[int] = mapped_column(default=0)
    intake_answers: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0, server_default="0")


class Rollup(_Counters, db.Model):
    """One unit's counters for one day (Asia/Shanghai), materialised by a job."""

    __tablename__ = "evaluation_rollups"
    __table_args__ = (sa.Index("ix_evaluation_rollups_day_unit", "day", "unit_id"),)

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)


class MonthRollup(_Counters, db.Model):
    """The sum of a unit's day rollups over a whole month, written once every
    day of the month is: a month's ranking reads one row per unit."""

    __tablename__ = "evaluation_month_rollups"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)  # its first day


class MonthDurationCount(db.Model):
    """A unit's duration buckets summed over a whole month."""

    __tablename__ = "evaluation_month_durations"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class MaterialisedMonth(db.Model):
    """A month whose month rollups are written (from its day rollups)."""

    __tablename__ = "evaluation_months"

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DurationCount(db.Model):
    """How many of one unit's durations of one kind fell in one bucket on one
    day: medians and 90th percentiles of any period come from summed buckets."""

    __tablename__ = "evaluation_durations"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # sign|contact|resolve
    bucket: Mapped[int] = mapped_column(primary_key=True)  # upper bound, minutes
    n: Mapped[int]


class MaterialisedDay(db.Model):
    """A day whose rollups are written; `dirty` asks for a rewrite (a merge)."""

    __tablename__ = "evaluation_days"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    materialised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dirty: Mapped[bool] = mapped_column(default=False, server_default=sa.false())


class QualitativeScore(db.Model):
    """定性考核: the evaluation office's score (0-100) of a unit for a month."""

    __tablename__ = "evaluation_qualitative_scores"
    __table_args__ = (
        sa.UniqueConstraint("unit_id", "month", name="uq_evaluation_qualitative_scores_unit_month"),
        sa.CheckConstraint("score >= 0 AND score <= 100", name="score_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("org_units.id"), index=True)
    month: Mapped[date] = mapped_column(sa.Date)  # the first day of the month
    score: Mapped[float] = mapped_column(sa.Float)
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)

    unit: Mapped[OrgUnit] = relationship()


class Weight(db.Model):
    """The composite score's weight of one measure, set by an administrator."""

    __tablename__ = "evaluation_weights"

    measure: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    weight: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)


class TodayCase(_Counters, db.Model):
    """One case's share of one unit's counters today, as of the watermark
    (evaluation/today.py): today's figures are the sum of these rows for the
    cases untouched since it, plus the touched cases computed live."""

    __tablename__ = "evaluation_today_cases"

    case_id: Mapped[int] = mapped_column(primary_key=True)  # no FK: rewritten every minute
    unit_id: Mapped[int] = mapped_column(primary_key=True)


class TodayDuration(db.Model):
    """One case's durations of one unit today, by bucket, as of the watermark."""

    __tablename__ = "evaluation_today_durations"

    case_id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int]


class TodayWatermark(db.Model):
    """How far today's rows go: every case event up to `event_id` and every
    deadline up to `at` of the day `day` (one row)."""

    __tablename__ = "evaluation_today"

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    event_id: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime)
