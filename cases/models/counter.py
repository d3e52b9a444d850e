"""Counters for the numbers a kind gives its matters (督〔2026〕N号), one row
per kind and scope (a year); cases/kinds/numbering.py increments them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from core.db import db


class MatterCounter(db.Model):
    __tablename__ = "matter_counters"

    kind: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
