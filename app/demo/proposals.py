"""The demo district's motions and proposals (`flask demo load`): one
session with a few proposals at each step, worked through the real
operations by the demo users: one waiting for its 交办, one with its lead
and joint unit, one replied and waiting for the proposer's feedback, one
closed with a published reply. Idempotent: a number already in the session
is skipped."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from cases.models import OrgUnit
from cases.models.proposal import Proposal
from cases.models.users import User
from cases.proposals import handling
from cases.proposals.registration import create_session, register_proposal, session_named
from core.db import db

SESSION = "区十七届人大五次会议"


def _user(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def _unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def _assigned(lead: str, *joint: str) -> Callable[[Proposal], None]:
    def step(p: Proposal) -> None:
        handling.assign(p, _user("dispatcher"), _unit(lead), [_unit(j) for j in joint])
    return step


def _replied(lead: str, staff: str, text: str, grade: str,
             feedback: str | None = None) -> Callable[[Proposal], None]:
    def step(p: Proposal) -> None:
        _assigned(lead)(p)
        handling.record_communication(p, _user(staff), "face_to_face",
                                      "与代表当面商谈了办理方案和时间安排。")
        handling.reply(p, _user(staff), text, grade, publish=True)
        if feedback:
            handling.give_feedback(p, _user("dispatcher"), feedback)
    return step


PROPOSALS = (
    (1, "npc_suggestion", "关于在港湾路增设人行横道的建议",
     "港湾路学校门口车流量大，学生过马路不安全。", "陈代表", None),
    (2, "npc_suggestion", "关于整治东苑小区周边占道经营的建议",
     "东苑小区周边早市占道严重，影响通行和卫生。", "林代表",
     _assigned("city-management", "environment")),
    (3, "cppcc_proposal", "关于改善老旧小区供水水压的提案",
     "部分老旧小区高峰期水压不足，高层住户用水困难。", "黄委员",
     _replied("water", "shuiwu", "已完成二次供水设施改造，高峰期水压已恢复正常。", "A")),
    (4, "motion", "关于增加社区学位供给的议案", "辖区新建住宅入住率上升，社区学位紧张。",
     "张代表", _replied("education", "jiaoyu",
                       "已将新建小学列入明年建设计划，近期通过挖潜增加学位。",
                       "C", "basically_satisfied")),
)


def load_demo_proposals() -> dict[str, int]:
    """The demo session and its proposals; returns how many were added."""
    office = _user("dispatcher")
    session = session_named(SESSION) or create_session(SESSION, 3, office)
    added = 0
    for number, kind, title, text, proposer, step in PROPOSALS:
        if db.session.scalar(select(Proposal.id).where(Proposal.session_id == session.id,
                                                        Proposal.number == number)):
            continue
        made = register_proposal({
            "session": SESSION, "number": number, "proposal_type": kind, "title": title,
            "description": text, "proposer_name": proposer, "proposer_group": "黄埔街道代表团",
            "proposer_phone": f"1390000000{number}"}, office,
            signers=[{"name": "李代表", "group": "文冲街道代表团"}])
        if step is not None:
            step(made)
        added += 1
    db.session.commit()
    return {"proposals": added}
