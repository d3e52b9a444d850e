"""The web form at /submit, as a citizen sees it: the form, field errors next
to their fields, photos, and an answer only after the case is committed."""

from __future__ import annotations

import io
import re

import pytest
from flask import has_request_context
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from cases.models import Attachment, Case, Citizen
from cases.states import CaseStatus
from core.db import db
from core.queues import get_queue
from tests.html import Node, parse
from tests.support import login

MB = 1024 * 1024

VALID = {
    "category": "road-damage",
    "description": "人行道地砖松动，老人容易绊倒。",
    "address": "港湾路15号",
    "phone": "138 0013 8000",
}


def field_errors(page: Node) -> dict[str, list[str]]:
    """Field name -> the error messages shown in that field's own box."""
    errors = {}
    for box in page.find_all("div", cls="field"):
        control = next(n for n in box.iter() if n.tag in ("input", "select", "textarea"))
        messages = [n.text().strip() for n in box.find_all(cls="error")]
        if messages:
            errors[control.attrs["name"]] = messages
    return errors


# --- helpers -----------------------------------------------------------------


def image(kind: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, kind)
    return out.getvalue()


def post(client, data: dict | None = None, files: list[tuple[bytes, str]] = (), **changes):
    form = dict(VALID if data is None else data)
    form.update(changes)
    form = {k: v for k, v in form.items() if v is not None}
    if files:
        form["photos"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post("/submit", data=form, content_type="multipart/form-data")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def assert_nothing_stored() -> None:
    assert (count(Case), count(Citizen), count(Attachment)) == (0, 0, 0)
    assert get_queue("dispatch").count == 0


def submitted_case(client, response) -> Case:
    """Follow the redirect to /submit/done and load the case it names."""
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/submit/done")
    done = client.get("/submit/done")
    assert done.status_code == 200
    number = parse(done).find(id="tracking-number").text().strip()
    assert re.fullmatch(r"\d{10}", number)
    db.session.expire_all()
    case = db.session.scalar(select(Case).where(Case.tracking_number == number))
    assert case is not None
    return case


# --- the form ----------------------------------------------------------------


def test_get_shows_the_form_with_the_demo_categories(client):
    response = client.get("/submit")
    assert response.status_code == 200
    page = parse(response)
    form = page.find("form", method="post")
    assert form.attrs["enctype"] == "multipart/form-data"
    codes = [o.attrs["value"] for o in page.find("select", name="category").find_all("option")]
    assert codes[0] == ""  # "choose a category" first, so nothing is chosen by accident
    assert {"road-damage", "noise", "garbage", "drainage", "unclassified"} <= set(codes)
    for name in ("address", "phone", "name", "email", "photos"):
        assert page.find("input", name=name) is not None, name
    assert page.find("textarea", name="description") is not None
    assert page.find("input", name="photos").attrs.get("type") == "file"
    assert "multiple" in page.find("input", name="photos").attrs
    assert field_errors(page) == {}


def test_done_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/submit/done")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/submit")


def test_a_valid_request_is_stored_as_written_and_gets_a_tracking_number(client):
    description = "井盖丢失，夜里很危险！\r\n第二行：请尽快处理。"
    response = post(
        client, description=description, name="王小明", email="wang@example.cn"
    )
    case = submitted_case(client, response)
    assert case.channel == "web"
    assert case.status is CaseStatus.RECEIVED
    assert case.category.code == "road-damage"
    assert case.description == description
    assert case.address_text == "港湾路15号"
    assert case.contact_name == "王小明"
    assert case.citizen.phone == "+8613800138000"
    assert case.citizen.email == "wang@example.cn"
    assert case.attachments == []


def test_name_and_email_are_optional(client):
    case = submitted_case(client, post(client, phone="13800138000", name="", email=""))
    assert case.citizen.phone == "+8613800138000"
    assert case.contact_name is None and case.citizen.email is None


def test_a_description_of_exactly_4000_characters_is_accepted(client):
    case = submitted_case(client, post(client, description="坑" * 4000))
    assert len(case.description) == 4000


def test_the_worker_dispatches_the_case_to_the_unit_the_rules_name(client, work):
    case = submitted_case(client, post(client))
    assert work() == 2  # the dispatch, and the SMS receipt to the citizen (outbox)
    db.session.refresh(case)
    assert case.status is CaseStatus.DISPATCHED
    assert case.lead_assignment.unit.code == "city-management"


def test_markup_is_stored_as_written_and_escaped_wherever_it_is_shown(client, work):
    description = "<script>alert('xss')</script> 路面塌陷 & 积水"
    name = "<b>李四</b>"
    case = submitted_case(client, post(client, description=description, name=name))
    assert case.description == description
    assert case.contact_name == name
    work()

    login(client, "supervisor")
    staff = client.get(f"/cases/{case.tracking_number}")
    assert staff.status_code == 200
    body = staff.get_data(as_text=True)
    assert "<script>alert" not in body and "<b>李四</b>" not in body
    assert "&lt;script&gt;" in body
    assert parse(staff).find(id="description").text() == description

    client.post("/logout")
    tracked = client.post(
        "/track", data={"tracking_number": case.tracking_number, "phone_last4": "8000"}
    )
    assert tracked.status_code == 200
    assert parse(tracked).find(id="status") is not None
    assert "<script>alert" not in tracked.get_data(as_text=True)


