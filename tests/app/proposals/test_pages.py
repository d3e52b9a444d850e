"""The proposal pages refuse bad input with the reason, the public page
lists only published replies, and the feedback link works once and only
for its own proposal."""

from __future__ import annotations

import base64
import json

import pytest

from cases.models.proposal import Proposal
from cases.proposals import handling, links
from cases.proposals.registration import create_session, register_proposal
from cases.states import CaseStatus
from core.db import db
from tests.cases.test_proposals import FIELDS, SESSION, unit, user
from tests.support import login


@pytest.fixture
def session(clock):
    made = create_session(SESSION, 3, user("dispatcher"))
    db.session.commit()
    return made


def _replied(number: int, publish: bool, text: str) -> Proposal:
    made = register_proposal({**FIELDS, "number": number, "title": f"建议{number}"},
                             user("dispatcher"))
    handling.assign(made, user("dispatcher"), unit("city-management"))
    handling.record_communication(made, user("chengguan"), "phone", "电话沟通。")
    handling.reply(made, user("chengguan"), text, "B", publish=publish)
    db.session.commit()
    return made


def test_the_registration_form_names_what_is_wrong(client, session):
    login(client, "dispatcher")
    page = client.post("/proposals/new", data={
        "session": SESSION, "number": "0", "proposal_type": "npc_suggestion", "title": "",
        "description": "内容", "proposer_name": "王代表", "proposer_email": "not-an-email"})
    text = page.get_data(as_text=True)
    assert page.status_code == 422
    assert text.count('class="error" role="alert"') == 3  # the number, the title, the email
    assert "请输入电子邮箱地址。" in text  # the pages speak Chinese by default
    assert db.session.query(Proposal).count() == 0
    register_proposal(FIELDS, user("dispatcher"))
    db.session.commit()
    again = client.post("/proposals/new", data={
        "session": SESSION, "number": str(FIELDS["number"]), "proposal_type": "npc_suggestion",
        "title": "重复编号", "description": "内容", "proposer_name": "王代表"})
    assert again.status_code == 422 and "number" in again.get_data(as_text=True)
    assert db.session.query(Proposal).count() == 1


def test_a_reply_without_communication_or_grade_is_refused_with_the_reason(client, session):
    made = register_proposal(FIELDS, user("dispatcher"))
    handling.assign(made, user("dispatcher"), unit("city-management"))
    db.session.commit()
    login(client, "chengguan")
    no_grade = client.post(f"/proposals/{made.id}/reply", data={"reply-reply": "已办理。"})
    assert no_grade.status_code == 422
    before = client.post(f"/proposals/{made.id}/reply",
                         data={"reply-reply": "已办理。", "reply-grade": "A"})
    assert before.status_code == 422 and "面商/沟通" in before.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, made.id).case.status is not CaseStatus.RESOLVED
    talk = client.post(f"/proposals/{made.id}/communication",
                       data={"talk-mode": "letter", "talk-note": ""})
    assert talk.status_code == 422


def test_the_public_page_lists_only_published_replies(client, session):
    _replied(1, True, "公开的答复：已增设站点。")
    _replied(2, False, "不公开的答复：内部情况。")
    page = client.get(f"/proposals/public/{session.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "公开的答复" in text and "不公开的答复" not in text
    assert FIELDS["proposer_phone"] not in text and FIELDS["proposer_email"] not in text
    assert client.get("/proposals/public/987654").status_code == 404


def _other_proposals_token(token: str, other_id: int) -> str:
    """The same signature over a payload naming another proposal."""
    payload, signature = token.rsplit(".", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps([other_id, data[1]]).encode()).rstrip(b"=")
    return forged.decode() + "." + signature


def test_the_feedback_link_works_once_and_only_for_its_proposal(client, session):
    first, other = _replied(1, False, "答复一。"), _replied(2, False, "答复二。")
    token = links.token(first)
    forged = client.post(f"/proposals/feedback/{_other_proposals_token(token, other.id)}",
                         data={"feedback": "not_satisfied"})
    assert forged.status_code == 404 and 'id="link-refused"' in forged.get_data(as_text=True)
    shown = client.get(f"/proposals/feedback/{token}")
    assert shown.status_code == 200 and "答复一。" in shown.get_data(as_text=True)
    assert client.post(f"/proposals/feedback/{token}", data={}).status_code == 422
    used = client.post(f"/proposals/feedback/{token}", data={"feedback": "satisfied"})
    assert used.status_code == 200 and 'id="feedback-thanks"' in used.get_data(as_text=True)
    twice = client.post(f"/proposals/feedback/{token}", data={"feedback": "not_satisfied"})
    assert twice.status_code == 404 and 'id="link-refused"' in twice.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Proposal, first.id).case.status is CaseStatus.CLOSED
    assert db.session.get(Proposal, other.id).case.status is CaseStatus.RESOLVED
    # the other proposal's own link still works
    assert client.get(f"/proposals/feedback/{links.token(other)}").status_code == 200
