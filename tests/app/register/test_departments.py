"""Thirteen departments, one register: the departments' table, not code,
decides each department's lists and fields; public security reveals a full
number with the reveal logged; exports are masked without the right and
logged always; the table's changes are audited."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from core.db import db
from register.models import AccessAction, AccessLog
from tests.register.support import id_number, make_property, register
from tests.support import audit_rows

TENANT = id_number(date(1991, 2, 3), 601)
PARENT = id_number(date(1985, 6, 7), 602)


def district(clock):
    prop = make_property("港湾路15号302房")
    late = register(prop, name="逾期登记租客", number=TENANT, arrived_on=date(2026, 11, 20))
    family = register(make_property("石化路8号201房"), name="带孩子的父亲", number=PARENT,
                      arrived_on=date(2026, 11, 25), phone="13800138222",
                      children=(("小学生", date(2018, 4, 1)), ("婴儿", date(2025, 1, 1))))
    return late, family


def xlsx(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    return [[c for c in row] for row in sheet.iter_rows(values_only=True)]


def test_public_security_lists_the_late_registration_and_reveals_it_logged(signed_in, clock):
    late, _ = district(clock)
    police = signed_in("gongan")
    index = police.get("/register/lists").get_data(as_text=True)
    assert 'id="list-late_registrations"' in index and 'id="list-permit_eligible"' in index
    assert 'id="list-school_age_children"' not in index
    page = police.get("/register/lists/late_registrations").get_data(as_text=True)
    assert "逾期登记租客" in page and TENANT not in page and TENANT[-4:] in page
    reveal = f"/register/residents/{late.resident_id}/reveal"
    assert reveal in page
    refused = police.post(reveal, data={"reason": ""})
    assert refused.status_code == 200 and TENANT not in refused.get_data(as_text=True)
    shown = police.post(reveal, data={"reason": "核查逾期登记人员身份"})
    assert TENANT in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    [entry] = db.session.scalars(select(AccessLog)).all()
    assert (entry.action, entry.resident_id, entry.reason, entry.user.username) == (
        AccessAction.REVEAL, late.resident_id, "核查逾期登记人员身份", "gongan")
    log = signed_in("admin").get("/admin/register/access-log").get_data(as_text=True)
    assert "核查逾期登记人员身份" in log and "gongan" in log and TENANT not in log


def test_the_table_not_the_code_decides_what_education_sees(signed_in, clock):
    district(clock)
    education = signed_in("jiaoyu")
    page = education.get("/register/lists/school_age_children").get_data(as_text=True)
    assert 'data-field="child_age"' in page and 'data-field="parent_phone"' not in page
    assert "13800138222" not in page and "带孩子的父亲" not in page
    assert page.count('<td data-field="child_age">') == 1  # the infant is no school child
    assert education.get("/register/lists/residents").status_code == 404
    admin = signed_in("admin")
    table = admin.get("/admin/register/views").get_data(as_text=True)
    assert 'id="view-education-school_age_children"' in table
    saved = admin.post("/admin/register/views/education/school_age_children", data={
        "fields": ["child_age", "birth_date", "community", "grid", "parent_phone"]})
    assert saved.status_code == 302
    page = education.get("/register/lists/school_age_children").get_data(as_text=True)
    assert 'data-field="parent_phone"' in page and "13800138222" in page
    [row] = audit_rows("register_view", "education:school_age_children")
    assert row.before["fields"] == ["child_age", "birth_date", "community", "grid"]
    assert "parent_phone" in row.after["fields"] and row.actor.username == "admin"
    # A list the table gives them, a list they see; taken away, gone.
    assert admin.post("/admin/register/views/education/school_age_children",
                      data={"action": "remove"}).status_code == 302
    assert education.get("/register/lists/school_age_children").status_code == 404
    assert 'id="no-lists"' in education.get("/register/lists").get_data(as_text=True)
    assert admin.post("/admin/register/views/education/residents",
                      data={"fields": ["nonsense"]}).status_code == 200


def test_education_may_not_reveal_and_a_department_reads_no_places(signed_in, clock):
    late, _ = district(clock)
    education = signed_in("jiaoyu")
    assert education.post(f"/register/residents/{late.resident_id}/reveal",
                          data={"reason": "好奇"}).status_code == 403
    assert education.get("/register/properties").status_code == 403
    assert db.session.scalars(select(AccessLog)).all() == []


def test_exports_are_masked_without_the_right_full_with_it_and_always_logged(signed_in, clock):
    district(clock)
    masked = xlsx(signed_in("huangpu-staff").get("/register/lists/residents/export.xlsx"))
    assert masked[0][0] == "姓名" and len(masked) == 2  # the street's one resident
    assert TENANT not in str(masked) and TENANT[-4:] in str(masked)
    full = xlsx(signed_in("gongan").get("/register/lists/late_registrations/export.xlsx"))
    assert TENANT in str(full)
    education = xlsx(signed_in("jiaoyu").get("/register/lists/school_age_children/export.xlsx"))
    assert len(education) == 2 and PARENT not in str(education)
    details = [e.detail for e in db.session.scalars(select(AccessLog).order_by(AccessLog.id))]
    assert details == ["residents: 1 rows, masked ID numbers",
                       "late_registrations: 1 rows, full ID numbers",
                       "school_age_children: 1 rows, masked ID numbers"]


def test_street_staff_see_every_list_of_their_area_by_community(signed_in, clock):
    district(clock)
    street = signed_in("huangpu-staff")
    page = street.get("/register/lists/residents").get_data(as_text=True)
    assert "逾期登记租客" in page and "带孩子的父亲" not in page
    assert "东苑社区" in page  # the figure by community, linked to its rows
    one = street.get("/register/lists/residents?community=huangpu-dongyuan")
    assert one.status_code == 200
    assert street.get("/register/lists/residents?community=hongshan-shihua").status_code == 404
