"""/track, as a citizen sees it: status and the public timeline for the right
tracking number and phone digits; nothing internal, nothing to enumerate."""

from __future__ import annotations

import re

from sqlalchemy import event, select

from cases import operations
from cases.models import Case, CaseEvent, EventKind, OrgUnit
from cases.models.users import User
from cases.tracking import new_tracking_number
from core.db import db
from tests.html import Node, parse

PHONE = "13800138000"


# --- helpers -------------------------------------------------------------------


def track(client, number: str, last4: str, **kwargs):
    return client.post(
        "/track", data={"tracking_number": number, "phone_last4": last4}, **kwargs
    )


def timeline(page: Node) -> list[tuple[str, str, str]]:
    """(event kind, heading, message) for each entry of the public timeline."""
    entries = []
    for li in page.find(id="timeline").find_all("li"):
        kind = next(c for c in li.classes if c.startswith("event-"))[len("event-"):]
        message = li.find(cls="message")
        entries.append(
            (kind, li.find("strong").text().strip(), message.text() if message else "")
        )
    return entries


def unit_name(code: str) -> str:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code)).name("zh_CN")


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def dispatched_case(make_case, work, **fields) -> Case:
    case = make_case(**fields)
    work()
    db.session.refresh(case)
    return case


def unknown_number() -> str:
    while True:
        number = new_tracking_number()
        if db.session.scalar(select(Case.id).where(Case.tracking_number == number)) is None:
            return number


