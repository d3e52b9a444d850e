"""The supervisor's actions on the case page, through the HTTP client: each
writes its event and changes the case; bad input is explained, never a 500."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cases import operations
from cases.models import CaseEvent, EventKind, Priority
from cases.states import CaseStatus
from core.db import db
from escalation import operations as supervision
from escalation.models import Extension, ExtensionStatus
from tests.app.supervision.helpers import at, reload, user
from tests.support import login


def events(case, kind: EventKind) -> list[CaseEvent]:
    return list(db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.kind == kind)
    ))


def post(client, case, action: str, **data):
    response = client.post(f"/supervision/cases/{case.tracking_number}/{action}", data=data)
    assert response.status_code == 302, response.status_code
    assert response.location.startswith(f"/cases/{case.tracking_number}")
    return client.get(response.location).get_data(as_text=True)


def refused(client, case, action: str, **data) -> str:
    """A refused action: the case page again (422), with what was typed."""
    response = client.post(f"/supervision/cases/{case.tracking_number}/{action}", data=data)
    assert response.status_code == 422, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def sup(client):
    login(client, "supervisor")
    return client


@pytest.fixture
def extension(road_case, clock) -> Extension:
    """The unit signed for the case and asks to resolve it by 2026-12-31."""
    staff = user("chengguan")
    clock.at = at(11, 26, 11, 0)
    operations.acknowledge(road_case, staff)
    operations.record_contact(road_case, staff)
    request = supervision.request_extension(
        road_case, staff, at(12, 31, 17, 30), "需协调燃气公司迁改管线"
    )
    db.session.commit()
    return request


def test_the_case_page_shows_the_panel_to_supervisors_only(client, road_case):
    tn = road_case.tracking_number
    login(client, "supervisor")
    page = client.get(f"/cases/{tn}").get_data(as_text=True)
    assert 'id="supervision"' in page
    assert 'name="comment-text"' in page and 'name="transfer-unit"' in page
    assert 'name="priority-priority"' in page and 'name="supervise-reason"' in page
    assert 'id="pending-extension"' not in page
    client.post("/logout")
    login(client, "chengguan")
    page = client.get(f"/cases/{tn}").get_data(as_text=True)
    assert 'id="supervision"' not in page


def test_a_comment_is_an_event_the_unit_sees(sup, road_case, logs):
    page = post(sup, road_case, "comment", **{"comment-text": "请今天内联系市民并反馈"})
    assert 'class="flash success"' in page
    [event] = events(road_case, EventKind.SUPERVISION_COMMENT)
    assert event.message == "请今天内联系市民并反馈" and not event.public
    assert event.actor_label == user("supervisor").display_name
    assert f"comment on case {road_case.tracking_number} by supervisor" in logs.text
    sup.post("/logout")
    login(sup, "chengguan")
    assert "请今天内联系市民并反馈" in sup.get(f"/cases/{road_case.tracking_number}").get_data(
        as_text=True
    )


def test_an_empty_comment_is_refused_with_the_fields_name(sup, road_case):
    page = refused(sup, road_case, "comment", **{"comment-text": "   "})
    assert 'class="flash error"' in page and 'id="supervision"' in page
    assert events(road_case, EventKind.SUPERVISION_COMMENT) == []


def test_a_transfer_moves_the_lead_and_the_new_unit_sees_it(sup, road_case, client):
    tn = road_case.tracking_number
    page = post(sup, road_case, "transfer",
                **{"transfer-unit": "environment", "transfer-reason": "实为油烟污染问题"})
    assert 'class="flash success"' in page
    case = reload(road_case)
    assert case.lead_assignment.unit.code == "environment"
    assert case.status is CaseStatus.DISPATCHED
    [moved] = events(case, EventKind.TRANSFERRED)
    assert moved.data == {"from": "city-management", "to": "environment"}
    assert moved.message == "实为油烟污染问题"
    assert case.lead_assignment.resolve_due is not None  # new deadlines for the new unit
    client.post("/logout")
    login(client, "huanbao")
    assert tn in client.get("/workbench").get_data(as_text=True)
    client.post("/logout")
    login(client, "chengguan")
    assert tn not in client.get("/workbench").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        {"transfer-unit": "no-such-unit", "transfer-reason": "理由"},
        {"transfer-unit": "", "transfer-reason": "理由"},
        {"transfer-unit": "environment", "transfer-reason": ""},
        {"transfer-unit": "city-management", "transfer-reason": "原单位"},  # already there
    ],
)
def test_a_bad_transfer_is_explained_and_changes_nothing(sup, road_case, data):
    page = refused(sup, road_case, "transfer", **data)
    assert 'class="flash error"' in page
    if data["transfer-reason"]:  # what the supervisor wrote is still in the form
        assert f'value="{data["transfer-reason"]}"' in page
    case = reload(road_case)
    assert case.lead_assignment.unit.code == "city-management"
    assert events(case, EventKind.TRANSFERRED) == []


def test_approving_an_extension_moves_the_resolve_deadline(sup, road_case, extension):
    page = sup.get(f"/cases/{road_case.tracking_number}").get_data(as_text=True)
    assert 'id="pending-extension"' in page and "需协调燃气公司迁改管线" in page
    page = post(sup, road_case, f"extensions/{extension.id}",
                **{"decision-decision": "approve", "decision-note": "同意，注意告知市民"})
    assert 'class="flash success"' in page and 'id="pending-extension"' not in page
    case = reload(road_case)
    assert case.lead_assignment.resolve_due == at(12, 31, 17, 30)
    decided = db.session.get(Extension, extension.id)
    assert decided.status is ExtensionStatus.APPROVED
    assert decided.decision_note == "同意，注意告知市民"
    [event] = events(case, EventKind.EXTENSION_APPROVED)
    assert event.public and "2026-12-31 17:30" in event.message


def test_refusing_an_extension_leaves_the_deadline(sup, road_case, extension):
    before = road_case.lead_assignment.resolve_due
    post(sup, road_case, f"extensions/{extension.id}",
         **{"decision-decision": "refuse", "decision-note": "理由不充分"})
    case = reload(road_case)
    assert case.lead_assignment.resolve_due == before
    assert db.session.get(Extension, extension.id).status is ExtensionStatus.REFUSED
    [event] = events(case, EventKind.EXTENSION_REFUSED)
    assert event.message == "理由不充分" and not event.public


def test_a_decision_twice_or_unknown_is_explained(sup, road_case, extension):
    post(sup, road_case, f"extensions/{extension.id}", **{"decision-decision": "approve"})
    page = refused(sup, road_case, f"extensions/{extension.id}",
                   **{"decision-decision": "refuse", "decision-note": "再议"})
    assert 'class="flash error"' in page
    assert db.session.get(Extension, extension.id).status is ExtensionStatus.APPROVED
    page = refused(sup, road_case, f"extensions/{extension.id}", **{"decision-decision": "maybe"})
    assert 'class="flash error"' in page


def test_an_extension_of_another_case_is_not_found(sup, road_case, extension, make_case):
    other = make_case()
    response = sup.post(f"/supervision/cases/{other.tracking_number}/extensions/{extension.id}",
                        data={"decision-decision": "approve"})
    assert response.status_code == 404
    response = sup.post(f"/supervision/cases/{road_case.tracking_number}/extensions/999999",
                        data={"decision-decision": "approve"})
    assert response.status_code == 404
    assert sup.post("/supervision/cases/0000000000/comment",
                    data={"comment-text": "x"}).status_code == 404


def test_mark_as_formally_supervised(sup, road_case):
    page = post(sup, road_case, "supervise", **{"supervise-reason": "群众反映强烈"})
    assert 'class="flash success"' in page
    assert 'name="supervise-reason"' not in page  # done: the action is gone
    case = reload(road_case)
    assert case.supervised
    [event] = events(case, EventKind.SUPERVISED)
    assert event.message == "群众反映强烈"
    page = refused(sup, road_case, "supervise")  # twice: explained, once only
    assert 'class="flash error"' in page
    assert len(events(case, EventKind.SUPERVISED)) == 1


def test_raise_the_priority(sup, road_case):
    page = post(sup, road_case, "priority", **{"priority-priority": "urgent"})
    assert 'class="flash success"' in page
    case = reload(road_case)
    assert case.priority is Priority.URGENT
    [event] = events(case, EventKind.PRIORITY_RAISED)
    assert event.data == {"from": "normal", "to": "urgent"}
    page = post(sup, road_case, "priority", **{"priority-priority": "normal"})  # lower
    assert 'class="flash error"' in page
    page = post(sup, road_case, "priority", **{"priority-priority": "top"})  # no such
    assert 'class="flash error"' in page
    assert reload(road_case).priority is Priority.URGENT
    assert len(events(road_case, EventKind.PRIORITY_RAISED)) == 1


def test_actions_on_a_resolved_case_are_explained(sup, road_case):
    staff = user("chengguan")
    operations.acknowledge(road_case, staff)
    operations.resolve(road_case, staff, "已修复")
    db.session.commit()
    page = sup.get(f"/cases/{road_case.tracking_number}").get_data(as_text=True)
    assert 'name="transfer-unit"' not in page and 'name="supervise-reason"' not in page
    page = refused(sup, road_case, "supervise")
    assert 'class="flash error"' in page
    page = refused(sup, road_case, "transfer",
                   **{"transfer-unit": "environment", "transfer-reason": "理由"})
    assert 'class="flash error"' in page
    assert reload(road_case).status is CaseStatus.RESOLVED


SUPERVISOR_ACTIONS = (
    ("comment", {"comment-text": "越权"}),
    ("transfer", {"transfer-unit": "environment", "transfer-reason": "越权"}),
    ("supervise", {}),
    ("priority", {"priority-priority": "urgent"}),
)


@pytest.mark.parametrize(
    ("username", "action", "data"),
    [
        (username, action, data)
        for username in ("chengguan", "huangpu-head", "dispatcher", "operator")
        for action, data in SUPERVISOR_ACTIONS
        # A dispatcher transfers too (转办): tests/app/test_workbench_collab.py.
        if (action, username) != ("transfer", "dispatcher")
    ],
)
def test_others_may_not_act(client, road_case, username, action, data):
    login(client, username)
    response = client.post(f"/supervision/cases/{road_case.tracking_number}/{action}", data=data)
    assert response.status_code == 403
    case = reload(road_case)
    assert not case.supervised and case.priority is Priority.NORMAL
    assert case.lead_assignment.unit.code == "city-management"
    assert events(case, EventKind.SUPERVISION_COMMENT) == []


def test_the_unit_may_not_decide_its_own_extension(client, road_case, extension):
    login(client, "chengguan")
    response = client.post(
        f"/supervision/cases/{road_case.tracking_number}/extensions/{extension.id}",
        data={"decision-decision": "approve"},
    )
    assert response.status_code == 403
    assert db.session.get(Extension, extension.id).status is ExtensionStatus.PENDING
