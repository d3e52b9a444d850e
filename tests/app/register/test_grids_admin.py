"""Grids are units below a community: the org pages and the CSV import hold
them to the tree, grid staff belong to a grid, the address directory places
entries in grids, and routing never sends a case to a grid."""

from __future__ import annotations

from sqlalchemy import select

from app.admin.imports import read_csv
from app.admin.imports.addresses import COLUMNS as ADDRESS_COLUMNS
from app.admin.imports.addresses import import_addresses
from app.admin.imports.units import COLUMNS as UNIT_COLUMNS
from app.admin.imports.units import import_units
from app.admin.imports.users import COLUMNS as USER_COLUMNS
from app.admin.imports.users import import_users
from cases.models import AddressEntry, Case
from cases.models.users import Role, User
from core.db import db
from tests.register.support import unit


def test_an_admin_adds_a_grid_under_a_community_not_under_a_street(admin):
    response = admin.post("/admin/units/new", data={
        "code": "huangpu-dongyuan-g3", "name_zh": "东苑社区第三网格", "kind": "grid",
        "parent": "huangpu-dongyuan", "active": "y"})
    assert response.status_code == 302
    assert unit("huangpu-dongyuan-g3").parent.code == "huangpu-dongyuan"
    refused = admin.post("/admin/units/new", data={
        "code": "huangpu-g9", "name_zh": "错位网格", "kind": "grid", "parent": "huangpu-street",
        "active": "y"})
    assert refused.status_code == 200 and unit("huangpu-g9") is None
    assert "网格" in refused.get_data(as_text=True)
    tree = admin.get("/admin/units").get_data(as_text=True)
    assert tree.index('id="unit-huangpu-dongyuan"') < tree.index('id="unit-huangpu-dongyuan-g1"')


def test_the_csv_import_takes_grids_under_communities():
    rows = read_csv("code,name_zh,kind,parent\n"
                    "yuzhu-maogang-g3,茅岗第三网格,网格,yuzhu-maogang\n"
                    "bad-grid,错误网格,grid,yuzhu-street\n".encode(), UNIT_COLUMNS).rows
    result = import_units(rows, "cli:test")
    assert result.created == 1 and len(result.errors) == 1
    assert result.errors[0][0] == 3 and "community" in result.errors[0][1]
    assert unit("yuzhu-maogang-g3").parent.code == "yuzhu-maogang"


def test_grid_staff_need_a_grid_and_a_grid_takes_no_other_role(admin):
    data = {"username": "wangge-new", "display_name": "新网格员", "password": "long-enough-1",
            "role": "grid_staff", "unit": "huangpu-dongyuan"}
    page = admin.post("/admin/users/new", data=data)
    assert page.status_code == 200 and "网格" in page.get_data(as_text=True)
    assert admin.post("/admin/users/new", data=data | {
        "unit": "huangpu-dongyuan-g2"}).status_code == 302
    made = db.session.scalar(select(User).where(User.username == "wangge-new"))
    assert made.role is Role.GRID_STAFF and made.unit.code == "huangpu-dongyuan-g2"
    refused = admin.post("/admin/users/new", data=data | {
        "username": "staff-in-grid", "role": "unit_staff", "unit": "huangpu-dongyuan-g2"})
    assert refused.status_code == 200
    rows = read_csv(b"username,role,unit\ngrid-a,grid_staff,huangpu-gangwan\n"
                    b"grid-b,grid_staff,huangpu-gangwan-g1\n"
                    b"grid-c,unit_staff,huangpu-gangwan-g1\n", USER_COLUMNS).rows
    result = import_users(rows, "cli:test")
    assert result.created == 1 and [line for line, _ in result.errors] == [2, 4]


def test_the_address_directory_places_an_entry_in_a_grid_of_its_community(admin):
    form = {"compound": "新建小区", "community": "huangpu-gangwan", "parity": "all"}
    refused = admin.post("/admin/addresses/new", data=form | {"grid": "huangpu-dongyuan-g1"})
    assert refused.status_code == 200
    assert admin.post("/admin/addresses/new", data=form | {
        "grid": "huangpu-gangwan-g2"}).status_code == 302
    entry = db.session.scalar(select(AddressEntry).where(AddressEntry.compound == "新建小区"))
    assert entry.grid.code == "huangpu-gangwan-g2"
    rows = read_csv("community,compound,grid\nhuangpu-gangwan,又一小区,huangpu-gangwan-g1\n"
                    "huangpu-gangwan,错网格小区,hongshan-shihua-g1\n".encode(),
                    ADDRESS_COLUMNS).rows
    result = import_addresses(rows, "cli:test")
    assert result.created == 1 and result.errors[0][0] == 3


def test_routing_never_sends_a_case_to_a_grid(make_case, work):
    case = make_case(address_text="东苑小区3栋", category_code="rental-safety")
    work()
    case = db.session.get(Case, case.id)
    assert case.community.code == "huangpu-dongyuan"
    assert case.lead_assignment.unit.code == "huangpu-dongyuan"  # the community, not its grid


def test_the_rules_page_offers_no_grid(admin):
    page = admin.get("/admin/rules/new").get_data(as_text=True)
    assert "huangpu-dongyuan-g1" not in page and "第一网格" not in page
