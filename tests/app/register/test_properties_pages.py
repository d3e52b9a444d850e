"""Properties and residents on the pages: grid staff add and register in
their grid, street staff and supervisors read their area, nobody reads
another grid's residents, and an ID number is only ever shown masked."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.db import db
from register.models import Property, Residency
from tests.register.support import id_number, make_property, register

GRID = "huangpu-dongyuan-g1"  # grid staff of 港湾路 (odd numbers) in 东苑社区
OTHER_GRID = "huangpu-dongyuan-g2"  # 东苑小区, the same community


def property_form(**changes) -> dict:
    return {"address": "港湾路21号502房", "landlord_name": "房东陈",
            "landlord_phone": "13900139001", "landlord_id_number": "", "kind": "flat",
            "rooms": "2", "beds": "4", "floor_area": "60", "use": "住宅",
            "status": "let"} | changes


def resident_form(**changes) -> dict:
    return {"name": "租客赵六", "id_number": id_number(), "phone": "13800138002",
            "origin": "湖南省衡阳市", "arrived_on": "2026-11-25", "room": "502",
            "employer": "黄埔某电子厂"} | changes


def test_grid_staff_add_a_property_and_register_a_resident_in_their_grid(signed_in, clock):
    grid = signed_in(GRID)
    assert grid.get("/workbench").location.endswith("/register/")
    response = grid.post("/register/properties/new", data=property_form())
    assert response.status_code == 302, response.get_data(as_text=True)
    prop = db.session.scalar(select(Property).where(Property.address_text == "港湾路21号502房"))
    assert prop.grid.code == GRID and prop.community.code == "huangpu-dongyuan"
    added = grid.post(f"/register/properties/{prop.id}/residents/new", data=resident_form())
    assert added.status_code == 302
    page = grid.get(f"/register/properties/{prop.id}").get_data(as_text=True)
    assert "租客赵六" in page and "440112********" + id_number()[-4:] in page
    assert id_number() not in page
    stay = db.session.scalar(select(Residency))
    assert stay.registered_via == "grid_staff" and not stay.late


def test_an_address_outside_the_grid_or_the_directory_is_refused_on_its_field(signed_in):
    grid = signed_in(GRID)
    page = grid.post("/register/properties/new", data=property_form(address="石化路8号"))
    assert page.status_code == 200 and "辖区" in page.get_data(as_text=True)
    page = grid.post("/register/properties/new", data=property_form(address="无名巷3号"))
    assert "地址库" in page.get_data(as_text=True)
    # A lane the directory lacks is added with it, in the grid's community.
    added = grid.post("/register/properties/new", data=property_form(
        address="东苑新村九巷3号", new_compound="东苑新村九巷"))
    assert added.status_code == 302
    prop = db.session.scalar(select(Property).where(Property.address_text == "东苑新村九巷3号"))
    assert (prop.community.code, prop.grid.code) == ("huangpu-dongyuan", GRID)


def test_a_grid_worker_cannot_read_another_grids_property_or_residents(signed_in, clock):
    mine = make_property("港湾路15号302房")
    theirs = make_property("东苑小区3栋101房")
    stay = register(theirs, name="别网格租客", arrived_on=date(2026, 11, 20))
    grid = signed_in(GRID)
    assert grid.get(f"/register/properties/{mine.id}").status_code == 200
    for path in (f"/register/properties/{theirs.id}", f"/register/residents/{stay.resident_id}",
                 f"/register/properties/{theirs.id}/residents/new"):
        refused = grid.get(path)
        assert refused.status_code == 403 and "别网格租客" not in refused.get_data(as_text=True)
    listed = grid.get("/register/properties").get_data(as_text=True)
    assert "港湾路15号302房" in listed and "东苑小区3栋101房" not in listed
    assert signed_in(OTHER_GRID).get(f"/register/residents/{stay.resident_id}").status_code == 200


def test_street_staff_and_supervisors_read_the_area_and_a_department_reads_no_places(
        signed_in, clock):
    prop = make_property("港湾路15号302房")
    far = make_property("石化路8号201房")
    street = signed_in("huangpu-staff").get("/register/properties").get_data(as_text=True)
    assert "港湾路15号302房" in street and "石化路8号201房" not in street
    assert signed_in("huangpu-staff").get(f"/register/properties/{far.id}").status_code == 403
    supervisor = signed_in("supervisor").get("/register/properties").get_data(as_text=True)
    assert "港湾路15号302房" in supervisor and "石化路8号201房" in supervisor
    assert signed_in("supervisor").get("/register/properties/new").status_code == 403  # reads
    assert signed_in("chengguan").get(f"/register/properties/{prop.id}").status_code == 403
    assert signed_in("operator").get("/register/properties").status_code == 403


def test_the_card_check_finds_a_resident_by_the_full_number_posted_never_shown(signed_in, clock):
    prop = make_property("港湾路15号302房")
    stay = register(prop, name="核验对象", arrived_on=date(2026, 11, 20), number=id_number(seq=77))
    grid = signed_in(GRID)
    found = grid.post("/register/search", data={"id_number": id_number(seq=77)})
    assert found.status_code == 302 and found.location.endswith(f"/residents/{stay.resident_id}")
    missing = grid.post("/register/search", data={"id_number": id_number(seq=78)})
    text = missing.get_data(as_text=True)
    assert missing.status_code == 200 and id_number(seq=78) not in text
    # From another grid the same number is not found (nobody there has it).
    other = signed_in(OTHER_GRID).post("/register/search", data={"id_number": id_number(seq=77)})
    assert other.status_code == 200


def test_a_form_shown_again_never_prints_the_number_typed(signed_in, clock):
    prop = make_property("港湾路15号302房")
    page = signed_in(GRID).post(f"/register/properties/{prop.id}/residents/new",
                                data=resident_form(phone="12345"))
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "电话" in text and id_number() not in text
