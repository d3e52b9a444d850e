"""The citizen portal beyond the lookup: the signed link from a message, the
unit's reply, adding information (补充材料) that resumes a paused clock, and
the callback form; a changed link is refused with a clear page."""

from __future__ import annotations

import io

from PIL import Image

from cases import operations
from cases.models import EventKind
from cases.states import CaseStatus
from channels.notify.links import case_link
from core.db import db
from tests.channels.notify.flow import PHONE, REPLY, dispatched, events, reload, resolved, user
from tests.html import parse


def link_path(case) -> str:
    return case_link(case.id, case.tracking_number).split("://", 1)[1].split("/", 1)[1]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def test_the_signed_link_opens_the_case(client, make_case, work):
    case = resolved(make_case, work)
    page = parse(client.get("/" + link_path(case)))
    assert case.tracking_number in page.find(id="case").find("h2").text()
    assert page.find(id="reply").text() == REPLY
    assert page.find(id="callback") is not None  # resolved: the survey form
    body = client.get("/" + link_path(case)).get_data(as_text=True)
    assert PHONE not in body and user("chengguan").display_name not in body


def test_a_changed_link_is_refused_clearly(client, make_case):
    case = make_case()
    path = "/" + link_path(case)
    for bad in (path[:-2] + ("AA" if not path.endswith("AA") else "BB"), "/track/nonsense",
                path + "x"):
        response = client.get(bad)
        assert response.status_code == 403, bad
        page = parse(response)
        assert page.find("h1").text().strip() and page.find(id="case") is None
    posted = client.post("/track/nonsense/information", data={"text": "x"})
    assert posted.status_code == 403
    assert events(case, EventKind.CITIZEN_MESSAGE) == []


def test_adding_information_resumes_a_paused_case(client, make_case, work, clock):
    case = dispatched(make_case, work)
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    operations.request_information(case, chengguan, "请提供破损位置的照片。")
    db.session.commit()
    path = "/" + link_path(case)
    page = parse(client.get(path))
    assert page.find(id="information") is not None
    response = client.post(path + "/information", data={
        "text": "破损在港湾路15号门口东侧。",
        "photos": [(io.BytesIO(photo()), "hole.png")],
    }, content_type="multipart/form-data")
    assert response.status_code == 302
    case = reload(case)
    assert case.status is CaseStatus.ACKNOWLEDGED and case.paused_at is None
    [resumed] = events(case, EventKind.RESUMED)
    assert resumed.message == "破损在港湾路15号门口东侧。"
    assert [a.filename for a in case.attachments] == ["hole.png"]
    entries = parse(client.get(path)).find(id="timeline").find_all("li")
    assert "event-resumed" in entries[-2].classes + entries[-1].classes


def test_information_on_an_open_case_reaches_the_unit(client, make_case, work):
    case = dispatched(make_case, work)
    path = "/" + link_path(case)
    client.post(path + "/information", data={"text": "晚上路灯也不亮。"})
    [message] = events(case, EventKind.CITIZEN_MESSAGE)
    assert message.message == "晚上路灯也不亮。" and message.public
    empty = client.post(path + "/information", data={"text": "  "})
    assert empty.status_code == 400
    assert parse(empty).find(id="information").find("div", cls="has-error") is not None
    not_a_photo = client.post(path + "/information", data={
        "text": "看附件", "photos": [(io.BytesIO(b"MZ\x90\x00"), "virus.exe")]},
        content_type="multipart/form-data")
    assert not_a_photo.status_code == 400
    assert len(events(case, EventKind.CITIZEN_MESSAGE)) == 1


def test_the_callback_form_records_the_answer(client, make_case, work):
    case = resolved(make_case, work)
    path = "/" + link_path(case)
    incomplete = client.post(path + "/callback", data={"solved": "solved"})
    assert incomplete.status_code == 400
    response = client.post(path + "/callback", data={
        "solved": "partly", "satisfaction": "basically_satisfied", "comment": "还可以"})
    assert response.status_code == 302
    [answer] = events(case, EventKind.CALLBACK_ANSWERED)
    assert answer.data == {"solved": "partly", "satisfaction": "basically_satisfied"}
    assert reload(case).status is CaseStatus.CLOSED
    page = parse(client.get(path))
    assert page.find(id="callback") is None and page.find(id="information") is None
    again = client.post(path + "/callback", data={"solved": "solved",
                                                  "satisfaction": "satisfied"})
    assert again.status_code == 302
    assert len(events(case, EventKind.CALLBACK_ANSWERED)) == 1


def test_the_lookup_leads_to_the_same_page(client, make_case, work):
    case = resolved(make_case, work)
    response = client.post("/track", data={"tracking_number": case.tracking_number,
                                           "phone_last4": PHONE[-4:]})
    page = parse(response)
    assert page.find(id="reply").text() == REPLY
    action = page.find(id="callback").find("form").attrs["action"]
    assert action.startswith("/track/") and action.endswith("/callback")
