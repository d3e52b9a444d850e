"""The hotline operator console through the test client: its JSON endpoints,
logging a call, adding it to an earlier case, answering on the spot, and the
possible duplicates shown before saving."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq import Queue
from sqlalchemy import func, select

from cases.jobs import reconcile
from cases.models import Case, CaseEvent, EventKind
from cases.models.users import User
from cases.states import CaseStatus
from channels.phone.models import Call
from core.clock import now
from core.db import db
from tests.html import parse
from tests.support import login

CALLER = "+8613800138000"
STRANGER = "+8613911112222"


def ring(number: str = CALLER, hotline: str = "95100", **fields) -> Call:
    """A Call row as the Twilio webhook writes it."""
    values = {
        "call_sid": f"CA{db.session.scalar(select(func.count(Call.id))) + 1:032d}",
        "hotline": hotline,
        "from_number": number,
        "to_number": "+862000095100" if hotline == "95100" else "+862000012319",
        "status": "in-progress",
    }
    values.update(fields)
    call = Call(**values)
    db.session.add(call)
    db.session.commit()
    return call


@pytest.fixture
def operator(client):
    login(client, "operator")
    return client


def case_form(**fields) -> dict:
    data = {
        "category": "road-damage",
        "description": "港湾路上有一个大坑",
        "address": "港湾路15号",
        "phone": CALLER,
        "action": "log",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def latest_case() -> Case | None:
    return db.session.scalar(select(Case).order_by(Case.id.desc()))


# -- who may use it --------------------------------------------------------


def test_only_operators_and_administrators_open_the_console(client):
    assert client.get("/console").status_code == 302  # to the sign-in page
    login(client, "chengguan")
    assert client.get("/console").status_code == 403
    assert client.get("/console/calls.json").status_code == 403
    client.post("/logout")
    login(client, "admin")
    assert client.get("/console").status_code == 200


def test_the_console_page_has_its_script_and_forms(operator):
    page = parse(operator.get("/console"))
    assert page.find("form", id="call-form") is not None
    assert page.find("form", id="note-form") is not None
    script = page.find("script", src="/static/js/console.js")
    assert script is not None
    assert operator.get("/static/js/console.js").status_code == 200
    # Operators find it from every page.
    assert page.find("a", id="nav-console") is not None


# -- live calls --------------------------------------------------------------


def test_live_calls_are_those_on_the_line_or_waiting_newest_first(operator, clock):
    old = ring(STRANGER, "95100", status="ringing")
    clock.advance(minutes=1)
    newer = ring(CALLER, "12319", status="in-progress")
    clock.advance(minutes=1)
    waiting = ring("+8613700001111", "95100", status="completed", outcome="operator")
    ring("+8613700002222", "95100", status="completed", outcome="reported")
    ring("+8613700003333", "95100", status="ringing", started_at=now() - timedelta(hours=3))

    data = operator.get("/console/calls.json").get_json()

    assert [c["id"] for c in data["calls"]] == [waiting.id, newer.id, old.id]
    assert data["calls"][0]["waiting_for_operator"] is True
    assert data["calls"][1]["hotline"] == "12319"
    assert data["calls"][1]["from_number"] == CALLER
    assert data["calls"][2]["status"] == "ringing"
    # A call whose status callback never came leaves the board in time.
    clock.advance(hours=3)
    assert operator.get("/console/calls.json").get_json()["calls"] == []


def test_no_calls_is_an_empty_list(operator):
    assert operator.get("/console/calls.json").get_json()["calls"] == []
    page = parse(operator.get("/console"))
    assert page.find(id="no-calls") is not None


# -- the screen pop ---------------------------------------------------------


def test_the_callers_earlier_cases_pop_up(operator, make_case):
    earlier = make_case(phone="13800138000")
    make_case(phone="13900000000")  # someone else

    data = operator.get("/console/history.json", query_string={"phone": CALLER}).get_json()

    assert data["phone"] == CALLER
    assert [c["tracking_number"] for c in data["cases"]] == [earlier.tracking_number]
    assert data["cases"][0]["url"] == f"/console/cases/{earlier.tracking_number}"
    assert data["cases"][0]["status"] == "received"

    call = ring(CALLER)
    page = parse(operator.get("/console", query_string={"call": call.id}))
    table = page.find("table", id="history-cases")
    assert earlier.tracking_number in table.text()
    assert page.find("input", id="phone").attrs["value"] == CALLER


def test_a_stranger_has_no_history(operator, make_case):
    make_case(phone="13800138000")
    data = operator.get("/console/history.json", query_string={"phone": STRANGER}).get_json()
    assert data == {"phone": STRANGER, "cases": []}

    call = ring(STRANGER)
    page = parse(operator.get("/console", query_string={"call": call.id}))
    assert page.find(id="history-empty") is not None
    assert page.find("table", id="history-cases") is None


def test_a_withheld_number_has_no_history_and_a_missing_one_is_an_error(operator):
    data = operator.get("/console/history.json", query_string={"phone": "anonymous"}).get_json()
    assert data == {"phone": None, "cases": []}
    response = operator.get("/console/history.json")
    assert response.status_code == 400 and response.get_json()["error"]


def test_open_cases_near_the_address(operator, make_case, work):
    near = make_case(address_text="港湾路21号", phone="13900000001")
    same = make_case(address_text="港湾路 15号", phone="13900000002", category_code="street-light")
    far = make_case(address_text="港湾路16号", phone="13900000003")  # even side: another community
    work()

    data = operator.get("/console/nearby.json", query_string={"address": "港湾路15号"}).get_json()

    found = {c["tracking_number"] for c in data["cases"]}
    assert near.tracking_number in found and same.tracking_number in found
    assert far.tracking_number not in found
    assert data["community"]
    empty = operator.get("/console/nearby.json", query_string={"address": ""}).get_json()
    assert empty == {"community": None, "cases": []}


def test_address_suggestions_come_from_the_directory(operator):
    def values(q):
        data = operator.get("/console/addresses.json", query_string={"q": q}).get_json()
        return [s["value"] for s in data["suggestions"]]

    assert "港湾路" in values("港湾")
    assert "港湾小区" in values("港湾")
    assert "港湾路" in values("港湾路15号")  # the road inside what was typed
    assert values("湾小") == ["港湾小区"]  # contains, not only starts with
    assert values("%") == [] and values("") == []


# -- logging a call ---------------------------------------------------------


def test_a_call_is_logged_with_the_channel_of_its_hotline(operator, work):
    call = ring(STRANGER, "12319", outcome="operator")

    response = operator.post("/console/calls", data=case_form(call_id=call.id, phone=STRANGER))

    assert response.status_code == 302
    case = latest_case()
    assert case.channel == "phone-12319"
    assert case.citizen.phone == STRANGER
    db.session.refresh(call)
    assert (call.case_id, call.outcome) == (case.id, "logged")
    assert call.operator_id == db.session.scalar(
        select(User.id).where(User.username == "operator"))
    page = parse(operator.get(response.headers["Location"]))
    assert page.find(id="saved-tracking-number").text().strip() == case.tracking_number
    work()
    db.session.refresh(case)
    assert case.status is CaseStatus.DISPATCHED  # an ordinary case goes to its unit


def test_a_call_logged_without_a_selected_call_is_a_95100_case(operator):
    response = operator.post("/console/calls", data=case_form(phone=STRANGER, name="王先生"))
    assert response.status_code == 302
    case = latest_case()
    assert case.channel == "phone-95100"
    assert case.contact_name == "王先生"


def test_a_call_logs_once(operator):
    call = ring(STRANGER)
    assert operator.post("/console/calls", data=case_form(call_id=call.id, phone=STRANGER)
                         ).status_code == 302
    again = operator.post(
        "/console/calls",
        data=case_form(call_id=call.id, phone=STRANGER, ignore_duplicates="y"),
    )
    assert again.status_code == 409
    assert db.session.scalar(select(func.count(Case.id))) == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"category": ""}, "category"),
        ({"category": "no-such-category"}, "category"),
        ({"description": "  "}, "description"),
        ({"address": ""}, "address"),
        ({"phone": "12345"}, "phone"),
        ({"description": "长" * 4001}, "description"),
        ({"action": "answer", "answer": ""}, "answer"),
    ],
)
def test_a_wrong_form_says_which_field_and_keeps_nothing(operator, fields, field):
    response = operator.post("/console/calls", data=case_form(**fields))

    assert response.status_code == 422
    page = parse(response)
    wrong = [f for f in page.find_all("div", cls="has-error") if f.find(id=field)]
    assert len(wrong) == 1 and wrong[0].find("p", cls="error").text().strip()
    assert latest_case() is None
    if field != "description":  # what was typed is still there
        assert "港湾路上有一个大坑" in page.find("textarea", id="description").text()


def test_a_call_that_left_the_board_is_refused(operator):
    response = operator.post("/console/calls", data=case_form(call_id="9999"))
    assert response.status_code == 422
    assert latest_case() is None


# -- possible duplicates ----------------------------------------------------


def test_duplicates_are_shown_before_saving_and_the_call_joins_the_earlier_case(
    operator, make_case
):
    earlier = make_case(phone="13800138000")
    call = ring(CALLER, outcome="operator")

    data = operator.get("/console/duplicates.json", query_string={
        "phone": CALLER, "address": "港湾路15号", "category": "road-damage"}).get_json()
    assert [d["tracking_number"] for d in data["duplicates"]] == [earlier.tracking_number]
    assert data["duplicates"][0]["reasons"] == ["phone", "address"]

    response = operator.post("/console/calls", data=case_form(call_id=call.id))

    assert response.status_code == 200
    page = parse(response)
    duplicates = page.find("table", id="duplicate-cases")
    assert earlier.tracking_number in duplicates.text()
    button = duplicates.find("button", cls="add-to")
    assert button.attrs["value"] == earlier.tracking_number
    assert button.attrs["form"] == "note-form"
    assert page.find("button", id="save-anyway") is not None
    assert db.session.scalar(select(func.count(Case.id))) == 1  # nothing saved yet

    response = operator.post("/console/notes", data={
        "call_id": call.id, "tracking_number": earlier.tracking_number,
        "text": "市民来电催问：坑还没有补"})

    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Case.id))) == 1
    message = db.session.scalar(select(CaseEvent).where(
        CaseEvent.case_id == earlier.id, CaseEvent.kind == EventKind.CITIZEN_MESSAGE))
    assert message.message == "市民来电催问：坑还没有补"
    db.session.refresh(call)
    assert (call.case_id, call.outcome) == (earlier.id, "operator")  # the outcome stays
    assert call.operator_id is not None
    page = parse(operator.get(response.headers["Location"]))
    assert earlier.tracking_number in page.find(id="noted-case").text()


def test_the_operator_may_save_a_new_case_despite_duplicates(operator, make_case):
    make_case(phone="13800138000")
    response = operator.post("/console/calls", data=case_form(ignore_duplicates="y"))
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Case.id))) == 2


def test_duplicate_check_needs_a_known_category(operator):
    response = operator.get("/console/duplicates.json", query_string={"category": "nope"})
    assert response.status_code == 400
    empty = operator.get("/console/duplicates.json").get_json()
    assert empty == {"duplicates": []}


def test_a_note_needs_an_existing_case(operator):
    response = operator.post("/console/notes", data={
        "tracking_number": "0000000000", "text": "补充"})
    assert response.status_code == 422
    page = parse(response)
    assert [f for f in page.find_all("div", cls="has-error") if f.find(id="tracking_number")]
    response = operator.post("/console/notes", data={"tracking_number": "12", "text": ""})
    assert response.status_code == 422
    assert len(parse(response).find_all("div", cls="has-error")) == 2


# -- answered on the spot ---------------------------------------------------


def test_a_consultation_answered_on_the_spot_is_resolved_and_never_dispatched(
    operator, work, redis
):
    call = ring(STRANGER, "12319", outcome="operator")
    answer = "办理居住证请携带身份证到社区服务站。"

    response = operator.post("/console/calls", data=case_form(
        call_id=call.id, phone=STRANGER, category="consultation", action="answer",
        description="居住证怎么办理？", address="", answer=answer))

    assert response.status_code == 302
    case = latest_case()
    assert case.status is CaseStatus.RESOLVED
    assert case.channel == "phone-12319"
    assert case.resolved_at is not None
    assert case.assignments == []
    answered = [e for e in case.events if e.kind is EventKind.ANSWERED_AT_INTAKE]
    assert len(answered) == 1 and answered[0].message == answer and answered[0].public
    db.session.refresh(call)
    assert (call.case_id, call.outcome) == (case.id, "direct_answer")

    assert Queue("dispatch", connection=redis).count == 0  # no dispatch was queued
    work()  # what was queued (the citizen's SMS receipt) runs
    assert reconcile() == 0  # and the reconciler finds nothing waiting
    db.session.refresh(case)
    assert case.status is CaseStatus.RESOLVED
    assert EventKind.DISPATCHED not in [e.kind for e in case.events]
    # Counted as resolved at intake: one event of that kind, on a resolved case.
    resolved_at_intake = db.session.scalar(
        select(func.count(CaseEvent.id)).join(CaseEvent.case)
        .where(CaseEvent.kind == EventKind.ANSWERED_AT_INTAKE,
               Case.status == CaseStatus.RESOLVED))
    assert resolved_at_intake == 1

    page = parse(operator.get(f"/console/cases/{case.tracking_number}"))
    timeline = page.find("ol", id="timeline")
    assert answer in timeline.find("li", cls="event-answered_at_intake").text()


def test_an_answer_with_an_address_counts_for_its_community(operator):
    response = operator.post("/console/calls", data=case_form(
        category="consultation", action="answer", description="港湾路的垃圾几点收？",
        answer="每天晚上八点收运。"))

    assert response.status_code == 302
    case = latest_case()
    assert case.status is CaseStatus.RESOLVED
    assert case.community.code == "huangpu-dongyuan"
    assert case.street.code == "huangpu-street"
