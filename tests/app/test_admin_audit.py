"""The administration audit log: rows written with the change, read back on
/admin/audit by administrators only."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.admin.audit import AdminAuditEvent, AuditAction, record, snapshot
from cases.models import OrgUnit, UnitKind
from cases.models.users import User
from core.db import db
from tests.support import login


def test_a_change_is_listed_with_who_and_what_changed(client):
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    unit = db.session.scalar(select(OrgUnit).where(OrgUnit.kind == UnitKind.STREET))
    before = snapshot(unit, ("name_zh", "kind", "active"))
    unit.name_zh = "新名称街道"
    record(admin, AuditAction.UPDATE, "org_unit", unit.code, summary="改名",
           before=before, after=snapshot(unit, ("name_zh", "kind", "active")))
    record("cli:import-users", AuditAction.IMPORT, "user", summary="12 行导入，1 行有误")
    db.session.commit()

    login(client, "admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert f"{before['name_zh']} → 新名称街道" in page
    assert "kind:" not in page  # unchanged fields are not listed
    assert page.index("cli:import-users") < page.index("改名")  # newest first
    only_users = client.get("/admin/audit?target=user").get_data(as_text=True)
    assert "12 行导入" in only_users and "改名" not in only_users
    assert "审计日志" in client.get("/admin/").get_data(as_text=True)


def test_the_audit_log_is_for_administrators_only(client):
    assert client.get("/admin/audit").status_code == 302
    for user in ("supervisor", "dispatcher", "chengguan"):
        login(client, user)
        assert client.get("/admin/audit").status_code == 403
        assert client.get("/admin/").status_code == 403


def test_an_empty_log_says_so(client):
    login(client, "admin")
    assert db.session.scalar(select(AdminAuditEvent.id)) is None
    assert "尚未记录任何更改" in client.get("/admin/audit").get_data(as_text=True)


def test_record_refuses_a_row_without_actor_or_target():
    with pytest.raises(ValueError, match="target_type"):
        record("cli", AuditAction.CREATE, "")
    with pytest.raises(ValueError, match="actor"):
        record("", AuditAction.CREATE, "user")
