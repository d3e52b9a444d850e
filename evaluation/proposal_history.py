"""A month of motions and proposals for `flask evaluation generate-history`,
worked through the real operations on a moved clock: proposals registered
in a demo session with a 1-month reply limit, assigned (交办) to
departments (some with a joint unit), a few change requests decided by the
office, the joint units' opinions, the lead's communication with the
proposer and its graded reply (most in time, some late), the proposer's
feedback by the link (some not satisfied, then a second reply). The
proposals' measures then have something to show. The units' staff are the
evaluation history's inactive `history-<unit>` users."""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from itertools import count

import sqlalchemy as sa
from flask import current_app

from cases.models import OrgUnit, UnitKind
from cases.models.proposal import Proposal
from cases.models.users import Role, User
from cases.proposals import handling, links
from cases.proposals.registration import create_session, register_proposal, session_named
from core.clock import SHANGHAI, FrozenClock, now
from core.db import db
from evaluation.history import _staff

SESSION = "区十七届人大历史演示会议"
REPLY_MONTHS = 1  # short, so that a month of history has replies falling due
GRADES = ("A", "A", "B", "B", "C", "D")
FEEDBACK = ("satisfied", "satisfied", "basically_satisfied", "basically_satisfied",
            "not_satisfied")
TITLES = ("关于加强背街小巷环境整治的建议", "关于优化公交线路的建议",
          "关于增设社区养老服务点的提案", "关于治理夜间施工噪音的建议",
          "关于改善老旧小区排水设施的提案", "关于规范共享单车停放的建议")
TEXT = "代表反映群众意见，建议有关部门研究解决。"


def _office() -> User:
    user = db.session.scalar(sa.select(User).where(User.role == Role.DISPATCHER,
                                                   User.active.is_(True)).limit(1))
    if user is None:
        user = User(username="history-dispatcher", display_name="建议提案办", active=False,
                    role=Role.DISPATCHER, password_hash="!")
        db.session.add(user)
        db.session.flush()
    return user


class _Month:
    """Steps at their moments, run in time order on the frozen clock."""

    def __init__(self, rng: random.Random, clock: FrozenClock) -> None:
        self.rng, self.clock = rng, clock
        self.queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self.seq = count()
        self.office = _office()
        self.units = list(db.session.scalars(sa.select(OrgUnit).where(
            OrgUnit.kind == UnitKind.DEPARTMENT, OrgUnit.active.is_(True))
            .order_by(OrgUnit.code)))
        self.made = {"proposals": 0, "replies": 0, "feedback": 0, "changes": 0}

    def at(self, when: datetime, step: Callable[[], None]) -> None:
        heapq.heappush(self.queue, (when, next(self.seq), step))

    def run_until(self, until: datetime) -> None:
        while self.queue and self.queue[0][0] <= until:
            when, _, step = heapq.heappop(self.queue)
            self.clock.at = max(self.clock.at, when)
            step()
            db.session.commit()

    def later(self, days: float) -> datetime:
        return self.clock.at + timedelta(days=days, hours=self.rng.randint(0, 6))

    def new(self, session, number: int) -> None:
        p = register_proposal({
            "session": session.name, "number": number,
            "proposal_type": self.rng.choice(("npc_suggestion", "cppcc_proposal")),
            "title": self.rng.choice(TITLES), "description": TEXT,
            "proposer_name": f"代表{number}", "proposer_phone": f"1390001{number:04d}"},
            self.office)
        lead, *others = self.rng.sample(self.units, 2)
        joint = others if self.rng.random() < 0.4 else []
        handling.assign(p, self.office, lead, joint)
        self.made["proposals"] += 1
        if self.rng.random() < 0.1:  # not ours: another department takes it
            self.at(self.later(1), lambda: self.change(p))
            return
        self.plan(p)

    def change(self, p: Proposal) -> None:
        old = p.case.lead_assignment
        request = handling.request_change(p, _staff(old.unit), "该事项不属本单位职责。")
        new = self.rng.choice([u for u in self.units if u.id != old.unit_id])
        handling.decide_change(request, self.office, True, new, "改由职能部门主办。")
        self.made["changes"] += 1
        self.plan(p)

    def plan(self, p: Proposal) -> None:
        for a in p.case.assignments:
            if a.active and not a.is_lead:
                self.at(self.later(self.rng.uniform(2, 12)),
                        lambda u=a.unit: handling.send_opinion(p, _staff(u), "同意主办单位意见。"))
        lead = p.case.lead_assignment.unit
        late = self.rng.random() < 0.15  # some leads miss the 1-month limit
        reply_in = self.rng.uniform(31, 40) if late else self.rng.uniform(13, 28)
        self.at(self.later(reply_in - 3), lambda: handling.record_communication(
            p, _staff(lead), self.rng.choice(("face_to_face", "phone")), "与代表沟通了办理意见。"))
        self.at(self.later(reply_in), lambda: self.reply(p))

    def reply(self, p: Proposal) -> None:
        lead = p.case.lead_assignment.unit
        answer = handling.reply(p, _staff(lead), "经研究，已按建议落实相关措施。",
                                self.rng.choice(GRADES), publish=self.rng.random() < 0.7)
        self.made["replies"] += 1
        if answer.round == 1:
            self.at(self.later(self.rng.uniform(1, 5)), lambda: self.feedback(p))

    def feedback(self, p: Proposal) -> None:
        handling.feedback_by_link(links.token(p), self.rng.choice(FEEDBACK))
        self.made["feedback"] += 1
        if p.case.status.value != "closed":  # not satisfied: the second reply
            self.at(self.later(self.rng.uniform(3, 20)), lambda: self.reply(p))


def generate(days: int = 30, seed: int = 17) -> dict[str, int]:
    """`days` days of proposals registered from `days` + 30 days ago, worked
    until now, so that their replies (1 month) fall due in the last `days`
    days; returns what was made."""
    rng = random.Random(seed)
    real_clock = current_app.extensions.get("clock")
    end = now()
    start = datetime.combine(end.astimezone(SHANGHAI).date() - timedelta(days=days + 30),
                             time(9), SHANGHAI)
    clock = FrozenClock(start)
    current_app.extensions["clock"] = clock
    try:
        month = _Month(rng, clock)
        session = session_named(SESSION) or create_session(SESSION, REPLY_MONTHS, month.office)
        number = db.session.scalar(sa.select(sa.func.max(Proposal.number)).where(
            Proposal.session_id == session.id)) or 0
        for i in range(days):
            day = start + timedelta(days=i)
            if day.weekday() >= 5 or len(month.units) < 2:
                continue
            for _ in range(rng.choice((0, 1, 1, 2))):
                when = day + timedelta(minutes=rng.randint(0, 8 * 60))
                month.run_until(when)
                clock.at = max(clock.at, when)
                number += 1
                month.new(session, number)
                db.session.commit()
        month.run_until(end)
        clock.at = end
        db.session.commit()
        return month.made
    finally:
        current_app.extensions["clock"] = real_clock
