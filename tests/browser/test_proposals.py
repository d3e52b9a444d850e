"""A proposal in a real browser (issue 17, "Done when"): the office assigns
it to a lead and a joint unit, the joint unit's opinion arrives, the lead
records the communication and replies with grade A, the proposer rates it
"not satisfied" through the link sent to them, and the second reply closes
it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from cases.models import User
from cases.models.proposal import Proposal
from cases.proposals.registration import create_session, register_proposal
from channels.outbox.models import OutboxMessage
from core.db import db
from tests.browser.steps import sign_in, succeeded

SESSION = "区十七届人大九次会议"


@pytest.fixture
def proposal(shared_clock):
    office = db.session.scalar(select(User).where(User.username == "dispatcher"))
    create_session(SESSION, 3, office)
    made = register_proposal({
        "session": SESSION, "number": 3, "proposal_type": "npc_suggestion",
        "title": "关于增设公交线路的建议", "description": "建议增设至港湾路的公交线路。",
        "proposer_name": "王代表", "proposer_phone": "13900139000"}, office)
    db.session.commit()
    return made


def open_proposal(page: Page, username: str, proposal_id: int) -> None:
    sign_in(page, username)
    page.goto(f"/proposals/{proposal_id}")


def test_assigned_answered_rated_not_satisfied_and_closed_by_the_second_reply(
        page, new_context, proposal):
    pid = proposal.id
    open_proposal(page, "dispatcher", pid)
    page.locator("#assign-lead").select_option("city-management")
    page.locator("#assign-joint").select_option(["environment"])
    page.locator("#assign-form button").click()
    succeeded(page)
    expect(page.locator("#assignments tr[data-unit='environment']")).to_be_visible()

    joint = new_context().new_page()
    open_proposal(joint, "huanbao", pid)
    joint.locator("#opinion-opinion").fill("同意增设，配合做好站点环评。")
    joint.locator("#opinion-form button").click()
    succeeded(joint)

    lead = new_context().new_page()
    open_proposal(lead, "chengguan", pid)
    expect(lead.locator("#assignments tr[data-unit='environment'] .opinion")).to_have_text(
        "同意增设，配合做好站点环评。")
    # a reply before the communication is refused, with the reason
    lead.locator("#reply-reply").fill("已开通新线路。")
    lead.locator("input[name='reply-grade'][value='A']").check()
    lead.locator("#reply-form button").click()
    expect(lead.locator(".flash.error")).to_contain_text("面商/沟通")
    lead.locator("input[name='talk-mode'][value='phone']").check()
    lead.locator("#talk-note").fill("电话沟通了线路走向和站点。")
    lead.locator("#communication-form button").click()
    succeeded(lead)
    lead.locator("#reply-reply").fill("已开通新线路。")
    lead.locator("input[name='reply-grade'][value='A']").check()
    lead.locator("#reply-form button").click()
    succeeded(lead)
    expect(lead.locator("#reply-1 .grade")).to_contain_text("A")

    db.session.commit()  # a fresh read of what the served app wrote
    sms = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.case_id == proposal.case_id, OutboxMessage.channel == "sms"))
    link = re.search(r"(/proposals/feedback/\S+)", sms.body).group(1)
    proposer = new_context().new_page()
    proposer.goto(link)
    expect(proposer.locator("#reply-text")).to_have_text("已开通新线路。")
    proposer.locator("input[name='feedback'][value='not_satisfied']").check()
    proposer.locator("#feedback-form button").click()
    expect(proposer.locator("#feedback-thanks")).to_be_visible()
    proposer.goto(link)  # the link works once
    expect(proposer.locator("#link-refused")).to_be_visible()

    lead.reload()
    expect(lead.locator("#reply-1 .feedback")).to_contain_text("不满意")
    lead.locator("#reply-reply").fill("已增加高峰时段班次，并调整站点位置。")
    lead.locator("input[name='reply-grade'][value='A']").check()
    lead.locator("#reply-form button").click()
    succeeded(lead)
    expect(lead.locator("#proposal-status")).to_have_text("已结案")
    db.session.commit()  # a fresh read of what the served app wrote
    closed = db.session.get(Proposal, pid)
    assert [r.round for r in closed.replies] == [1, 2]
