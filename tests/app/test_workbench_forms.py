"""Every form on the case page keeps what was typed after an error: a refused
action answers with the case page again (422), the form filled in as sent and
unfolded, instead of a redirect to a blank one."""

from __future__ import annotations

import pytest

from cases.models import EventKind
from cases.states import CaseStatus
from core.db import db
from tests.html import parse
from tests.support import login


@pytest.fixture
def road_case(make_case, work):
    case = make_case(category_code="road-damage")
    work()
    return case


def typed(textarea) -> str:
    """What a textarea shows (a browser drops the newline right after the tag)."""
    return textarea.text().removeprefix("\r\n").removeprefix("\n")


def folded_form(response, action: str):
    """The form posting to `action`, and the <details> around it if any."""
    page = parse(response)
    form = next(f for f in page.find_all("form") if f.attrs.get("action", "").endswith(action))
    details = form.parent if form.parent.tag == "details" else None
    return form, details


def test_a_return_without_its_reason_keeps_the_note(client, road_case):
    login(client, "chengguan")
    tn = road_case.tracking_number
    response = client.post(f"/cases/{tn}/return", data={"return-note": "应由水务局处理"})
    assert response.status_code == 422
    form, details = folded_form(response, "/return")
    assert typed(form.find("textarea", name="return-note")) == "应由水务局处理"
    assert "open" in details.attrs  # unfolded, with the field's error beside it
    assert form.find("div", cls="has-error") is not None
    db.session.refresh(road_case)
    assert road_case.status is CaseStatus.DISPATCHED


def test_a_refused_merge_keeps_the_numbers_and_the_reason(client, road_case):
    login(client, "dispatcher")
    tn = road_case.tracking_number
    response = client.post(f"/cases/{tn}/merge", data={
        "merge-others": "0000000000", "merge-reason": "同一井盖，重复反映"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="flash error"' in html and "0000000000" in html
    form, _details = folded_form(response, "/merge")
    assert form.find("input", name="merge-others").attrs["value"] == "0000000000"
    assert typed(form.find("textarea", name="merge-reason")) == "同一井盖，重复反映"
    assert "open" in form.find("details").attrs  # here the <details> is inside the form


def test_a_supervisors_instruction_too_long_is_kept(client, road_case):
    login(client, "supervisor")
    text = "请尽快处理。" + "急" * 4000
    response = client.post(f"/supervision/cases/{road_case.tracking_number}/comment",
                           data={"comment-text": text})
    assert response.status_code == 422
    form, _details = folded_form(response, "/comment")
    assert typed(form.find("textarea", name="comment-text")) == text
    assert EventKind.SUPERVISION_COMMENT not in [e.kind for e in road_case.events]


def test_a_refused_referral_keeps_the_reason(client, road_case):
    login(client, "supervisor")  # the city link is not configured in the tests
    response = client.post(f"/city12319/cases/{road_case.tracking_number}/refer",
                           data={"reason": "涉及市管道路，区里无权处理"})
    assert response.status_code == 422
    form, details = folded_form(response, "/refer")
    assert typed(form.find("textarea", name="reason")) == "涉及市管道路，区里无权处理"
    assert "open" in details.attrs and 'class="flash error"' in response.get_data(as_text=True)


def test_a_refused_dispatch_keeps_the_note(client, make_case, work):
    case = make_case(category_code="unclassified")
    work()
    login(client, "dispatcher")
    response = client.post(f"/cases/{case.tracking_number}/dispatch",
                           data={"unit": "", "reason": "供水相关，请水务局处理"})
    assert response.status_code == 422
    form, _details = folded_form(response, "/dispatch")
    assert form.find("input", name="reason").attrs["value"] == "供水相关，请水务局处理"
