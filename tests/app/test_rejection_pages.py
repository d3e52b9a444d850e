"""Reject (不予受理) through the pages: the operator's console, the
dispatcher's case page and queue, the supervisor's reversal; a form sent back
with an error keeps what was typed; the citizen reads it on /track; the
evaluation counts it apart."""

from __future__ import annotations

from datetime import date

import pytest

from cases import operations, rejection
from cases.models import EventKind
from cases.states import CaseStatus
from core.db import db
from evaluation.rollups import period_facts
from tests.channels.notify.flow import events, outbox, reload, user
from tests.html import parse
from tests.support import login

EXPLANATION = "您反映的邻里噪音纠纷属民事纠纷，建议先由居委会调解，或向法院起诉。"
PHONE = "13800138000"


@pytest.fixture
def dispatched(make_case, work, clock):
    case = make_case(phone=PHONE)
    work()
    return reload(case)


def reject_form(page, where: str = "reject"):
    return parse(page).find(id=where)


def post_reject(client, path: str, **fields):
    data = {f"reject-{k}": v for k, v in fields.items()}
    return client.post(path, data=data)


def flashes(response, kind: str) -> list[str]:
    return [n.text() for n in parse(response).find_all(cls="flash") if kind in n.classes]


def track(client, case):
    return parse(client.post("/track", data={"tracking_number": case.tracking_number,
                                             "phone_last4": PHONE[-4:]}))


def test_the_operator_rejects_at_the_console_and_the_citizen_reads_why(
        client, dispatched, work):
    login(client, "operator")
    path = f"/console/cases/{dispatched.tracking_number}"
    form = reject_form(client.get(path))
    reasons = [o.attrs["value"] for o in form.find("select").find_all("option")]
    assert reasons == ["", "court", "private_dispute", "not_government", "abusive", "other"]

    # No reason chosen: the form comes back with the explanation as typed.
    answer = post_reject(client, f"{path}/reject", reason="", explanation=EXPLANATION)
    assert answer.status_code == 422
    again = reject_form(answer)
    assert again.find("textarea").text().strip() == EXPLANATION
    assert again.find(cls="has-error") is not None
    assert reload(dispatched).status is CaseStatus.DISPATCHED

    answer = post_reject(client, f"{path}/reject", reason="private_dispute",
                         explanation=EXPLANATION)
    assert answer.status_code == 302
    page = client.get(path)
    assert flashes(page, "success")
    assert parse(page).find(id="rejection-explanation").text() == EXPLANATION
    assert reject_form(page) is None  # nothing left to reject
    case = reload(dispatched)
    assert case.status is CaseStatus.REJECTED
    [event] = events(case, EventKind.REJECTED)
    assert event.actor_user_id == user("operator").id
    work()
    assert len(outbox(case, purpose="rejected")) == 1

    public = track(client, case)
    assert "status-rejected" in public.find(id="status").classes
    assert public.find(id="status").text().strip() == "不予受理"
    assert public.find(id="rejection-reason").text() == "民事纠纷"
    assert public.find(id="rejection-explanation").text() == EXPLANATION
    entry = public.find(id="timeline").find_all("li")[-1]
    assert "event-rejected" in entry.classes and EXPLANATION in entry.text()


def test_the_dispatcher_rejects_on_the_case_page(client, dispatched):
    login(client, "dispatcher")
    path = f"/cases/{dispatched.tracking_number}"
    assert reject_form(client.get(path)) is not None
    answer = post_reject(client, f"{path}/reject", reason="court", explanation="  ")
    assert answer.status_code == 422  # no explanation: said beside the field
    assert reject_form(answer).find(cls="has-error") is not None
    answer = post_reject(client, f"{path}/reject", reason="court", explanation=EXPLANATION)
    assert answer.status_code == 302 and answer.location.endswith(path)
    page = parse(client.get(path))
    assert page.find(id="rejection-reason").text() == "已进入诉讼或仲裁程序"
    assert page.find(id="reject") is None
    assert reload(dispatched).status is CaseStatus.REJECTED


