"""/admin/users: administrators create staff accounts, change roles and
units, switch accounts off and set passwords; every change is audited and
no audit row holds a password."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.admin.audit import AdminAuditEvent, AuditAction
from cases.models.users import Role, User
from core.db import db
from tests.support import audit_rows, login

NEW = {"username": "cg-zhao", "display_name": "城管 赵办事员", "password": "s3cret-pass",
       "role": "unit_staff", "unit": "city-management"}


def user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def edit_form(u: User, **changes) -> dict:
    data = {"display_name": u.display_name, "role": u.role.value,
            "unit": u.unit.code if u.unit else ""}
    if u.active:
        data["active"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_list_filters_by_role_unit_and_name(admin):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert 'id="user-admin"' in page and 'id="user-huangpu-staff"' in page
    staff = admin.get("/admin/users?role=unit_staff").get_data(as_text=True)
    assert 'id="user-huangpu-staff"' in staff and 'id="user-admin"' not in staff
    assert 'id="user-huangpu-head"' not in staff
    street = admin.get("/admin/users?unit=huangpu-street").get_data(as_text=True)
    assert 'id="user-huangpu-staff"' in street and 'id="user-huangpu-head"' in street
    assert 'id="user-chengguan"' not in street
    found = admin.get("/admin/users?q=王办事员").get_data(as_text=True)
    assert 'id="user-huangpu-staff"' in found and 'id="user-admin"' not in found
    none = admin.get("/admin/users?q=nobody-at-all").get_data(as_text=True)
    assert 'id="users"' not in none and 'class="empty"' in none


def test_the_list_is_paginated_and_keeps_the_filter(admin):
    db.session.add_all(User(username=f"op{i:03}", display_name=f"话务员{i}", role=Role.OPERATOR,
                            password_hash="x") for i in range(60))
    first = admin.get("/admin/users?role=operator").get_data(as_text=True)
    assert first.count('data-role="operator"') == 50
    assert "page=2" in first and "role=operator" in first[first.index('class="pager"'):]
    second = admin.get("/admin/users?role=operator&page=2").get_data(as_text=True)
    assert second.count('data-role="operator"') == 11  # ten more and the demo's operator


def test_a_created_unit_staff_user_signs_in_and_sees_the_units_cases(client, make_case, work):
    case = make_case(category_code="road-damage")
    work()
    login(client, "admin")
    response = client.post("/admin/users/new", data=NEW)
    assert response.status_code == 302
    created = user("cg-zhao")
    assert created.role is Role.UNIT_STAFF and created.unit.code == "city-management"
    [row] = audit_rows("user", "cg-zhao")
    assert row.action is AuditAction.CREATE and row.after["unit"] == "city-management"
    assert "password" not in json.dumps(row.after) and created.password_hash not in json.dumps(
        [row.before, row.after, row.summary])
    assert "城管 赵办事员" in client.get("/admin/audit?target=user").get_data(as_text=True)
    client.post("/logout")

    response = login(client, "cg-zhao", "s3cret-pass")
    assert response.status_code == 302 and response.location == "/workbench"
    assert case.tracking_number in client.get("/workbench").get_data(as_text=True)


@pytest.mark.parametrize(("changes", "bad_field"), [
    ({"unit": ""}, "unit"),  # unit staff need a unit
    ({"role": "unit_head", "unit": ""}, "unit"),
    ({"username": "chengguan"}, "username"),  # taken
    ({"username": "ChengGuan"}, "username"),  # taken, whatever the case
    ({"username": "has space"}, "username"),
    ({"password": "short"}, "password"),
    ({"display_name": ""}, "display_name"),
])
def test_a_user_that_breaks_a_rule_is_refused_with_the_reason(admin, changes, bad_field):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = admin.post("/admin/users/new", data={**NEW, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.count('class="error"') == 1
    assert f'id="{bad_field}"' in page[page.index("has-error"):]
    assert db.session.scalar(select(func.count()).select_from(User)) == before
    assert db.session.scalar(select(AdminAuditEvent.id)) is None
    assert "s3cret-pass" not in page and "value=\"short\"" not in page  # never shown back


def test_a_user_without_a_unit_role_needs_no_unit(admin):
    response = admin.post("/admin/users/new", data={**NEW, "role": "dispatcher", "unit": ""})
    assert response.status_code == 302 and user("cg-zhao").unit is None


def test_role_unit_and_name_are_edited_and_audited(admin):
    staff = user("huangpu-staff")
    response = admin.post(f"/admin/users/{staff.id}", data=edit_form(
        staff, role="unit_head", unit="huangpu-dongyuan", display_name="东苑 王主任"))
    assert response.status_code == 302
    changed = user("huangpu-staff")
    assert (changed.role, changed.unit.code, changed.display_name) == (
        Role.UNIT_HEAD, "huangpu-dongyuan", "东苑 王主任")
    [row] = audit_rows("user", "huangpu-staff")
    assert row.before == {"username": "huangpu-staff", "display_name": "黄埔街道 王办事员",
                          "role": "unit_staff", "unit": "huangpu-street", "active": True}
    assert row.after["role"] == "unit_head" and row.after["unit"] == "huangpu-dongyuan"
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "unit_staff → unit_head" in page and "huangpu-street → huangpu-dongyuan" in page


def test_a_deactivated_user_cannot_sign_in(app, client):
    signed_in = app.test_client()
    login(signed_in, "huangpu-staff")
    assert signed_in.get("/workbench").status_code == 200
    login(client, "admin")
    staff = user("huangpu-staff")
    assert client.post(f"/admin/users/{staff.id}",
                       data=edit_form(staff, active=None)).status_code == 302
    assert user("huangpu-staff").active is False
    assert audit_rows("user", "huangpu-staff")[-1].action is AuditAction.DELETE
    assert 'id="user-huangpu-staff" class="inactive"' in client.get(
        "/admin/users").get_data(as_text=True)
    assert signed_in.get("/workbench").status_code == 302  # the open session ends too
    client.post("/logout")
    response = login(client, "huangpu-staff")
    assert response.status_code == 200 and 'class="error"' in response.get_data(as_text=True)
    assert client.get("/workbench").status_code == 302  # still signed out


def test_a_user_cannot_be_moved_to_an_inactive_unit(admin):
    admin.post("/admin/units/new", data={"code": "huangpu-xincun", "name_zh": "新村社区",
                                         "kind": "community", "parent": "huangpu-street"})
    staff = user("huangpu-staff")
    page = admin.post(f"/admin/users/{staff.id}", data=edit_form(staff, unit="huangpu-xincun"))
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)
    assert user("huangpu-staff").unit.code == "huangpu-street"


@pytest.mark.parametrize("changes", [{"active": None}, {"role": "supervisor"}])
def test_an_administrator_cannot_lock_themselves_out(admin, changes):
    me = user("admin")
    response = admin.post(f"/admin/users/{me.id}", data=edit_form(me, **changes))
    assert response.status_code == 200
    assert 'class="error"' in response.get_data(as_text=True)
    me = user("admin")
    assert me.active and me.role is Role.ADMIN
    assert audit_rows("user", "admin") == []
    assert admin.get("/admin/users").status_code == 200


def test_an_administrator_deactivates_another_administrator(admin):
    db.session.add(User(username="admin2", display_name="第二管理员", role=Role.ADMIN,
                        password_hash="x"))
    other = user("admin2")
    assert admin.post(f"/admin/users/{other.id}",
                      data=edit_form(other, active=None)).status_code == 302
    assert user("admin2").active is False


def test_a_password_is_reset_and_never_written_to_the_audit(client):
    login(client, "admin")
    staff = user("huangpu-staff")
    old_hash = staff.password_hash
    response = client.post(f"/admin/users/{staff.id}/password",
                           data={"password": "new-pass-123", "confirm": "new-pass-123"},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "new-pass-123" not in page
    new_hash = user("huangpu-staff").password_hash
    assert new_hash != old_hash
    [row] = audit_rows("user", "huangpu-staff")
    stored = json.dumps([row.before, row.after, row.summary])
    assert row.before is None and row.after is None
    assert new_hash not in stored and old_hash not in stored and "new-pass-123" not in stored
    client.post("/logout")
    assert login(client, "huangpu-staff").status_code == 200  # the old password is gone
    assert login(client, "huangpu-staff", "new-pass-123").status_code == 302


@pytest.mark.parametrize("data", [
    {"password": "short", "confirm": "short"},
    {"password": "long-enough-1", "confirm": "long-enough-2"},
    {"password": "", "confirm": ""},
])
def test_a_bad_new_password_is_refused(admin, data):
    staff = user("huangpu-staff")
    old_hash = staff.password_hash
    response = admin.post(f"/admin/users/{staff.id}/password", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error"' in page[page.index('id="reset-password"'):]
    assert user("huangpu-staff").password_hash == old_hash
    assert audit_rows("user", "huangpu-staff") == []


def test_an_unknown_user_is_404(admin):
    assert admin.get("/admin/users/99999").status_code == 404


@pytest.mark.parametrize("path", ["/admin/users", "/admin/users/new", "/admin/users/1"])
def test_only_administrators_reach_the_user_pages(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location
    for username in ("supervisor", "huangpu-head", "evaluator"):
        login(client, username)
        assert client.get(path).status_code == 403
        client.post("/logout")


def test_a_non_administrator_cannot_create_or_promote(client):
    login(client, "supervisor")
    assert client.post("/admin/users/new", data=NEW).status_code == 403
    me = user("supervisor")
    assert client.post(f"/admin/users/{me.id}",
                       data=edit_form(me, role="admin")).status_code == 403
    assert client.post(f"/admin/users/{me.id}/password",
                       data={"password": "x" * 10, "confirm": "x" * 10}).status_code == 403
    assert user("supervisor").role is Role.SUPERVISOR and user("cg-zhao") is None
