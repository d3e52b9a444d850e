"""/admin/units: administrators keep the org tree and the boundaries of
communities; the tree's rules hold, and every change is in the audit log."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.admin.audit import AdminAuditEvent, AuditAction
from cases.models import Case, OrgUnit
from cases.models.users import User
from cases.routing import locate
from core.db import db
from tests.support import audit_rows, login

# A square around a point far from every demo community (Beijing).
INSIDE = (39.9, 116.4)  # lat, long
SQUARE = {"type": "Polygon", "coordinates": [[
    [116.3, 39.8], [116.5, 39.8], [116.5, 40.0], [116.3, 40.0], [116.3, 39.8]]]}


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def unit_form(u: OrgUnit, **changes) -> dict:
    data = {"name_zh": u.name_zh, "name_en": u.name_en, "kind": u.kind.value,
            "parent": u.parent.code if u.parent else ""}
    if u.active:
        data["active"] = "y"
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_tree_lists_streets_under_the_district_and_communities_under_streets(admin):
    page = admin.get("/admin/units").get_data(as_text=True)
    district, street = page.index('id="unit-huangpu"'), page.index('id="unit-huangpu-street"')
    community = page.index('id="unit-huangpu-dongyuan"')
    assert district < street < community < page.index('id="unit-hongshan-street"')
    assert page.index('id="unit-xiagang-qingnian"') < page.index('id="unit-city-management"')
    row = page[street:page.index("</tr>", street)]
    assert "黄埔街道" in row and '<td class="users">2</td>' in row  # huangpu-staff and -head
    assert "id=\"unit-huangpu-dongyuan\"" in page and "东苑" in page


def test_an_admin_creates_a_community_under_a_street(admin):
    response = admin.post("/admin/units/new", data={
        "code": "huangpu-xincun", "name_zh": "新村社区", "name_en": "Xincun Community",
        "kind": "community", "parent": "huangpu-street", "active": "y"})
    assert response.status_code == 302 and response.location.endswith("/admin/units/huangpu-xincun")
    created = unit("huangpu-xincun")
    assert created.parent.code == "huangpu-street" and created.active and created.boundary is None
    [row] = audit_rows("org_unit", "huangpu-xincun")
    assert row.action is AuditAction.CREATE and row.actor.username == "admin"
    assert row.after["parent"] == "huangpu-street" and row.after["kind"] == "community"
    assert "新村社区" in admin.get("/admin/units").get_data(as_text=True)
    assert "新村社区" in admin.get("/admin/audit?target=org_unit").get_data(as_text=True)


@pytest.mark.parametrize(("fields", "bad_field"), [
    ({"kind": "community", "parent": "huangpu"}, "parent"),  # a community under the district
    ({"kind": "street", "parent": "huangpu-street"}, "parent"),  # a street under a street
    ({"kind": "department", "parent": ""}, "parent"),  # a department outside the tree
    ({"kind": "district", "parent": "huangpu"}, "parent"),  # a district under a district
    ({"code": "huangpu-street"}, "code"),  # the code is taken
    ({"code": "Bad Code!"}, "code"),
    ({"name_zh": "东苑社区"}, "name_zh"),  # a sibling has this name already
    ({"name_zh": ""}, "name_zh"),
])
def test_a_unit_that_does_not_fit_the_tree_is_refused_with_the_reason(admin, fields, bad_field):
    data = {"code": "huangpu-new", "name_zh": "新社区", "name_en": "", "kind": "community",
            "parent": "huangpu-street", "active": "y", **fields}
    before = db.session.scalar(select(db.func.count()).select_from(OrgUnit))
    response = admin.post("/admin/units/new", data=data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count('class="error"') == 1
    assert f'id="{bad_field}"' in page[page.index("has-error"):]
    assert db.session.scalar(select(db.func.count()).select_from(OrgUnit)) == before
    assert db.session.scalar(select(AdminAuditEvent.id)) is None


def test_names_are_edited_and_the_audit_shows_before_and_after(admin):
    street = unit("huangpu-street")
    response = admin.post("/admin/units/huangpu-street",
                          data=unit_form(street, name_zh="黄埔新街道", code="changed"))
    assert response.status_code == 302
    db.session.expire_all()
    assert unit("huangpu-street").name_zh == "黄埔新街道"  # the code stays whatever is posted
    [row] = audit_rows("org_unit", "huangpu-street")
    assert (row.before["name_zh"], row.after["name_zh"]) == ("黄埔街道", "黄埔新街道")
    assert "黄埔街道 → 黄埔新街道" in admin.get("/admin/audit").get_data(as_text=True)


def test_saving_without_a_change_writes_no_audit_row(admin):
    assert admin.post("/admin/units/huangpu-street",
                      data=unit_form(unit("huangpu-street"))).status_code == 302
    assert audit_rows("org_unit", "huangpu-street") == []


def test_a_unit_cannot_hang_under_itself_nor_change_to_a_kind_its_children_cannot_follow(admin):
    district = unit("huangpu")
    page = admin.post("/admin/units/huangpu", data=unit_form(district, parent="huangpu"))
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)
    street = unit("huangpu-street")
    page = admin.post("/admin/units/huangpu-street", data=unit_form(street, kind="department"))
    assert 'class="error"' in page.get_data(as_text=True)  # its communities need a street
    db.session.expire_all()
    assert unit("huangpu").parent is None and unit("huangpu-street").kind.value == "street"
    assert db.session.scalar(select(AdminAuditEvent.id)) is None


def test_a_new_empty_unit_is_deactivated_and_reactivated(admin):
    admin.post("/admin/units/new", data={"code": "huangpu-xincun", "name_zh": "新村社区",
                                         "kind": "community", "parent": "huangpu-street",
                                         "active": "y"})
    new = unit("huangpu-xincun")
    assert admin.post("/admin/units/huangpu-xincun",
                      data=unit_form(new, active=None)).status_code == 302
    db.session.expire_all()
    assert unit("huangpu-xincun").active is False
    assert audit_rows("org_unit", "huangpu-xincun")[-1].action is AuditAction.DELETE
    row = admin.get("/admin/units").get_data(as_text=True)
    assert 'id="unit-huangpu-xincun" class="unit-community inactive"' in row
    assert admin.post("/admin/units/huangpu-xincun",
                      data=unit_form(unit("huangpu-xincun"), active="y")).status_code == 302
    db.session.expire_all()
    assert unit("huangpu-xincun").active is True


def test_a_unit_with_open_assignments_or_staff_is_not_deactivated(admin, make_case, work):
    case = make_case(category_code="road-damage")
    work()
    assert case.lead_assignment.unit.code == "city-management"
    department = unit("city-management")
    response = admin.post("/admin/units/city-management", data=unit_form(department, active=None))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="error"' in page
    blockers = page[page.index('id="deactivation-blockers"'):]
    # One open assignment, one active user (chengguan), the rules for road damage.
    assert blockers[:blockers.index("</ul>")].count("<li>") == 3
    db.session.expire_all()
    assert unit("city-management").active is True
    assert audit_rows("org_unit", "city-management") == []


def test_a_street_with_active_communities_is_not_deactivated(admin):
    street = unit("yuzhu-street")
    page = admin.post("/admin/units/yuzhu-street", data=unit_form(street, active=None))
    assert 'class="error"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert unit("yuzhu-street").active is True


def test_a_changed_boundary_routes_a_case_inside_it_to_the_community(admin, make_case, work):
    assert locate(None, *INSIDE).community is None
    response = admin.post("/admin/units/huangpu-dongyuan/boundary",
                          data={"boundary": json.dumps(SQUARE), "action": "save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert json.loads(unit("huangpu-dongyuan").boundary) == SQUARE
    case = make_case(category_code="rental-safety", address_text=None,
                     lat=INSIDE[0], long=INSIDE[1])
    work()
    case = db.session.get(Case, case.id)
    assert case.community.code == "huangpu-dongyuan"
    assert case.lead_assignment.unit.code == "huangpu-dongyuan"
    [row] = audit_rows("org_unit", "huangpu-dongyuan")
    assert row.action is AuditAction.UPDATE and json.loads(row.after["boundary"]) == SQUARE


def test_a_feature_is_accepted_and_stored_as_its_geometry(admin):
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE}
    admin.post("/admin/units/huangpu-dongyuan/boundary",
               data={"boundary": json.dumps(feature), "action": "save"})
    db.session.expire_all()
    assert json.loads(unit("huangpu-dongyuan").boundary) == SQUARE


def test_a_boundary_is_removed(admin):
    page = admin.get("/admin/units/huangpu-dongyuan").get_data(as_text=True)
    assert 'id="clear-boundary"' in page
    admin.post("/admin/units/huangpu-dongyuan/boundary", data={"boundary": "", "action": "clear"})
    db.session.expire_all()
    assert unit("huangpu-dongyuan").boundary is None
    assert audit_rows("org_unit", "huangpu-dongyuan")[-1].after == {"boundary": None}


def _ring(*points):
    return {"type": "Polygon", "coordinates": [list(map(list, points))]}


@pytest.mark.parametrize("text", [
    "",
    "{not json",
    json.dumps({"type": "Point", "coordinates": [116.4, 39.9]}),
    json.dumps({"type": "LineString", "coordinates": [[116.3, 39.8], [116.5, 39.8]]}),
    json.dumps(_ring((116.3, 39.8), (116.5, 39.8), (116.5, 40.0), (116.3, 40.0))),  # not closed
    json.dumps(_ring((39.8, 116.3), (39.8, 116.5), (40.0, 116.5), (40.0, 116.3),
                     (39.8, 116.3))),  # latitude first: out of range
    json.dumps(_ring((190, 39.8), (191, 39.8), (191, 40), (190, 39.8))),  # longitude out of range
    json.dumps(_ring((116.3, 39.8), (116.5, 40.0), (116.5, 39.8), (116.3, 40.0),
                     (116.3, 39.8))),  # a bow tie: crosses itself
    json.dumps(_ring((116.3, 39.8), (116.5, 39.8), (116.3, 39.8))),  # too few points
    json.dumps(_ring((116.3, 39.8), ("a", 39.8), (116.5, 40.0), (116.3, 39.8))),
    json.dumps({"type": "MultiPolygon", "coordinates": []}),
])
def test_a_bad_boundary_is_refused_with_the_reason(admin, text):
    before = unit("huangpu-dongyuan").boundary
    response = admin.post("/admin/units/huangpu-dongyuan/boundary",
                          data={"boundary": text, "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    boundary_section = page[page.index('id="boundary"'):]
    assert boundary_section.count('class="error"') == 1
    db.session.expire_all()
    assert unit("huangpu-dongyuan").boundary == before
    assert audit_rows("org_unit", "huangpu-dongyuan") == []


def test_an_overlapping_boundary_is_saved_with_a_warning(admin):
    gangwan = unit("huangpu-gangwan").boundary
    response = admin.post("/admin/units/huangpu-dongyuan/boundary",
                          data={"boundary": gangwan, "action": "save"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'class="flash warning"' in page and "港湾" in page


def test_only_a_community_has_a_boundary(admin):
    assert 'id="boundary"' not in admin.get("/admin/units/huangpu-street").get_data(as_text=True)
    response = admin.post("/admin/units/huangpu-street/boundary",
                          data={"boundary": json.dumps(SQUARE), "action": "save"})
    assert response.status_code == 400


PAGES = ["/admin/units", "/admin/units/new", "/admin/units/huangpu-street"]


@pytest.mark.parametrize("path", PAGES)
def test_only_administrators_reach_the_unit_pages(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location
    for username in ("supervisor", "huangpu-head", "dispatcher"):
        login(client, username)
        assert client.get(path).status_code == 403
        client.post("/logout")


def test_a_non_administrator_cannot_post_a_change(client):
    login(client, "supervisor")
    street = unit("huangpu-street")
    assert client.post("/admin/units/huangpu-street",
                       data=unit_form(street, name_zh="改")).status_code == 403
    assert client.post("/admin/units/huangpu-dongyuan/boundary",
                       data={"boundary": "", "action": "clear"}).status_code == 403
    db.session.expire_all()
    assert unit("huangpu-street").name_zh == "黄埔街道" and unit("huangpu-dongyuan").boundary


def test_the_unit_pages_are_listed_on_the_admin_index(admin):
    page = admin.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/units"' in page and 'href="/admin/users"' in page
    assert db.session.scalar(select(User.id).where(User.username == "admin"))