def test_the_dispatcher_rejects_from_the_queue(client, make_case, work):
    case = make_case(category_code="unclassified", address_text=None, location_optional=True,
                     description="邻居家小孩太吵。", phone=PHONE)
    work()
    login(client, "dispatcher")
    queue = parse(client.get("/dispatch"))
    row = queue.find(id=f"queue-{case.tracking_number}")
    assert row.find("form", cls="reject-form") is not None
    answer = client.post(f"/cases/{case.tracking_number}/reject",
                         data={"reject-reason": "private_dispute",
                               "reject-explanation": EXPLANATION, "back": "queue"})
    assert answer.status_code == 302 and answer.location.endswith("/dispatch")
    assert parse(client.get("/dispatch")).find(id=f"queue-{case.tracking_number}") is None
    assert reload(case).status is CaseStatus.REJECTED


def test_a_case_signed_for_offers_no_reject_and_refuses_one(client, dispatched):
    staff = "huangpu-staff" if dispatched.lead_assignment.unit.code == "huangpu-street" \
        else "chengguan"
    operations.acknowledge(dispatched, user(staff))
    db.session.commit()
    login(client, "dispatcher")
    path = f"/cases/{dispatched.tracking_number}"
    assert reject_form(client.get(path)) is None
    answer = post_reject(client, f"{path}/reject", reason="court", explanation=EXPLANATION)
    assert answer.status_code == 409
    form = reject_form(answer)
    assert form.find("textarea").text().strip() == EXPLANATION  # kept, with the reason why not
    assert "签收" in form.find(cls="has-error").text()
    assert reload(dispatched).status is CaseStatus.ACKNOWLEDGED


def test_the_supervisor_reverses_it_and_the_citizen_is_told(client, dispatched, work):
    rejection.reject(dispatched, user("dispatcher"), "not_government", EXPLANATION)
    db.session.commit()
    login(client, "dispatcher")
    path = f"/cases/{dispatched.tracking_number}"
    assert parse(client.get(path)).find(id="reverse-rejection") is None  # not a supervisor
    client.post("/logout")
    login(client, "supervisor")
    panel = parse(client.get(path)).find(id="reverse-rejection")
    assert panel is not None
    answer = client.post(f"/supervision{path}/reverse-rejection", data={"reverse-reason": ""})
    assert answer.status_code == 422
    answer = client.post(f"/supervision{path}/reverse-rejection",
                         data={"reverse-reason": "经核实属于城管职责，予以受理。"})
    assert answer.status_code == 302
    case = reload(dispatched)
    assert case.status is CaseStatus.UNROUTED
    work()
    assert len(outbox(case, purpose="rejection_reversed")) == 1
    public = track(client, case)
    assert public.find(id="rejection") is None
    assert "event-rejection_reversed" in public.find(id="timeline").find_all("li")[-1].classes
    queue = parse(client.get("/dispatch"))
    assert queue.find(id=f"queue-{case.tracking_number}") is not None


def test_the_evaluation_counts_rejections_apart(client, dispatched, clock, work):
    """The rejection counts for the unit and the street and community; the
    unit's deadlines on the case count in no rate, even once passed."""
    lead = dispatched.lead_assignment
    clock.advance(days=3)  # the unit let its sign and contact deadlines pass
    rejection.reject(reload(dispatched), user("dispatcher"), "court", EXPLANATION)
    db.session.commit()
    today = clock.at.date()
    facts = period_facts(date(2026, 11, 1), today)
    unit = facts[lead.unit_id].counters
    assert unit["rejected"] == 1 and unit["received"] == 1
    assert unit["ack_due"] == 0 and unit["contact_due"] == 0  # not judged late
    case = reload(dispatched)
    for place in {case.street_id, case.community_id} - {None, lead.unit_id}:
        assert facts[place].counters["rejected"] == 1
