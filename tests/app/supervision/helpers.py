"""Helpers of the supervisor desk tests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cases.models import Case
from cases.models.users import User
from core.clock import SHANGHAI
from core.db import db


def at(m, d, hh=0, mm=0, y=2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def reload(case: Case) -> Case:
    """The case as committed now: end this session's transaction (a snapshot
    on SQLite and PostgreSQL) and read it again."""
    db.session.commit()
    return db.session.get(Case, case.id)
