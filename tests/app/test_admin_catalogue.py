"""/admin/categories: the catalogue as administrators keep it, audited, and
what citizens and operators are then offered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.admin.audit import AuditAction
from cases.models import Category, OrgUnit, Priority
from core.db import db
from escalation.models import DeadlineKind, LimitUnit, TimeLimit
from tests.support import audit_rows, login


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def category(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code))


def category_form(**fields) -> dict:
    data = {"code": "tree-pruning", "name_zh": "树木修剪", "name_en": "Tree pruning",
            "group_zh": "市容环境", "group_en": "City appearance",
            "description_zh": "行道树遮挡、枝条断落。", "description_en": "",
            "priority": "normal", "sort_order": "35", "active": "y"}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def field_in_error(html: str) -> str:
    """The name of the one field shown in error."""
    parts = html.split('class="field has-error"')
    assert len(parts) == 2, "exactly one field is in error"
    return parts[1].split('name="')[1].split('"')[0]


def test_the_list_groups_the_categories_in_sort_order(admin):
    html = page(admin, "/admin/categories")
    assert "环境保护" in html  # a group heading, in Chinese
    assert html.index('id="category-noise"') < html.index('id="category-pollution"')
    noise = html.split('id="category-noise"')[1].split("</tr>")[0]
    assert "噪声扰民" in noise and 'class="rule-count">2<' in noise  # everywhere + nangang
    assert 'href="/admin/categories"' in page(admin, "/admin/")  # on the administration index


def test_create_a_category_is_audited(admin):
    response = admin.post("/admin/categories/new", data=category_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/categories/tree-pruning")
    made = category("tree-pruning")
    assert (made.name_zh, made.name_en, made.group_zh, made.priority, made.sort_order,
            made.active) == ("树木修剪", "Tree pruning", "市容环境", Priority.NORMAL, 35, True)
    [row] = audit_rows("category")
    assert (row.actor_label, row.action, row.target_id) == ("admin", AuditAction.CREATE,
                                                            "tree-pruning")
    assert row.before is None and row.after["name_zh"] == "树木修剪"
    html = page(admin, "/admin/categories/tree-pruning")
    assert 'class="flash success"' in html
    assert 'id="add-rule"' in html and 'id="rule-' not in html  # no rule yet


def test_edit_a_category_records_before_and_after(admin):
    response = admin.post("/admin/categories/noise",
                          data=category_form(code=None, name_zh="噪音扰民", priority="urgent",
                                             sort_order="5"))
    assert response.status_code == 302
    noise = category("noise")
    assert (noise.name_zh, noise.priority, noise.sort_order, noise.code) == (
        "噪音扰民", Priority.URGENT, 5, "noise")
    [row] = audit_rows("category")
    assert row.action is AuditAction.UPDATE and row.target_id == "noise"
    changed = {name: (old, new) for name, old, new in row.changed()}
    assert changed["name_zh"] == ("噪声扰民", "噪音扰民")
    assert changed["priority"] == ("normal", "urgent")
    assert "code" not in changed
    # The code cannot be changed by sending one.
    admin.post("/admin/categories/noise", data=category_form(code="other"))
    assert category("other") is None and category("noise") is not None


def test_saving_without_a_change_writes_no_audit_row(admin):
    noise = category("noise")
    data = {"name_zh": noise.name_zh, "name_en": noise.name_en, "group_zh": noise.group_zh,
            "group_en": noise.group_en, "description_zh": noise.description_zh,
            "description_en": noise.description_en, "priority": noise.priority.value,
            "sort_order": str(noise.sort_order), "active": "y"}
    assert admin.post("/admin/categories/noise", data=data).status_code == 302
    assert audit_rows("category") == []


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "noise"}, "code"),  # taken
        ({"code": ""}, "code"),
        ({"code": "Tree Pruning"}, "code"),
        ({"code": "树木"}, "code"),
        ({"name_zh": ""}, "name_zh"),
        ({"name_en": "  "}, "name_en"),
        ({"name_zh": "长" * 101}, "name_zh"),
        ({"priority": "whenever"}, "priority"),
        ({"sort_order": "first"}, "sort_order"),
        ({"sort_order": ""}, "sort_order"),
    ],
)
def test_bad_input_gets_a_field_error(admin, fields, field):
    response = admin.post("/admin/categories/new", data=category_form(**fields))
    assert response.status_code == 200
    assert field_in_error(response.get_data(as_text=True)) == field
    assert category("tree-pruning") is None
    assert audit_rows("category") == []


def test_a_deactivated_category_is_no_longer_offered(admin, client):
    assert 'value="noise"' in page(client, "/submit")
    assert "noise" in page(client, "/open311/v2/services.json")

    data = category_form(code=None, name_zh="噪声扰民", name_en="Noise nuisance",
                         group_zh="环境保护", group_en="Environment", active=None)
    assert admin.post("/admin/categories/noise", data=data).status_code == 302
    assert category("noise").active is False
    [row] = audit_rows("category")
    assert ("active", True, False) in row.changed()
    row_tag = page(admin, "/admin/categories").split('id="category-noise"')[1].split(">")[0]
    assert 'class="ended"' in row_tag

    login(client, "operator")
    assert 'value="noise"' not in page(client, "/console")
    client.post("/logout")
    assert 'value="noise"' not in page(client, "/submit")
    services = client.get("/open311/v2/services.json").get_json()
    assert "noise" not in {s["service_code"] for s in services}
    assert "pollution" in {s["service_code"] for s in services}
    assert client.get("/open311/v2/services/noise.json").status_code == 404


def test_the_category_page_shows_its_rules_and_effective_limits(admin):
    noise = category("noise")
    db.session.add_all([
        TimeLimit(category=None, priority=Priority.NORMAL, kind=DeadlineKind.RESOLVE,
                  amount=10, unit=LimitUnit.WORKING_DAYS),
        TimeLimit(category=noise, priority=Priority.NORMAL, kind=DeadlineKind.ACKNOWLEDGE,
                  amount=2, unit=LimitUnit.WORKING_HOURS),
    ])
    db.session.commit()
    html = page(admin, "/admin/categories/noise")
    rules = html.split('id="category-rules"')[1].split("</section>")[0]
    assert rules.count('id="rule-') == 2
    environment = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "environment"))
    assert environment.name_zh in rules  # the fixed unit, by name

    limits = html.split('id="category-limits"')[1].split("</section>")[0]
    own = limits.split('id="limit-normal-acknowledge"')[1].split("</tr>")[0]
    general = limits.split('id="limit-normal-resolve"')[1].split("</tr>")[0]
    default = limits.split('id="limit-urgent-resolve"')[1].split("</tr>")[0]
    assert 'class="source-category"' in limits and ">2 " in own
    assert ">10 " in general and "source-general" in limits
    assert ">5 " in default  # the built-in default for urgent cases
    assert 'href="/admin/time-limits"' in limits and 'href="/admin/calendar"' in limits


def test_an_unknown_category_is_404(admin):
    assert admin.get("/admin/categories/no-such").status_code == 404


@pytest.mark.parametrize("username", ["operator", "dispatcher", "supervisor", "huangpu-head"])
def test_only_administrators(client, username):
    login(client, username)
    for path in ("/admin/categories", "/admin/categories/new", "/admin/categories/noise"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/categories/new", data=category_form()).status_code == 403
    assert client.post("/admin/categories/noise",
                       data=category_form(code=None, active=None)).status_code == 403
    assert category("tree-pruning") is None and category("noise").active


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for path in ("/admin/categories", "/admin/categories/noise"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
