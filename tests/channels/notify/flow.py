"""Helpers shared by the notification, survey, callback and portal tests:
a case taken through dispatch and resolution, and what the outbox holds."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from cases import operations
from cases.models import Case, CaseEvent, EventKind, OrgUnit
from cases.models.users import User
from channels.outbox.models import OutboxMessage
from core.clock import SHANGHAI
from core.db import db

PHONE = "13800138000"
E164 = "+8613800138000"
REPLY = "已于今日更换破损地砖，感谢您的反映。"


def at(m: int, d: int, hh: int = 0, mm: int = 0, y: int = 2026) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)


def user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def unit_name(code: str) -> str:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code)).name("zh_CN")


def reload(case: Case) -> Case:
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Case, case.id)


def outbox(case: Case | None = None, **where) -> list[OutboxMessage]:
    db.session.commit()
    db.session.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if case is not None:
        query = query.where(OutboxMessage.case_id == case.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.session.scalars(query))


def purposes(case: Case, channel: str = "sms") -> list[str]:
    return [m.purpose for m in outbox(case, channel=channel)]


def events(case: Case, kind: EventKind) -> list[CaseEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.kind == kind).order_by(CaseEvent.id)))


def dispatched(make_case, work, **fields) -> Case:
    case = make_case(**fields)
    work()
    return reload(case)


def resolved(make_case, work, reply: str = REPLY, **fields) -> Case:
    case = dispatched(make_case, work, **fields)
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    operations.resolve(case, chengguan, reply)
    db.session.commit()
    return reload(case)
