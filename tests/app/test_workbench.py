"""Staff sign in and work their unit's cases; nobody sees another unit's."""

from __future__ import annotations

import pytest

from app import create_app
from cases.states import CaseStatus
from core.db import db
from tests.conftest import _test_config
from tests.support import login


@pytest.fixture
def road_case(make_case, work):
    case = make_case(category_code="road-damage", description="井盖缺失<script>x</script>")
    work()
    return case


def test_sign_in_with_a_wrong_password_says_so(client):
    response = login(client, "chengguan", "wrong-password")
    assert response.status_code == 200
    assert b'class="error"' in response.data
    assert client.get("/workbench").status_code == 302  # still signed out


def test_pages_need_sign_in(client, road_case):
    for path in ("/workbench", f"/cases/{road_case.tracking_number}", "/dispatch"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_sign_in_never_redirects_off_site(client):
    response = client.post(
        "/login?next=https://evil.example/",
        data={"username": "chengguan", "password": "xietong-demo"},
    )
    assert response.status_code == 302 and response.location == "/workbench"


def test_the_unit_sees_its_case_and_another_unit_does_not(client, road_case):
    login(client, "chengguan")
    page = client.get("/workbench").get_data(as_text=True)
    assert road_case.tracking_number in page
    detail = client.get(f"/cases/{road_case.tracking_number}").get_data(as_text=True)
    assert "井盖缺失&lt;script&gt;x&lt;/script&gt;" in detail  # escaped, as written
    client.post("/logout")

    login(client, "shuiwu")
    assert road_case.tracking_number not in client.get("/workbench").get_data(as_text=True)
    assert client.get(f"/cases/{road_case.tracking_number}").status_code == 403
    response = client.post(f"/cases/{road_case.tracking_number}/acknowledge")
    assert response.status_code == 403
    db.session.refresh(road_case)
    assert road_case.status is CaseStatus.DISPATCHED


def test_sign_update_and_resolve_through_the_pages(client, road_case):
    login(client, "chengguan")
    tn = road_case.tracking_number
    assert client.post(f"/cases/{tn}/acknowledge").status_code == 302
    client.post(f"/cases/{tn}/update", data={"text": "已派人处理", "public": "y"})
    client.post(f"/cases/{tn}/update", data={"text": "内部：需要采购井盖"})
    response = client.post(f"/cases/{tn}/resolve", data={"reply": "已补装井盖。"})
    assert response.status_code == 302
    db.session.refresh(road_case)
    assert road_case.status is CaseStatus.RESOLVED
    public = [(e.kind.value, e.public) for e in road_case.events]
    assert ("progress", True) in public and ("note", False) in public
    page = client.get("/workbench?tab=resolved").get_data(as_text=True)
    assert tn in page


def test_a_refused_action_is_explained_not_a_500(client, road_case):
    login(client, "chengguan")
    tn = road_case.tracking_number
    response = client.post(f"/cases/{tn}/resolve", data={"reply": "跳过签收"})
    assert response.status_code == 422  # the case page again, saying why
    assert 'class="flash error"' in response.get_data(as_text=True)
    assert client.post(f"/cases/{tn}/resolve", data={"reply": ""}).status_code == 422
    assert 'class="flash error"' not in client.get(f"/cases/{tn}").get_data(as_text=True)


def test_a_refused_form_keeps_what_was_typed(client, road_case):
    login(client, "chengguan")
    tn = road_case.tracking_number
    client.post(f"/cases/{tn}/acknowledge")
    reply = "已补装井盖。" + "详" * 4000  # longer than a reply may be
    response = client.post(f"/cases/{tn}/resolve", data={"reply": reply})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{reply}</textarea>" in page and 'class="field has-error"' in page
    update = client.post(f"/cases/{tn}/update", data={"text": "  "})
    assert update.status_code == 422 and 'class="flash error"' in update.get_data(as_text=True)
    db.session.refresh(road_case)
    assert road_case.status is CaseStatus.ACKNOWLEDGED


def test_an_unknown_case_is_404(client):
    login(client, "supervisor")
    assert client.get("/cases/0000000000").status_code == 404


def test_the_dispatcher_dispatches_an_unrouted_case_by_hand(client, make_case, work):
    case = make_case(category_code="unclassified")
    work()
    db.session.refresh(case)
    assert case.status is CaseStatus.UNROUTED
    login(client, "dispatcher")
    assert case.tracking_number in client.get("/dispatch").get_data(as_text=True)
    response = client.post(
        f"/cases/{case.tracking_number}/dispatch", data={"unit": "water", "reason": "供水相关"}
    )
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.status is CaseStatus.DISPATCHED
    assert case.lead_assignment.unit.code == "water"
    queue = client.get("/dispatch").get_data(as_text=True)
    assert case.tracking_number not in queue and 'class="empty"' in queue


def test_unit_staff_cannot_open_the_dispatcher_queue(client):
    login(client, "chengguan")
    assert client.get("/dispatch").status_code == 403


def test_every_form_needs_its_csrf_token(database_url, redis_url, tmp_path, road_case):
    config = _test_config(database_url, redis_url, str(tmp_path)) | {"WTF_CSRF_ENABLED": True}
    client = create_app(config).test_client()
    response = client.post("/login", data={"username": "chengguan", "password": "xietong-demo"})
    assert response.status_code == 400
    response = client.post("/track", data={"tracking_number": "1", "phone_last4": "1"})
    assert response.status_code == 400


def test_attachments_are_served_so_that_nothing_in_them_runs(client, make_case):
    from cases.events import IncomingFile

    case = make_case(files=(
        IncomingFile("photo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 32),
        IncomingFile("正文.html", "text/html", b"<script>alert(1)</script>"),
    ))
    login(client, "supervisor")
    photo, page = case.attachments
    shown = client.get(f"/cases/{case.tracking_number}/attachments/{photo.id}")
    assert shown.headers["Content-Disposition"].startswith("inline")
    download = client.get(f"/cases/{case.tracking_number}/attachments/{page.id}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert "%E6%AD%A3%E6%96%87.html" in download.headers["Content-Disposition"]
    for response in (shown, download):
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