# --- field errors: shown next to the field, 200, nothing stored ---------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": None}, "category"),
        ({"category": ""}, "category"),
        ({"category": "no-such-service"}, "category"),
        ({"description": ""}, "description"),
        ({"description": "   \r\n  "}, "description"),
        ({"description": "字" * 4001}, "description"),
        ({"address": None}, "address"),
        ({"address": "  "}, "address"),
        ({"phone": None}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "not a number"}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "wang@"}, "email"),
    ],
    ids=lambda v: repr(v)[:30] if isinstance(v, dict) else v,
)
def test_a_bad_field_is_answered_next_to_that_field(client, changes, field):
    response = post(client, **changes)
    assert response.status_code == 200
    page = parse(response)
    errors = field_errors(page)
    assert list(errors) == [field], errors
    assert all(errors[field])  # a message, not an empty box
    assert page.find("div", cls="has-error") is not None
    assert_nothing_stored()


def test_what_was_typed_is_kept_after_a_field_error(client):
    page = parse(post(client, phone="12345", description="路灯不亮 <已经三天>"))
    assert page.find("textarea", name="description").text().strip() == "路灯不亮 <已经三天>"
    assert page.find("input", name="address").attrs["value"] == "港湾路15号"
    selected = page.find("select", name="category").find("option", value="road-damage")
    assert "selected" in selected.attrs


def test_every_wrong_field_is_shown_at_once(client):
    files = [(image(), f"{i}.jpg") for i in range(4)]
    response = post(client, files=files, phone="12345", email="x@", description="")
    assert response.status_code == 200
    assert set(field_errors(parse(response))) == {"phone", "email", "description", "photos"}
    assert_nothing_stored()


# --- photos ------------------------------------------------------------------


def test_up_to_three_photos_are_stored_with_their_content_type(client):
    photos = [(image("JPEG"), "一.jpg"), (image("PNG"), "two.png"), (image("PNG"), "three")]
    case = submitted_case(client, post(client, files=photos))
    stored = [(a.filename, a.content_type, a.size, a.data) for a in case.attachments]
    assert stored == [
        ("一.jpg", "image/jpeg", len(photos[0][0]), photos[0][0]),
        ("two.png", "image/png", len(photos[1][0]), photos[1][0]),
        ("three", "image/png", len(photos[2][0]), photos[2][0]),
    ]


def test_the_content_type_comes_from_the_bytes_not_the_name(client):
    case = submitted_case(client, post(client, files=[(image("PNG"), "photo.jpg")]))
    assert [a.content_type for a in case.attachments] == ["image/png"]


def test_four_photos_are_refused(client):
    response = post(client, files=[(image(), f"{i}.jpg") for i in range(4)])
    assert response.status_code == 200
    assert list(field_errors(parse(response))) == ["photos"]
    assert_nothing_stored()


def test_a_file_that_is_not_an_image_is_refused(client):
    files = [(image(), "ok.jpg"), ("这不是照片\n".encode() * 100, "photo.jpg")]
    response = post(client, files=files)
    assert response.status_code == 200
    assert list(field_errors(parse(response))) == ["photos"]
    assert_nothing_stored()


def test_a_photo_of_10_mb_is_accepted(client):
    data = image("PNG")
    data += b"\0" * (10 * MB - len(data))
    case = submitted_case(client, post(client, files=[(data, "big.png")]))
    assert [a.size for a in case.attachments] == [10 * MB]


def test_a_photo_over_10_mb_is_refused(client):
    data = image("JPEG")
    data += b"\0" * (10 * MB + 1 - len(data))
    response = post(client, files=[(data, "huge.jpg")])
    assert response.status_code == 200
    assert list(field_errors(parse(response))) == ["photos"]
    assert_nothing_stored()


def test_a_request_over_the_size_limit_gets_a_readable_413(client, app):
    assert app.config["MAX_CONTENT_LENGTH"] == 31 * MB
    chunk = image("JPEG")
    chunk += b"\0" * (10 * MB + MB // 2 - len(chunk))
    response = post(client, files=[(chunk, f"{i}.jpg") for i in range(3)])
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = parse(response)
    assert page.find("html").attrs["lang"] == "zh-CN"
    card = page.find("section", cls="card")
    assert card.find("h1").text().strip() and card.find("p").text().strip()
    assert card.find("a", href="/") is not None
    assert_nothing_stored()


# --- commit, then answer ---------------------------------------------------------


def fail_next_commit(monkeypatch) -> list[int]:
    """`db.session.commit` raises OperationalError once, as when the database
    goes away mid-request, then works again."""
    calls: list[int] = []
    real_commit = db.session.commit

    def fail_once():
        if not has_request_context():  # the test's own commits go through
            return real_commit()
        calls.append(1)
        monkeypatch.undo()
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(db.session, "commit", fail_once)
    return calls


def test_a_failed_commit_answers_503_and_keeps_no_case(client, monkeypatch):
    calls = fail_next_commit(monkeypatch)
    response = post(client, files=[(image(), "a.jpg")])
    assert calls == [1]
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    page = parse(response)
    card = page.find("section", cls="card")
    assert card.find("h1").text().strip() and card.find("p").text().strip()
    assert page.find(id="tracking-number") is None
    assert (count(Case), count(Attachment)) == (0, 0)
    assert get_queue("dispatch").count == 0
    assert client.get("/submit/done").status_code == 302  # no tracking number was given

    # The next attempt goes through: the failed one left nothing in the way.
    case = submitted_case(client, post(client))
    assert count(Case) == 1 and case.citizen.phone == "+8613800138000"
    assert get_queue("dispatch").count == 1


def test_a_failed_commit_keeps_no_citizen_either(client, monkeypatch):
    fail_next_commit(monkeypatch)
    assert post(client).status_code == 503
    assert_nothing_stored()
