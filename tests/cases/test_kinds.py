"""Kinds of matter: each kind's declaration, its own table of moves, and
creating a matter of a kind through the one operation."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from cases import kinds, operations
from cases.errors import IllegalTransition, InvalidRequest, NotAllowed
from cases.kind_registry import OwnStep
from cases.matters import create_matter
from cases.models import Case, EventKind, OrgUnit
from cases.models.users import User
from cases.states import CaseStatus, check_transition
from core.db import db

S = CaseStatus


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


SUPERVISION = {"title": "推进某某项目落地", "description": "跟踪签约至投产",
               "source": "investment_project", "deadline": "2027-06-30"}
PROPOSAL = {"session": "区十七届人大五次会议", "number": 12, "proposal_type": "npc_suggestion",
            "title": "关于增设公交线路的建议", "description": "建议增设……",
            "proposer_name": "王代表", "proposer_group": "黄埔街道代表团"}
DOCUMENT = {"title": "关于做好冬季安全生产工作的通知", "document_number": "市府办〔2026〕18号",
            "issuing_body": "市政府办公厅", "received_on": "2026-12-01", "urgency": "express"}


@pytest.mark.nodb
def test_the_four_kinds_are_declared_and_only_petitions_face_citizens():
    assert list(kinds.KINDS) == ["petition", "supervision", "proposal", "document"]
    assert kinds.citizen_facing_kinds() == ("petition",)
    assert kinds.get("document").limits["urgency:express"].working_days == 3
    assert kinds.get("proposal").limits["reply"].months == 3
    with pytest.raises(InvalidRequest) as refused:
        kinds.get("memo")
    assert refused.value.field == "kind"


@pytest.mark.nodb
def test_each_kind_is_checked_against_its_own_table():
    check_transition(S.REGISTERED, S.PROPOSED, kind="document")
    check_transition(S.RESOLVED, S.ACKNOWLEDGED, kind="supervision")  # sent back
    for kind, current, target in [
        ("petition", S.REGISTERED, S.DISPATCHED),  # a petition is never registered
        ("supervision", S.REGISTERED, S.PROPOSED),
        ("document", S.REGISTERED, S.DISPATCHED),  # a leader decides first
        ("document", S.ACKNOWLEDGED, S.AWAITING_INFO),  # no citizen to wait for
        ("proposal", S.RECEIVED, S.DISPATCHED),
    ]:
        with pytest.raises(IllegalTransition):
            check_transition(current, target, kind=kind)
    with pytest.raises(IllegalTransition):  # the petition's special moves are its own
        check_transition(S.RESOLVED, S.DISPATCHED, move="redo", kind="supervision")


def test_a_supervision_item_is_numbered_per_year_and_registered(clock):
    first = create_matter("supervision", SUPERVISION, user("supervisor"))
    second = create_matter("supervision", SUPERVISION, user("supervisor"))
    year = clock.now().year
    assert first.tracking_number == f"督〔{year}〕1号"
    assert second.tracking_number == f"督〔{year}〕2号"
    assert first.kind == "supervision" and first.status is S.REGISTERED
    assert first.channel == "internal" and first.citizen is None and first.category is None
    assert first.title == "推进某某项目落地"
    assert first.details == {"source": "investment_project", "deadline": "2027-06-30"}
    assert [e.kind for e in first.events] == [EventKind.RECEIVED]
    assert create_matter("document", DOCUMENT, user("dispatcher")).tracking_number \
        == f"收〔{year}〕1号"
    clock.advance(days=366)
    assert create_matter("supervision", SUPERVISION, user("supervisor")).tracking_number \
        == f"督〔{year + 1}〕1号"


def test_a_proposal_is_numbered_within_its_session():
    created = create_matter("proposal", PROPOSAL, user("dispatcher"))
    assert created.tracking_number == "区十七届人大五次会议第12号"
    assert created.details["proposer_name"] == "王代表"
    with pytest.raises(InvalidRequest) as refused:
        create_matter("proposal", PROPOSAL, user("dispatcher"))
    assert refused.value.field == "number"
    other_session = create_matter("proposal", {**PROPOSAL, "session": "区政协十四届五次会议"},
                                  user("dispatcher"))
    assert other_session.tracking_number == "区政协十四届五次会议第12号"


@pytest.mark.parametrize(("kind", "fields", "field"), [
    ("supervision", {k: v for k, v in SUPERVISION.items() if k != "deadline"}, "deadline"),
    ("supervision", {**SUPERVISION, "deadline": "next june"}, "deadline"),
    ("supervision", {**SUPERVISION, "source": "rumour"}, "source"),
    ("supervision", {**SUPERVISION, "colour": "red"}, "colour"),
    ("proposal", {**PROPOSAL, "number": "twelve"}, "number"),
    ("proposal", {**PROPOSAL, "proposer_name": "  "}, "proposer_name"),
    ("document", {**DOCUMENT, "security_level": "秘密"}, "security_level"),
    ("petition", {}, "kind"),
    ("memo", {}, "kind"),
])
def test_a_missing_or_wrong_field_is_refused_by_name(kind, fields, field):
    with pytest.raises(InvalidRequest) as refused:
        create_matter(kind, fields, user("admin"))
    assert refused.value.field == field
    assert db.session.scalar(select(Case.id).where(Case.kind != "petition")) is None


def test_only_the_declared_roles_create_a_kind():
    with pytest.raises(NotAllowed):
        create_matter("supervision", SUPERVISION, user("dispatcher"))
    with pytest.raises(NotAllowed):
        create_matter("document", DOCUMENT, user("chengguan"))


def test_a_supervision_item_is_worked_through_the_shared_operations():
    item = create_matter("supervision", SUPERVISION, user("supervisor"))
    operations.dispatch_case(item, user("supervisor"), unit("city-management"), "交办")
    staff = user("chengguan")
    operations.acknowledge(item, staff)
    with pytest.raises(IllegalTransition):  # no citizen to wait for
        operations.request_information(item, staff, "请补充材料")
    # Completion and closing are its own steps (Kind.own_steps), which keep
    # its rules; the shared operations refuse them.
    with pytest.raises(OwnStep):
        operations.resolve(item, staff, "已完成签约")
    with pytest.raises(OwnStep):
        operations.close(item, user("supervisor"), "核查属实，销号")
    assert item.status is S.ACKNOWLEDGED


def test_numbers_are_unique_when_items_are_created_at_once(app, clock):
    """Four creations in four threads, each in its own transaction: four
    different numbers (the year's counter row serialises them)."""
    barrier = threading.Barrier(4)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def create() -> None:
        with app.app_context():
            try:
                barrier.wait()
                item = create_matter("supervision", SUPERVISION, user("supervisor"))
                numbers.append(item.tracking_number)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    year = clock.now().year
    assert sorted(numbers) == [f"督〔{year}〕{n}号" for n in (1, 2, 3, 4)]
