"""/callbacks: the operator calls those who did not answer within a day and
records their answers; /callbacks/decisions: the supervisor redoes or closes
the unhappy ones; /me/notifications: staff choose how they hear."""

from __future__ import annotations

from sqlalchemy import select

from cases import survey
from cases.models import EventKind
from cases.states import CaseStatus
from cases.survey_models import CallbackSurvey, SurveyStatus
from channels.notify.models import StaffChannel, StaffPreference
from core.db import db
from tests.channels.notify.flow import E164, events, reload, resolved, user
from tests.html import parse
from tests.support import login


def asked_case(make_case, work, clock, **fields):
    case = resolved(make_case, work, **fields)
    clock.advance(hours=24)
    survey.ask_due()
    db.session.commit()
    return case


def the_survey(case) -> CallbackSurvey:
    db.session.expire_all()
    return db.session.scalar(select(CallbackSurvey).where(CallbackSurvey.case_id == case.id))


def test_the_queue_holds_those_silent_for_a_day(client, make_case, work, clock):
    case = asked_case(make_case, work, clock)
    login(client, "operator")
    page = parse(client.get("/callbacks"))
    assert page.find(id="callbacks") is None and page.find(cls="empty") is not None
    clock.advance(hours=24)
    page = parse(client.get("/callbacks"))
    entry = page.find(id=f"callback-{the_survey(case).id}")
    assert case.tracking_number in entry.find("h2").text()
    assert E164 in entry.find(cls="citizen").text()  # the operator needs the number
    assert entry.find("input", value="not_solved") is not None
    assert entry.find("input", value="dissatisfied") is not None


def test_a_citizen_without_sms_or_email_is_called_at_once(client, make_case, work, clock):
    case = asked_case(make_case, work, clock, channel="open311:test-client", phone=None,
                      email=None)
    login(client, "operator")
    page = parse(client.get("/callbacks"))
    assert page.find(id=f"callback-{the_survey(case).id}") is not None


def test_the_operator_records_the_answers(client, make_case, work, clock):
    case = asked_case(make_case, work, clock)
    clock.advance(hours=25)
    login(client, "operator")
    s = the_survey(case)
    response = client.post(f"/callbacks/{s.id}/answer",
                           data={"solved": "solved", "satisfaction": "basically_satisfied",
                                 "comment": "电话回访，市民表示基本满意"})
    assert response.status_code == 302
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "solved", "satisfaction": "basically_satisfied"}
    assert answer.actor_user_id == user("operator").id
    assert the_survey(case).answered_via == "phone"
    assert reload(case).status is CaseStatus.CLOSED
    # Twice is refused with a message, not a second answer.
    again = client.post(f"/callbacks/{s.id}/answer",
                        data={"solved": "solved", "satisfaction": "satisfied"})
    assert again.status_code == 302
    assert len(events(case, EventKind.CALLBACK_ANSWERED)) == 1


def test_an_incomplete_answer_is_refused(client, make_case, work, clock):
    case = asked_case(make_case, work, clock)
    login(client, "operator")
    response = client.post(f"/callbacks/{the_survey(case).id}/answer",
                           data={"solved": "solved"}, follow_redirects=True)
    assert parse(response).find(cls="flash") is not None
    assert events(case, EventKind.CALLBACK_ANSWERED) == []


def test_unit_staff_cannot_see_the_queue(client):
    login(client, "chengguan")
    assert client.get("/callbacks").status_code == 403
    assert client.get("/callbacks/decisions").status_code == 403


def test_the_supervisor_orders_a_redo(client, make_case, work, clock):
    case = asked_case(make_case, work, clock)
    survey.answer_by_sms(E164, "3 不满意")
    db.session.commit()
    login(client, "operator")
    assert client.get("/callbacks/decisions").status_code == 403
    login(client, "supervisor")
    s = the_survey(case)
    page = parse(client.get("/callbacks/decisions"))
    assert case.tracking_number in page.find(id=f"decision-{s.id}").text()
    missing = client.post(f"/callbacks/{s.id}/decide", data={"decision": "redo"})
    assert missing.status_code == 302 and the_survey(case).status is SurveyStatus.AWAITING_DECISION
    client.post(f"/callbacks/{s.id}/decide",
                data={"decision": "redo", "reason": "市民反映路面仍有坑洼"})
    assert the_survey(case).status is SurveyStatus.REDONE
    assert reload(case).status is CaseStatus.DISPATCHED
    assert len(events(case, EventKind.REOPENED)) == 1
    page = parse(client.get("/callbacks/decisions"))
    assert page.find(id="decisions") is None  # decided: off the list


def test_staff_choose_how_they_hear(client):
    login(client, "chengguan")
    bad = client.post("/me/notifications", data={"channel": "sms", "phone": ""})
    assert bad.status_code == 200 and parse(bad).find("div", cls="has-error") is not None
    client.post("/me/notifications", data={"channel": "sms", "phone": "139 0013 9000"})
    pref = db.session.get(StaffPreference, user("chengguan").id)
    assert pref.channel is StaffChannel.SMS and pref.phone == "+8613900139000"
