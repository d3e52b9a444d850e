"""/admin/addresses: the address directory as administrators keep it; a
saved entry routes the next case (through the real RQ worker), every change
is audited, and entries the resolver could not use are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.admin.audit import AuditAction
from cases.models import AddressEntry, OrgUnit, Parity
from core.db import db
from tests.support import audit_rows, login


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def entries() -> int:
    return db.session.scalar(select(func.count()).select_from(AddressEntry))


def entry(**where) -> AddressEntry | None:
    query = select(AddressEntry)
    for name, value in where.items():
        query = query.where(getattr(AddressEntry, name) == value)
    return db.session.scalar(query)


def road_form(**fields) -> dict:
    data = {"road": "新港东路", "number_from": "1", "number_to": "199", "parity": "all",
            "compound": "", "community": "huangpu-gangwan"}
    data.update(fields)
    return data


def field_in_error(html: str) -> str:
    parts = html.split('class="field has-error"')
    assert len(parts) == 2, "exactly one field is in error"
    return parts[1].split('name="')[1].split('"')[0]


def lead_of(case) -> str | None:
    return case.lead_assignment.unit.code if case.lead_assignment else None


def test_the_list_pages_searches_and_filters(admin):
    total = entries()
    assert total > 50  # the demo directory runs to a second page
    first = page(admin, "/admin/addresses")
    second = page(admin, "/admin/addresses?page=2")
    assert first.count('id="address-') == 50
    assert second.count('id="address-') == total - 50
    assert 'href="/admin/addresses"' in page(admin, "/admin/")

    found = page(admin, "/admin/addresses?q=港湾")
    assert found.count('id="address-') == 3  # 港湾路 twice, 港湾小区
    assert "港湾小区" in found and "丰乐南路" not in found
    dongyuan = page(admin, "/admin/addresses?community=huangpu-dongyuan")
    assert dongyuan.count('id="address-') == 3 and "东苑小区" in dongyuan
    both = page(admin, "/admin/addresses?community=huangpu-dongyuan&q=港湾")
    assert both.count('id="address-') == 1
    nothing = page(admin, "/admin/addresses?q=长安街")
    assert 'id="address-' not in nothing and 'class="empty"' in nothing
    assert admin.get("/admin/addresses?community=huangpu-street").status_code == 404


def test_a_new_road_range_routes_the_next_case(admin, make_case, work):
    before = make_case(category_code="rental-safety", address_text="新港东路8号")
    work()
    assert lead_of(before) is None  # the address is unknown: a dispatcher decides

    # Spaces and full-width digits are read as the resolver reads addresses.
    response = admin.post("/admin/addresses/new", data=road_form(road=" 新港 东路 "))
    assert response.status_code == 302
    made = entry(road="新港东路")
    assert (made.number_from, made.number_to, made.parity, made.compound,
            made.community.code) == (1, 199, Parity.ALL, None, "huangpu-gangwan")
    [row] = audit_rows("address_entry")
    assert (row.actor_label, row.action, row.target_id) == (
        "admin", AuditAction.CREATE, str(made.id))
    assert row.after == {"road": "新港东路", "number_from": 1, "number_to": 199,
                         "parity": "all", "compound": None, "community": "huangpu-gangwan",
                         "grid": None}
    assert "新港东路" in page(admin, "/admin/addresses?community=huangpu-gangwan")

    after = make_case(category_code="rental-safety", address_text="新港东路８号")
    work()
    assert lead_of(after) == "huangpu-gangwan"


def test_a_new_compound_routes_the_next_case(admin, make_case, work):
    response = admin.post("/admin/addresses/new",
                          data=road_form(road="", number_from="", number_to="",
                                         compound="翠湖山庄", community="nangang-bicun"))
    assert response.status_code == 302
    made = entry(compound="翠湖山庄")
    assert (made.road, made.number_from, made.community.code) == (None, None, "nangang-bicun")
    case = make_case(category_code="rental-safety", address_text="翠湖山庄3栋楼下")
    work()
    assert lead_of(case) == "nangang-bicun"


def test_editing_an_entry_moves_the_next_case(admin, make_case, work):
    odd = entry(road="港湾路", parity=Parity.ODD)
    odd_id = odd.id
    response = admin.post(f"/admin/addresses/{odd_id}",
                          data=road_form(road="港湾路", number_from="1", number_to="99",
                                         parity="odd", community="huangpu-yigang"))
    assert response.status_code == 302
    [row] = audit_rows("address_entry")
    assert row.action is AuditAction.UPDATE
    # The entry leaves its old community's grid (the demo places entries in grids).
    assert row.changed() == [("community", "huangpu-dongyuan", "huangpu-yigang"),
                             ("grid", "huangpu-dongyuan-g1", None)]
    case = make_case(category_code="rental-safety", address_text="港湾路15号")
    work()
    assert lead_of(case) == "huangpu-yigang"
    # The edit page shows the entry's values.
    html = page(admin, f"/admin/addresses/{odd_id}")
    assert 'value="港湾路"' in html and 'selected value="odd"' in html
    assert 'selected value="huangpu-yigang"' in html


def test_deleting_an_entry(admin, make_case, work):
    compound = entry(compound="东苑小区")
    compound_id = compound.id
    response = admin.post(f"/admin/addresses/{compound_id}/delete")
    assert response.status_code == 302
    assert db.session.get(AddressEntry, compound_id) is None
    [row] = audit_rows("address_entry")
    assert (row.action, row.after) == (AuditAction.DELETE, None)
    assert row.before["compound"] == "东苑小区"
    case = make_case(category_code="rental-safety", address_text="东苑小区5栋楼下")
    work()
    assert lead_of(case) is None
    assert admin.post(f"/admin/addresses/{compound_id}/delete").status_code == 404
    assert admin.get(f"/admin/addresses/{compound_id}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"road": "", "number_from": "", "number_to": ""}, "road"),  # neither
        ({"road": "", "number_to": ""}, "road"),  # numbers without a road
        ({"number_to": ""}, "number_to"),
        ({"number_from": "200", "number_to": "100"}, "number_to"),  # from > to
        ({"number_from": "-1"}, "number_from"),
        ({"number_from": "一"}, "number_from"),
        ({"parity": "prime"}, "parity"),
        ({"compound": "翠湖山庄"}, "compound"),  # both a road and a compound
        ({"road": "", "number_to": "", "compound": "翠湖山庄"}, "number_from"),
        ({"road": "", "number_from": "", "number_to": "", "compound": "东苑小区"}, "compound"),
        ({"community": ""}, "community"),
        ({"community": "huangpu-street"}, "community"),  # a street is no community
        ({"community": "environment"}, "community"),
        ({"road": "港湾路", "number_from": "9", "number_to": "9", "parity": "all"},
         "number_from"),  # 港湾路9号 lies in huangpu-dongyuan already
        ({"road": "港湾路", "number_from": "1", "number_to": "5", "parity": "even",
          "community": "huangpu-dongyuan"}, "number_from"),  # 2 and 4 are huangpu-gangwan's
        ({"road": "港湾路", "number_from": "2", "number_to": "100", "parity": "even"},
         "number_from"),  # the very same entry again
        ({"road": "长" * 101}, "road"),
    ],
)
def test_bad_entries_get_a_field_error(admin, fields, field):
    count = entries()
    response = admin.post("/admin/addresses/new", data=road_form(**fields))
    assert response.status_code == 200
    assert field_in_error(response.get_data(as_text=True)) == field
    assert entries() == count
    assert audit_rows("address_entry") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"road": "港湾路", "number_from": "101", "number_to": "199", "parity": "odd"},
        {"road": "港湾路", "number_from": "3", "number_to": "3", "parity": "even",
         "community": "huangpu-dongyuan"},  # no even number between 3 and 3
        {"road": "港湾路", "number_from": "1", "number_to": "9", "parity": "odd",
         "community": "huangpu-dongyuan"},  # inside a range of the same community
    ],
)
def test_entries_that_do_not_conflict_are_taken(admin, fields):
    count = entries()
    assert admin.post("/admin/addresses/new", data=road_form(**fields)).status_code == 302
    assert entries() == count + 1


@pytest.mark.parametrize("username", ["operator", "dispatcher", "supervisor", "huangpu-head"])
def test_only_administrators(client, username):
    login(client, username)
    some = entry(compound="东苑小区")
    for path in ("/admin/addresses", "/admin/addresses/new", f"/admin/addresses/{some.id}"):
        assert client.get(path).status_code == 403
    count = entries()
    assert client.post("/admin/addresses/new", data=road_form()).status_code == 403
    assert client.post(f"/admin/addresses/{some.id}/delete").status_code == 403
    assert entries() == count and audit_rows("address_entry") == []


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/admin/addresses")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(OrgUnit.id).where(OrgUnit.code == "huangpu-gangwan"))
