"""/admin/keys: Open311 client keys and REST API tokens issued, deactivated
and revoked through the pages, with the effect checked on the real
endpoints, and no plain key left anywhere after the one page that shows it."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from app.admin.audit import AdminAuditEvent, AuditAction
from app.api.models import ApiToken
from cases.models import Case
from cases.models.users import User
from channels.open311.models import ApiKey
from core.db import db
from tests.support import audit_rows, login

ROAD = "港湾路15号"  # in the demo address directory


def shown_secret(response) -> str:
    """The key or token on the one page that shows it."""
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r'<code id="secret"[^>]*>([^<]+)</code>', response.get_data(as_text=True))
    assert match, response.get_data(as_text=True)
    return match.group(1)


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def open311_post(client, key: str):
    return client.post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "road-damage",
        "description": "人行道地砖松动，老人容易绊倒。", "address_string": ROAD})


def assert_nowhere_after_issue(client, secret: str) -> None:
    """Not in any audit row, not on /admin/audit, not on the list page."""
    for row in db.session.scalars(select(AdminAuditEvent)):
        text = json.dumps([row.summary, row.target_id, row.before, row.after], ensure_ascii=False)
        assert secret not in text
    assert secret not in client.get("/admin/audit").get_data(as_text=True)
    assert secret not in client.get("/admin/keys").get_data(as_text=True)


def test_an_issued_open311_key_files_requests_until_it_is_deactivated(client):
    login(client, "admin")
    key = shown_secret(client.post("/admin/keys/open311", data={"key-client": "huangpu-app"}))
    row = db.session.scalar(select(ApiKey).where(ApiKey.client == "huangpu-app"))
    assert row.active and key not in (row.key_hash, row.client)

    created = open311_post(client, key)
    assert created.status_code == 201, created.get_data(as_text=True)
    number = created.get_json()[0]["service_request_id"]
    assert db.session.scalar(select(Case.channel).where(Case.tracking_number == number)) \
        == "open311:huangpu-app"

    page = client.get("/admin/keys").get_data(as_text=True)
    assert f'id="open311-key-{row.id}"' in page and "huangpu-app" in page

    response = client.post(f"/admin/keys/open311/{row.id}/deactivate")
    assert response.status_code == 302
    refused = open311_post(client, key)
    assert refused.status_code == 403 and "api_key" in refused.get_json()[0]["description"]
    db.session.expire_all()
    assert db.session.get(ApiKey, row.id).active is False

    issued, deactivated = audit_rows("open311_key")
    assert (issued.action, issued.target_id, issued.actor_label) == \
        (AuditAction.ISSUE, str(row.id), "admin")
    assert issued.after == {"client": "huangpu-app", "active": True}
    assert deactivated.action is AuditAction.REVOKE
    assert deactivated.changed() == [("active", True, False)]
    assert_nowhere_after_issue(client, key)


def test_deactivating_twice_records_one_change(client):
    row, _key = ApiKey.issue("huangpu-app")
    db.session.add(row)
    login(client, "admin")
    for _ in range(2):
        assert client.post(f"/admin/keys/open311/{row.id}/deactivate").status_code == 302
    assert len(audit_rows("open311_key")) == 1
    assert client.post("/admin/keys/open311/99999/deactivate").status_code == 404


@pytest.mark.parametrize("name", ["", "   ", "x" * 57])
def test_a_bad_client_name_is_refused_with_the_form_error(client, name):
    login(client, "admin")
    response = client.post("/admin/keys/open311", data={"key-client": name})
    assert response.status_code == 400
    assert 'id="secret"' not in response.get_data(as_text=True)
    assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiKey).where(
        ApiKey.client == name.strip())) == 0
    assert audit_rows("open311_key") == []


def test_keys_from_the_configuration_are_listed_by_name_only(client):
    login(client, "admin")
    page = client.get("/admin/keys").get_data(as_text=True)
    assert 'data-client="test-client"' in page  # OPEN311_API_KEYS=test-client=test-key
    assert "test-key" not in page


def test_an_issued_token_works_on_the_api_until_it_is_revoked(client):
    login(client, "admin")
    chengguan = user("chengguan")
    token = shown_secret(client.post("/admin/keys/tokens", data={
        "token-user": chengguan.id, "token-name": "城管业务系统"}))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200

    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == chengguan.id))
    assert row.name == "城管业务系统" and row.last_used_at is not None
    page = client.get("/admin/keys").get_data(as_text=True)
    assert f'id="api-token-{row.id}"' in page and "城管业务系统" in page

    assert client.post(f"/admin/keys/tokens/{row.id}/revoke").status_code == 302
    refused = client.get("/api/v1/cases", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "invalid_token"

    issued, revoked = audit_rows("api_token")
    assert issued.action is AuditAction.ISSUE and issued.target_id == str(row.id)
    assert issued.after["user"] == "chengguan" and issued.after["revoked_at"] is None
    assert revoked.action is AuditAction.REVOKE and revoked.after["revoked_at"]
    assert_nowhere_after_issue(client, token)
    assert token not in client.get("/admin/audit?target=api_token").get_data(as_text=True)


def test_a_token_made_by_the_cli_is_listed_and_revoked_on_the_page(app, client):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["api-token", "create", "huanbao",
                                                "--name", "环保平台"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    db.session.expire_all()
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "环保平台"))
    login(client, "admin")
    page = client.get("/admin/keys").get_data(as_text=True)
    assert f'id="api-token-{row.id}"' in page and 'data-user="huanbao"' in page
    assert token not in page
    client.post(f"/admin/keys/tokens/{row.id}/revoke")
    assert client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}) \
        .status_code == 401


def test_an_inactive_user_gets_no_token(client):
    huanbao = user("huanbao")
    huanbao.active = False
    login(client, "admin")
    page = client.get("/admin/keys").get_data(as_text=True)
    assert "(huanbao)" not in page  # not offered
    response = client.post("/admin/keys/tokens", data={"token-user": huanbao.id})
    assert response.status_code == 400
    assert 'id="secret"' not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ApiToken)) == 0
    assert audit_rows("api_token") == []


def test_empty_lists_say_so(client):
    db.session.execute(ApiKey.__table__.delete())
    login(client, "admin")
    page = client.get("/admin/keys").get_data(as_text=True)
    assert 'id="api-token-list"' not in page and 'class="empty"' in page


@pytest.mark.parametrize("method, path", [
    ("get", "/admin/keys"),
    ("post", "/admin/keys/open311"),
    ("post", "/admin/keys/open311/1/deactivate"),
    ("post", "/admin/keys/tokens"),
    ("post", "/admin/keys/tokens/1/revoke"),
])
def test_only_administrators_may_manage_keys(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    for username in ("supervisor", "dispatcher", "chengguan", "evaluator"):
        login(client, username)
        assert getattr(client, method)(path, data={"key-client": "x"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AdminAuditEvent)) == 0


def test_the_index_links_the_keys_page(client):
    login(client, "admin")
    assert 'href="/admin/keys"' in client.get("/admin/").get_data(as_text=True)
