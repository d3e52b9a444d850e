"""POST /api/v1/cases/<n>/reject and /reverse-rejection: the same operation
as the pages, for the district's roles, with the documented errors."""

from __future__ import annotations

import pytest

from cases.models import EventKind
from cases.states import CaseStatus
from tests.channels.notify.flow import events, outbox, reload

EXPLANATION = "该事项已由法院受理，依法不属于信访受理范围。"


@pytest.fixture
def dispatched(make_case, work, clock):
    case = make_case()
    work()
    return reload(case)


def test_a_dispatcher_rejects_and_a_supervisor_reverses(api, dispatched, work):
    n = dispatched.tracking_number
    response = api("dispatcher").post(f"/cases/{n}/reject",
                                      {"reason": "court", "explanation": EXPLANATION})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["case"]
    assert body["status"] == "rejected"
    assert not any(a["active"] for a in body["assignments"])
    [event] = [e for e in body["events"] if e["kind"] == "rejected"]
    assert event["public"] and event["message"] == EXPLANATION
    assert event["data"]["reason"] == "court"
    work()
    assert len(outbox(dispatched, purpose="rejected")) == 1

    again = api("dispatcher").post(f"/cases/{n}/reject",
                                   {"reason": "court", "explanation": EXPLANATION})
    assert again.status_code == 409 and again.get_json()["error"] == "illegal_transition"
    assert api("dispatcher").post(f"/cases/{n}/reverse-rejection",
                                  {"reason": "复核"}).status_code == 403
    response = api("supervisor").post(f"/cases/{n}/reverse-rejection",
                                      {"reason": "经复核予以受理。"})
    assert response.status_code == 200
    assert response.get_json()["case"]["status"] == "unrouted"
    assert len(events(dispatched, EventKind.REJECTION_REVERSED)) == 1
    again = api("admin").post(f"/cases/{n}/reverse-rejection", {"reason": "再次"})
    assert again.status_code == 409 and again.get_json()["field"] == "case"


def test_bad_bodies_get_the_documented_errors(api, dispatched):
    n = dispatched.tracking_number
    dispatcher = api("dispatcher")
    for body, field in (({"reason": "boring", "explanation": EXPLANATION}, "reason"),
                        ({"reason": "court"}, "explanation"),
                        ({"reason": "court", "explanation": " "}, "explanation"),
                        ({"reason": "court", "explanation": "长" * 2001}, "explanation"),
                        ({"explanation": EXPLANATION}, "reason")):
        response = dispatcher.post(f"/cases/{n}/reject", body)
        assert response.status_code == 400, body
        assert response.get_json()["field"] == field
    assert api("supervisor").post(f"/cases/{n}/reverse-rejection", {}).status_code == 400
    assert reload(dispatched).status is CaseStatus.DISPATCHED


def test_unit_staff_and_strangers_may_not(api, dispatched):
    n = dispatched.tracking_number
    body = {"reason": "court", "explanation": EXPLANATION}
    unit = "huangpu-staff" if dispatched.lead_assignment.unit.code == "huangpu-street" \
        else "chengguan"
    assert api(unit).post(f"/cases/{n}/reject", body).status_code == 403
    assert api(None).post(f"/cases/{n}/reject", body).status_code == 401
    assert api("dispatcher").post("/cases/0000000000/reject", body).status_code == 404
    assert reload(dispatched).status is CaseStatus.DISPATCHED
