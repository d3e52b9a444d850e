"""A small history builder: real operations on a frozen clock, and the events
that other issues write (returns, redo, merges, callbacks, answers at intake)
recorded as those issues record them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from cases import events, intake, kinds, operations, rejection
from cases.actors import CITIZEN, SYSTEM
from cases.models import Case, Category, EventKind, OrgUnit
from cases.models.users import Role, User
from core.clock import SHANGHAI, FrozenClock
from core.db import db
from escalation import operations as supervision


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A Shanghai wall-clock time, as aware UTC."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI).astimezone(UTC)


class History:
    def __init__(self, app) -> None:
        self.clock = FrozenClock(at(date(2026, 11, 2), 9))
        app.extensions["clock"] = self.clock
        self._users: dict[str, User] = {}

    def now(self, when: datetime) -> None:
        self.clock.at = when

    def unit(self, code: str) -> OrgUnit:
        return db.session.scalar(sa.select(OrgUnit).where(OrgUnit.code == code))

    def staff(self, code: str) -> User:
        if code not in self._users:
            unit = self.unit(code)
            user = User(username=f"eval-{code}", display_name=code, role=Role.UNIT_STAFF,
                        unit=unit, password_hash="x")
            db.session.add(user)
            db.session.flush()
            self._users[code] = user
        return self._users[code]

    def supervisor(self) -> User:
        return db.session.scalar(sa.select(User).where(User.username == "supervisor"))

    def case(self, unit_code: str, when: datetime, *, ack_h=4, contact_h=24, resolve_h=72,
             category: str = "road-damage", street: str | None = None) -> Case:
        """A case received and dispatched at `when`, with deadlines `*_h` hours later."""
        self.now(when)
        cat = db.session.scalar(sa.select(Category).where(Category.code == category))
        case = intake.receive_case(actor=CITIZEN, channel="web", category=cat,
                                   description="测试", phone="+8613800138000")
        if street:
            case.street_id = self.unit(street).id
        self.dispatch(case, unit_code, when, ack_h=ack_h, contact_h=contact_h,
                      resolve_h=resolve_h)
        return case

    def dispatch(self, case: Case, unit_code: str, when: datetime, *, ack_h=4, contact_h=24,
                 resolve_h=72):
        self.now(when)
        a = operations.dispatch_case(case, SYSTEM, self.unit(unit_code), "test")
        a.acknowledge_due = when + timedelta(hours=ack_h)
        a.contact_due = when + timedelta(hours=contact_h)
        a.resolve_due = when + timedelta(hours=resolve_h)
        db.session.flush()
        return a

    def ack(self, case: Case, unit_code: str, when: datetime) -> None:
        self.now(when)
        operations.acknowledge(case, self.staff(unit_code))

    def contact(self, case: Case, unit_code: str, when: datetime) -> None:
        self.now(when)
        operations.record_contact(case, self.staff(unit_code))

    def resolve(self, case: Case, unit_code: str, when: datetime) -> None:
        """The lead's report; a matter of a kind that reports by its own step
        (a bare supervision item of the fixture line) is resolved as that step."""
        self.now(when)
        step = kinds.get(case.kind or kinds.PETITION).own_steps.get("resolve")
        operations.resolve(case, self.staff(unit_code), "已处理", own_step=step)

    def extend(self, case: Case, unit_code: str, asked: datetime, decided: datetime,
               new_due: datetime, approve: bool = True) -> None:
        self.now(asked)
        ext = supervision.request_extension(case, self.staff(unit_code), new_due, "需要更多时间")
        self.now(decided)
        supervision.decide_extension(ext, self.supervisor(), approve)

    def return_case(self, case: Case, unit_code: str, when: datetime) -> None:
        """退单 as the collaboration issue records it: the unit's assignment ends."""
        self.now(when)
        lead = case.lead_assignment
        lead.active = False
        events.record_event(case, EventKind.RETURNED, self.staff(unit_code), public=False,
                            message="非本单位职责", unit=lead.unit,
                            data={"unit_id": lead.unit_id})
        case.status = case.status.__class__.UNROUTED
        db.session.flush()

    def callback(self, case: Case, when: datetime, solved: str | None,
                 satisfaction: str | None) -> None:
        self.now(when)
        data = {k: v for k, v in (("solved", solved), ("satisfaction", satisfaction)) if v}
        events.record_event(case, EventKind.CALLBACK_ANSWERED, SYSTEM, public=False,
                            data=data)
        db.session.flush()

    def reopen(self, case: Case, when: datetime) -> None:
        self.now(when)
        events.record_event(case, EventKind.REOPENED, SYSTEM, public=False)
        db.session.flush()

    def merge(self, case: Case, into: Case, when: datetime) -> None:
        self.now(when)
        events.record_event(case, EventKind.MERGED, SYSTEM, public=False,
                            data={"into": into.tracking_number})
        db.session.flush()

    def reject(self, case: Case, when: datetime, reason: str = "private_dispute") -> None:
        """不予受理 by the real operation (a supervisor)."""
        self.now(when)
        rejection.reject(case, self.supervisor(), reason, "属民事纠纷，不予受理。")

    def reverse(self, case: Case, unit_code: str, when: datetime) -> None:
        """The rejection taken back, and the case dispatched again from the queue."""
        self.now(when)
        rejection.reverse_rejection(case, self.supervisor(), "经复核予以受理。")
        self.dispatch(case, unit_code, when)

    def escalate(self, case: Case, unit_code: str, level: int, when: datetime) -> None:
        self.now(when)
        events.record_event(case, EventKind.ESCALATED, SYSTEM, public=False,
                            unit=self.unit(unit_code), data={"level": level})
        db.session.flush()

    def answered_at_intake(self, street: str, community: str, when: datetime) -> Case:
        self.now(when)
        cat = db.session.scalar(sa.select(Category).where(Category.code == "road-damage"))
        case = intake.receive_case(actor=CITIZEN, channel="phone-95100", category=cat,
                                   description="咨询", phone="+8613800138001")
        case.street_id, case.community_id = self.unit(street).id, self.unit(community).id
        events.record_event(case, EventKind.ANSWERED_AT_INTAKE, SYSTEM, public=True)
        db.session.flush()
        return case


@pytest.fixture
def history(app):
    return History(app)