def without_csrf(body: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", body)


# --- the form ------------------------------------------------------------------


def test_get_shows_the_empty_form(client):
    response = client.get("/track")
    assert response.status_code == 200
    page = parse(response)
    for name in ("tracking_number", "phone_last4"):
        field = page.find("input", name=name)
        assert field is not None and field.attrs.get("value", "") == ""
    assert page.find(id="case") is None
    assert page.find(id="not-found") is None
    assert page.find(cls="error") is None


def test_empty_fields_are_answered_next_to_the_fields(client):
    response = track(client, "", "")
    assert response.status_code == 200
    page = parse(response)
    for name in ("tracking_number", "phone_last4"):
        box = page.find("input", name=name).parent
        assert box.find(cls="error") is not None, name
    assert page.find(id="not-found") is None


def test_a_mistyped_number_is_caught_by_its_check_digit(client, make_case):
    case = make_case()
    n = case.tracking_number
    typo = n[:-1] + str((int(n[-1]) + 1) % 10)
    for number, last4, field in [
        (typo, "8000", "tracking_number"),
        (n[:-1], "8000", "tracking_number"),
        (n, "800", "phone_last4"),
        (n, "8000-1", "phone_last4"),
    ]:
        response = track(client, number, last4)
        assert response.status_code == 200
        page = parse(response)
        errors = [
            box.find("input").attrs["name"]
            for box in page.find_all("div", cls="has-error")
        ]
        assert errors == [field], (number, last4)
        assert page.find(id="not-found") is None and page.find(id="case") is None


# --- what the citizen sees -------------------------------------------------------


def test_status_and_public_timeline_of_a_dispatched_case(client, make_case, work):
    case = dispatched_case(make_case, work)
    response = track(client, case.tracking_number, PHONE[-4:])
    assert response.status_code == 200
    page = parse(response)
    assert page.find(id="not-found") is None
    assert case.tracking_number in page.find(id="case").text()
    assert "status-dispatched" in page.find(id="status").classes
    assert page.find(id="status").text().strip()
    entries = timeline(page)
    assert [kind for kind, _, _ in entries] == ["received", "dispatched"]
    assert unit_name("city-management") in entries[1][1]


def test_a_lookup_reads_the_case_in_three_queries_however_long_its_timeline(
        client, make_case, work, app):
    """The case with its citizen and category, its assignments with their
    units, its events with their units: loaded with the case, not one query
    per relation the page reads."""
    case = dispatched_case(make_case, work)
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    for text in ("施工队明天上午到场。", "材料已到。", "正在施工。"):
        operations.add_update(case, chengguan, text, public=True)
    db.session.commit()
    number = case.tracking_number
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        page = parse(track(client, number, PHONE[-4:]))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert [kind for kind, _, _ in timeline(page)] == [
        "received", "dispatched", "acknowledged", "progress", "progress", "progress"]
    assert unit_name("city-management") in page.find(id="case").text()
    selects = [s[:80] for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3, selects


def test_a_resolved_case_shows_its_status_and_the_reply(client, make_case, work):
    case = dispatched_case(make_case, work)
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    operations.resolve(case, chengguan, "已于今日更换破损地砖，感谢您的反映。")
    db.session.commit()

    page = parse(track(client, case.tracking_number, PHONE[-4:]))
    assert "status-resolved" in page.find(id="status").classes
    entries = timeline(page)
    assert [kind for kind, _, _ in entries] == ["received", "dispatched", "acknowledged",
                                                "resolved"]
    assert entries[-1][2] == "已于今日更换破损地砖，感谢您的反映。"
    assert unit_name("city-management") in entries[-1][1]


def test_notes_staff_names_and_the_phone_number_never_show(client, make_case, work):
    case = dispatched_case(make_case, work)
    chengguan = user("chengguan")
    operations.acknowledge(case, chengguan)
    operations.add_update(case, chengguan, "内部备注：此人已第三次投诉，注意措辞。", public=False)
    operations.add_update(case, chengguan, "施工队明天上午到场。", public=True)
    operations.resolve(case, chengguan, "<script>alert(1)</script>已修复。")
    db.session.commit()

    response = track(client, case.tracking_number, PHONE[-4:])
    body = response.get_data(as_text=True)
    assert "内部备注" not in body
    assert chengguan.display_name not in body and "林承办" not in body
    assert PHONE not in body and "+86" + PHONE not in body
    assert "<script>alert(1)" not in body

    entries = timeline(parse(response))
    assert [kind for kind, _, _ in entries] == [
        "received", "dispatched", "acknowledged", "progress", "resolved"
    ]
    assert entries[3][2] == "施工队明天上午到场。"
    assert entries[4][2] == "<script>alert(1)</script>已修复。"  # shown as text
    assert all(unit_name("city-management") in heading for _, heading, _ in entries[1:])


def test_the_reason_a_case_was_not_routed_stays_internal(client, make_case, work):
    case = dispatched_case(make_case, work, category_code="unclassified")
    reason = db.session.scalar(
        select(CaseEvent.message).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == EventKind.UNROUTED
        )
    )
    assert reason
    page = parse(track(client, case.tracking_number, PHONE[-4:]))
    assert "status-unrouted" in page.find(id="status").classes
    assert [kind for kind, _, _ in timeline(page)] == ["received"]
    assert reason not in page.find(id="case").text()


def test_spaces_dashes_and_full_width_digits_are_understood(client, make_case, work):
    case = dispatched_case(make_case, work)
    n = case.tracking_number
    wide = "".join(chr(ord(d) + 0xFEE0) for d in n)
    for typed, last4 in [
        (f"{wide[:4]} {wide[4:7]}-{wide[7:]}", "８０００"),
        (f" {n[:3]}-{n[3:6]}-{n[6:]} ", "8000"),
        (f"{n[:4]}　{n[4:]}", " 8000"),
    ]:
        page = parse(track(client, typed, last4))
        assert page.find(id="not-found") is None, typed
        assert n in page.find(id="case").text(), typed


# --- no enumeration ------------------------------------------------------------------


def test_wrong_digits_and_unknown_number_look_exactly_alike(client, make_case):
    case = make_case()
    other = unknown_number()
    wrong = track(client, case.tracking_number, "1234")
    unknown = track(client, other, "1234")
    assert wrong.status_code == unknown.status_code == 200
    wrong_page, unknown_page = parse(wrong), parse(unknown)
    assert wrong_page.find(id="not-found") is not None
    assert wrong_page.find(id="not-found").text() == unknown_page.find(id="not-found").text()
    assert wrong_page.find(id="case") is None and unknown_page.find(id="case") is None
    # The whole page is the same apart from the number the citizen typed.
    assert without_csrf(wrong.get_data(as_text=True)).replace(
        case.tracking_number, other
    ) == without_csrf(unknown.get_data(as_text=True))


def test_another_citizens_digits_do_not_match(client, make_case):
    case = make_case(phone="13900139000")
    make_case(phone=PHONE)
    page = parse(track(client, case.tracking_number, PHONE[-4:]))
    assert page.find(id="not-found") is not None and page.find(id="case") is None


def test_a_case_without_a_phone_can_never_be_found(client, make_case, work):
    case = dispatched_case(make_case, work, phone=None, email="a@b.cn")
    assert case.citizen is not None and case.citizen.phone is None
    for last4 in ("0000", "1234", "    "):
        response = track(client, case.tracking_number, last4)
        assert response.status_code == 200
        page = parse(response)
        assert page.find(id="case") is None
        assert page.find(id="not-found") is not None or page.find(cls="error") is not None


def test_a_case_with_no_citizen_at_all_is_not_found(client, make_case):
    case = make_case(phone=None)
    assert case.citizen is None
    response = track(client, case.tracking_number, "0000")
    assert response.status_code == 200
    assert parse(response).find(id="not-found") is not None


# --- rate limit ------------------------------------------------------------------------


def test_the_eleventh_attempt_in_a_minute_gets_a_readable_429(client, make_case, app):
    assert app.config["TRACK_RATE_LIMIT"] == "10 per minute;60 per hour"
    case = make_case()
    for i in range(10):
        assert track(client, case.tracking_number, f"{i:04d}").status_code == 200, i
    response = track(client, case.tracking_number, PHONE[-4:])
    assert response.status_code == 429
    assert response.mimetype == "text/html"
    page = parse(response)
    card = page.find("section", cls="card")
    assert card.find("h1").text().strip() and card.find("p").text().strip()
    assert page.find(id="case") is None  # even the right digits are refused now
    # Reading the form is not limited, and another address is not affected.
    assert client.get("/track").status_code == 200
    other = track(client, case.tracking_number, PHONE[-4:],
                  environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert other.status_code == 200
    assert parse(other).find(id="case") is not None
