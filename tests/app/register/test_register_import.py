"""Importing an existing register (CSV or XLSX): each bad row reported by
line without its ID number, good rows kept, a second run changes nothing,
the command line's progress bar and the administrator's page (its job:
test_register_import_jobs.py)."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from sqlalchemy import select

from app.admin.imports.common import read_table
from app.register.imports import (
    PROPERTY_COLUMNS,
    RESIDENT_COLUMNS,
    import_properties,
    import_residents,
)
from core.db import db
from register.models import Grade, Property, Residency
from tests.register.support import id_number
from tests.support import audit_rows

GOOD = id_number(date(1990, 1, 1), 801)
BAD = GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1")

PROPERTIES_CSV = (
    "地址,房东,房东电话,类型,房间数,床位数,安全等级,定级理由\n"
    "港湾路15号302房,房东甲,13900139000,套房,2,4,黄,楼道堆物\n"
    "无名路1号,房东乙,13900139001,套房,1,1,,\n"
    "港湾路17号101房,房东丙,12345,宿舍,3,9,,\n"
    "东苑小区3栋101房,房东丁,,城中村,1,2,红色,危房\n"
).encode()


def residents_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["姓名", "身份证号", "地址", "到达日期", "登记日期", "电话"])
    sheet.append(["导入甲", GOOD, "港湾路15号302房", date(2026, 10, 8), date(2026, 10, 9),
                  "13800138000"])
    sheet.append(["导入乙", BAD, "港湾路15号302房", date(2026, 10, 8), None, None])
    sheet.append([])
    sheet.append(["导入丙", id_number(seq=802), "港湾路99号", "2026-10-08", None, None])
    sheet.append(["导入丁", id_number(seq=803), "港湾路15号302房", "2026-12-30", None, None])
    sheet.append(["导入戊", id_number(seq=804), "东苑小区3栋101房", "2026-09-01", "2026-11-01",
                  "13800138005"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_properties_then_residents_with_every_bad_row_by_line(clock):
    parsed = read_table(PROPERTIES_CSV, "properties.csv", PROPERTY_COLUMNS)
    result = import_properties(parsed.rows, "cli:test", source="properties.csv")
    assert (result.created, [line for line, _ in result.errors]) == (2, [3, 4])
    assert "address" in result.errors[0][1] and "landlord_phone" in result.errors[1][1]
    grades = dict(db.session.execute(select(Property.address_text, Property.grade)).all())
    assert grades == {"港湾路15号302房": Grade.YELLOW, "东苑小区3栋101房": Grade.RED}
    parsed = read_table(residents_xlsx(), "residents.xlsx", RESIDENT_COLUMNS)
    result = import_residents(parsed.rows, "cli:test", source="residents.xlsx")
    assert result.created == 2
    assert [line for line, _ in result.errors] == [3, 5, 6]  # the empty row 4 is skipped
    assert all(GOOD not in m and BAD not in m for _, m in result.errors)
    late = db.session.scalar(select(Residency).join(Residency.resident).where(
        Residency.registered_via == "import", Residency.late.is_(True)))
    assert late.resident.name == "导入戊"  # registered two months after arriving
    again = import_residents(read_table(residents_xlsx(), "residents.xlsx",
                                        RESIDENT_COLUMNS).rows, "cli:test")
    assert (again.created, again.unchanged) == (0, 2)
    assert [row.summary for row in audit_rows("register_resident")][0].startswith(
        "residents.xlsx: 2 created")


def test_the_command_line_shows_progress_and_exits_1_on_bad_rows(cli, tmp_path):
    path = tmp_path / "properties.csv"
    path.write_bytes(PROPERTIES_CSV)
    result = cli("import", "properties", str(path))
    assert result.exit_code == 1
    assert "Importing properties" in result.output and "line 3:" in result.output
    assert "2 created" in result.output


def test_the_administrator_imports_from_the_page(signed_in, clock, work):
    admin = signed_in("admin")
    answer = admin.post("/admin/register/import", data={
        "kind": "properties", "file": (io.BytesIO(PROPERTIES_CSV), "properties.csv")},
        content_type="multipart/form-data")
    work()  # the import is a job (tests/app/register/test_register_import_jobs.py)
    text = admin.get(answer.location).get_data(as_text=True)
    assert 'id="import-errors"' in text and "3" in text
    assert db.session.scalar(select(Property).where(Property.address_text == "港湾路15号302房"))
    bad = admin.post("/admin/register/import", data={
        "kind": "residents", "file": (io.BytesIO(b"not,a,register\n1,2,3\n"), "x.csv")},
        content_type="multipart/form-data")
    assert 'id="import-error"' in bad.get_data(as_text=True)
    assert signed_in("supervisor").get("/admin/register/import").status_code == 403
