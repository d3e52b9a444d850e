"""/admin/rules: routing rules edited on the page route the next case,
through the real RQ worker; every change is audited and bad rules are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.admin.audit import AuditAction
from cases.models import AssignmentRole, Category, OrgUnit, RouteTarget, RoutingRule
from core.db import db
from tests.support import audit_rows, login


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def rule_for(category_code: str, area: str | None = None) -> RoutingRule | None:
    category = db.session.scalar(select(Category).where(Category.code == category_code))
    area_id = unit(area).id if area else None
    return db.session.scalar(select(RoutingRule).where(
        RoutingRule.category_id == category.id, RoutingRule.active.is_(True),
        (RoutingRule.area_id == area_id) if area_id else RoutingRule.area_id.is_(None)))


def rule_form(**fields) -> list[tuple[str, str]]:
    data = {"category": "garbage", "area": "huangpu-street", "target_kind": "unit",
            "target_unit": "city-management", "assist_units": ["environment"], "active": "y"}
    data.update(fields)
    pairs = []
    for name, value in data.items():
        for one in value if isinstance(value, list) else [value]:
            if one is not None:
                pairs.append((name, one))
    return pairs


def post(client, path: str, pairs: list[tuple[str, str]]):
    return client.post(path, data=MultiDict(pairs))


def field_in_error(html: str) -> str:
    parts = html.split('class="field has-error"')
    assert len(parts) == 2, "exactly one field is in error"
    return parts[1].split('name="')[1].split('"')[0]


def units_of(case) -> tuple[str | None, list[str]]:
    lead = case.lead_assignment.unit.code if case.lead_assignment else None
    assists = sorted(a.unit.code for a in case.assignments
                     if a.role is AssignmentRole.ASSIST and a.active)
    return lead, assists


def test_the_list_and_a_categorys_rules(admin):
    html = page(admin, "/admin/rules")
    assert html.count('id="rule-') == 29  # the demo's rules (5 for the register), on one page
    only_noise = page(admin, "/admin/rules?category=noise")
    assert only_noise.count('id="rule-') == 2
    assert admin.get("/admin/rules?category=no-such").status_code == 404
    assert 'href="/admin/rules"' in page(admin, "/admin/")


def test_a_new_rule_with_an_assisting_unit_routes_the_next_case(admin, make_case, work):
    before = make_case(category_code="garbage")  # 港湾路15号: huangpu-dongyuan, huangpu-street
    work()
    assert units_of(before) == ("huangpu-street", [])

    response = post(admin, "/admin/rules/new", rule_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/categories/garbage")
    rule = rule_for("garbage", "huangpu-street")
    assert (rule.target_kind, rule.target_unit.code, [u.code for u in rule.assist_units]) == (
        RouteTarget.UNIT, "city-management", ["environment"])
    [row] = audit_rows("routing_rule")
    assert (row.actor_label, row.action, row.target_id) == (
        "admin", AuditAction.CREATE, str(rule.id))
    assert row.after == {"category": "garbage", "area": "huangpu-street", "target_kind": "unit",
                         "target_unit": "city-management", "assist_units": ["environment"],
                         "active": True}
    assert f'id="rule-{rule.id}"' in page(admin, "/admin/categories/garbage")

    after = make_case(category_code="garbage")
    elsewhere = make_case(category_code="garbage", address_text="黄埔东路901号")  # hongshan
    work()
    assert units_of(after) == ("city-management", ["environment"])
    assert units_of(elsewhere) == ("hongshan-street", [])


def test_editing_a_rule_routes_the_next_case_by_the_new_target(admin, make_case, work):
    rule = rule_for("road-damage")
    rule_id = rule.id
    response = post(admin, f"/admin/rules/{rule_id}",
                    rule_form(category="road-damage", area="", target_kind="unit",
                              target_unit="water", assist_units=[]))
    assert response.status_code == 302
    case = make_case(category_code="road-damage")
    work()
    assert units_of(case) == ("water", [])
    [row] = audit_rows("routing_rule")
    assert row.action is AuditAction.UPDATE
    assert ("target_unit", "city-management", "water") in row.changed()

    # To the street of the address: no unit may be named then.
    post(admin, f"/admin/rules/{rule_id}",
         rule_form(category="road-damage", area="", target_kind="street_of_address",
                   target_unit="", assist_units=["city-management"]))
    case = make_case(category_code="road-damage")
    work()
    assert units_of(case) == ("huangpu-street", ["city-management"])


def test_a_deactivated_rule_no_longer_routes(admin, make_case, work):
    rule_id = rule_for("road-damage").id
    response = admin.post(f"/admin/rules/{rule_id}/deactivate")
    assert response.status_code == 302
    assert db.session.get(RoutingRule, rule_id).active is False
    [row] = audit_rows("routing_rule")
    assert row.action is AuditAction.DELETE and ("active", True, False) in row.changed()
    case = make_case(category_code="road-damage")
    work()
    assert case.lead_assignment is None  # waits for a dispatcher
    # Deactivating twice changes nothing twice.
    admin.post(f"/admin/rules/{rule_id}/deactivate")
    assert len(audit_rows("routing_rule")) == 1
    assert admin.post("/admin/rules/999999/deactivate").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"target_unit": ""}, "target_unit"),  # a fixed unit needs its unit
        ({"target_kind": "street_of_address"}, "target_unit"),  # ...and only then
        ({"target_kind": "anywhere"}, "target_kind"),
        ({"target_unit": "no-such-unit"}, "target_unit"),
        ({"assist_units": ["environment", "city-management"]}, "assist_units"),
        ({"assist_units": ["no-such-unit"]}, "assist_units"),
        ({"area": "environment"}, "area"),  # a department is no area
        ({"category": ""}, "category"),
        ({"category": "no-such"}, "category"),
        ({"category": "noise", "area": "nangang-street"}, "area"),  # that rule exists
        ({"category": "noise", "area": ""}, "area"),  # and so does the rule for everywhere
    ],
)
def test_bad_rules_get_a_field_error(admin, fields, field):
    count = len(db.session.scalars(select(RoutingRule)).all())
    response = post(admin, "/admin/rules/new", rule_form(**fields))
    assert response.status_code == 200
    assert field_in_error(response.get_data(as_text=True)) == field
    assert len(db.session.scalars(select(RoutingRule)).all()) == count
    assert audit_rows("routing_rule") == []


def test_the_duplicate_error_names_the_rule_in_the_way(admin):
    existing = rule_for("noise", "nangang-street")
    response = post(admin, "/admin/rules/new", rule_form(category="noise", area="nangang-street"))
    html = response.get_data(as_text=True)
    assert f"rule {existing.id}" in html or f"规则 {existing.id}" in html
    # An inactive duplicate is allowed, and so is reactivating once the slot is free.
    response = post(admin, "/admin/rules/new",
                    rule_form(category="noise", area="nangang-street", active=None))
    assert response.status_code == 302
    spare = db.session.scalars(select(RoutingRule).order_by(RoutingRule.id.desc())).first()
    assert spare.active is False
    reactivate = rule_form(category="noise", area="nangang-street")
    assert field_in_error(post(admin, f"/admin/rules/{spare.id}", reactivate)
                          .get_data(as_text=True)) == "area"
    admin.post(f"/admin/rules/{existing.id}/deactivate")
    assert post(admin, f"/admin/rules/{spare.id}", reactivate).status_code == 302
    db.session.expire_all()
    assert rule_for("noise", "nangang-street").id == spare.id


def test_an_inactive_unit_cannot_be_chosen(admin):
    water = unit("water")
    water.active = False
    db.session.commit()
    response = post(admin, "/admin/rules/new", rule_form(target_unit="water"))
    assert field_in_error(response.get_data(as_text=True)) == "target_unit"
    # A rule that already names it shows it, and saving asks for another unit.
    rule_id = rule_for("water-supply").id
    html = page(admin, f"/admin/rules/{rule_id}")
    assert 'selected value="water"' in html
    response = post(admin, f"/admin/rules/{rule_id}",
                    rule_form(category="water-supply", area="", target_unit="water",
                              assist_units=[]))
    assert field_in_error(response.get_data(as_text=True)) == "target_unit"
    assert audit_rows("routing_rule") == []


def test_the_new_rule_form_starts_from_the_category(admin):
    html = page(admin, "/admin/rules/new?category=drainage")
    assert 'selected value="drainage"' in html
    assert admin.get("/admin/rules/999999").status_code == 404


@pytest.mark.parametrize("username", ["operator", "dispatcher", "supervisor", "chengguan"])
def test_only_administrators(client, username):
    login(client, username)
    rule_id = rule_for("road-damage").id
    for path in ("/admin/rules", "/admin/rules/new", f"/admin/rules/{rule_id}"):
        assert client.get(path).status_code == 403
    assert post(client, "/admin/rules/new", rule_form()).status_code == 403
    assert client.post(f"/admin/rules/{rule_id}/deactivate").status_code == 403
    assert rule_for("road-damage").id == rule_id and audit_rows("routing_rule") == []


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/rules")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
