"""`flask import units|users|addresses FILE`, through the real CLI runner."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.admin.audit import AuditAction
from cases.models import AddressEntry, OrgUnit, Parity, UnitKind
from cases.models.users import Role, User
from cases.routing import locate
from core.db import db
from tests.support import audit_rows, login

DOCS = Path(__file__).parents[2] / "docs" / "import"


@pytest.fixture
def run(app, tmp_path):
    """`run("units", text)`: write the CSV (UTF-8 unless `encoding` says) and import it."""

    def invoke(kind: str, text: str | bytes, *options: str, name: str | None = None,
               encoding: str = "utf-8"):
        path = tmp_path / (name or f"{kind}.csv")
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["import", kind, str(path), *options])
        db.session.expire_all()
        return result

    return invoke


def unit(code: str) -> OrgUnit | None:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def bad_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("line ")]


UNITS = """code,name_zh,name_en,kind,parent
lianhe-dongzhong,东众社区,Dongzhong Community,community,lianhe-street
lianhe-kexuecheng,科学城社区,,社区,lianhe-street
lianhe-street,联和街道,Lianhe Subdistrict,street,huangpu
bad code,坏编码,,community,lianhe-street

lianhe-x,某社区,,village,lianhe-street
lianhe-y,某社区,,community,nowhere
lianhe-z,某社区,,community,huangpu
lianhe-dongzhong,重复,,community,lianhe-street
"""


def test_units_keep_the_good_rows_and_report_each_bad_one_by_line(run):
    result = run("units", UNITS, "--batch-size", "2")
    assert result.exit_code == 1
    assert bad_lines(result.output) == [
        'line 5: code "bad code" may hold only letters, digits, ".", "_" and "-"',
        'line 7: kind "village" is not one of district, street, community, department, grid',
        'line 8: parent unit code "nowhere" is unknown',
        'line 9: parent "huangpu" is a district; a community belongs under a street',
        'line 10: unit code "lianhe-dongzhong" already appears on line 2',
    ]
    assert "units.csv: 3 created, 0 updated, 0 unchanged, 5 bad row(s)" in result.output
    # the parent came after its children in the file
    street = unit("lianhe-street")
    assert (street.kind, street.parent.code, street.name_zh) == (
        UnitKind.STREET, "huangpu", "联和街道")
    assert sorted(c.code for c in street.children) == ["lianhe-dongzhong", "lianhe-kexuecheng"]
    assert unit("lianhe-kexuecheng").name_en == "科学城社区"  # no English name: the Chinese one
    assert unit("lianhe-x") is None and unit("lianhe-z") is None
    [audit] = audit_rows("org_unit")
    assert (audit.actor_label, audit.action) == ("cli:import-units", AuditAction.IMPORT)
    assert audit.summary == "units.csv: 3 created, 0 updated, 0 unchanged, 5 bad row(s)"


def test_a_second_import_of_the_same_file_changes_nothing(run):
    good = "\n".join(UNITS.splitlines()[:4]) + "\n"
    assert run("units", good).exit_code == 0
    again = run("units", good)
    assert again.exit_code == 0, again.output
    assert "3 unchanged, 0 bad row(s)" in again.output
    assert len(audit_rows("org_unit")) == 2
    renamed = run("units", good.replace("联和街道", "联和街道办事处"))
    assert "0 created, 1 updated, 2 unchanged" in renamed.output
    assert unit("lianhe-street").name_zh == "联和街道办事处"


def test_a_parent_chain_that_loops_is_refused(run):
    result = run("units", "code,name_zh,kind,parent\n"
                          "loop-a,甲,department,loop-b\n"
                          "loop-b,乙,department,loop-a\n"
                          "fire,区消防救援大队,department,fire\n")
    assert result.exit_code == 1
    lines = bad_lines(result.output)
    assert [line.split(":")[0] for line in lines] == ["line 2", "line 3", "line 4"]
    assert "loops" in lines[0] and "loops" in lines[1] and "loop" in lines[2]
    assert unit("loop-a") is None and unit("fire").parent.code == "huangpu"


def test_excel_files_with_a_bom_or_in_gb18030_are_read(run):
    text = "code,name_zh,kind,parent\r\nlianhe-street,联和街道,街道,huangpu\r\n"
    assert run("units", "\ufeff" + text, name="bom.csv").exit_code == 0
    assert unit("lianhe-street").name_zh == "联和街道"
    result = run("units", text.replace("联和街道", "联和街道（新）"), name="gbk.csv",
                 encoding="gb18030")
    assert result.exit_code == 0, result.output
    assert unit("lianhe-street").name_zh == "联和街道（新）"


def test_a_header_without_a_required_column_refuses_the_file(run):
    result = run("units", "code,name_zh,parent\nlianhe-street,联和街道,huangpu\n")
    assert result.exit_code == 1
    assert "units.csv: the header lacks the column(s) kind" in result.output
    assert unit("lianhe-street") is None
    assert audit_rows("org_unit") == []


def test_a_dry_run_checks_but_keeps_nothing(run):
    result = run("units", UNITS, "--dry-run")
    assert result.exit_code == 1
    assert "3 created" in result.output and "dry run" in result.output
    assert unit("lianhe-street") is None
    assert audit_rows("org_unit") == []


def test_users_are_imported_and_can_sign_in(run, client):
    result = run("users", "username,display_name,role,unit,password\n"
                          "lianhe-staff,联和 陈办事员,unit_staff,huangpu-street,lianhe-pass-1\n"
                          "zhao,话务员 赵敏,operator,,\n"
                          "qian,钱,clerk,,lianhe-pass-1\n"
                          "sun,孙,unit_head,,lianhe-pass-1\n"
                          "li,李,unit_staff,nowhere,lianhe-pass-1\n"
                          "zhou,周,operator,,short\n"
                          "operator,话务员 李晓梅,operator,,\n")
    assert result.exit_code == 1
    assert bad_lines(result.output) == [
        'line 4: role "clerk" is not one of operator, dispatcher, unit_staff, unit_head, '
        "supervisor, evaluator, admin, grid_staff",
        "line 5: role unit_head needs a unit",
        'line 6: unit code "nowhere" is unknown',
        "line 7: the password needs at least 8 characters",
    ]
    assert "2 created, 0 updated, 1 unchanged, 4 bad row(s)" in result.output
    staff = db.session.scalar(select(User).where(User.username == "lianhe-staff"))
    assert (staff.role, staff.unit.code, staff.display_name) == (
        Role.UNIT_STAFF, "huangpu-street", "联和 陈办事员")
    assert "lianhe-pass-1" not in staff.password_hash
    generated = re.search(r"new password for zhao: (\S+)", result.output).group(1)
    assert "new password for operator" not in result.output  # existing: kept
    assert login(client, "lianhe-staff", "lianhe-pass-1").status_code == 302
    client.post("/logout")
    assert login(client, "zhao", generated).status_code == 302
    client.post("/logout")
    assert login(client, "operator").status_code == 302  # the demo password still works
    [audit] = audit_rows("user")
    assert audit.actor_label == "cli:import-users"


def test_users_can_be_moved_and_deactivated(run, client):
    result = run("users", "username,role,unit,active\n"
                          "huangpu-staff,unit_head,hongshan-street,1\n"
                          "renshe,unit_staff,labour,0\n")
    assert result.exit_code == 0, result.output
    assert "0 created, 2 updated" in result.output
    moved = db.session.scalar(select(User).where(User.username == "huangpu-staff"))
    assert (moved.role, moved.unit.code) == (Role.UNIT_HEAD, "hongshan-street")
    assert login(client, "renshe").status_code == 200  # inactive: the form again


ADDRESSES = """road,from,to,parity,compound,community
联和路,1,199,单号,,huangpu-yigang
联和路,2,200,even,,huangpu-gangwan
,,,,科学城花园,huangpu-yigang
,,,,东苑小区,huangpu-gangwan
联和路,300,200,all,,huangpu-yigang
科学大道,1,99,all,,huangpu-street
科学大道,101,199,all,,nowhere
联和路,1,199,odd,,huangpu-gangwan
科学大道,一,99,all,,huangpu-yigang
"""


def test_addresses_are_imported_by_natural_key(run):
    result = run("addresses", ADDRESSES, "--batch-size", "3")
    assert result.exit_code == 1
    assert bad_lines(result.output) == [
        "line 6: from (300) is greater than to (200)",
        'line 7: unit "huangpu-street" is a street, not a community',
        'line 8: unit code "nowhere" is unknown',
        "line 9: the same address as line 2",
        'line 10: from "一" is not a house number (0 to 1000000)',
    ]
    assert "3 created, 1 updated, 0 unchanged, 5 bad row(s)" in result.output
    odd = db.session.scalar(select(AddressEntry).where(AddressEntry.road == "联和路",
                                                       AddressEntry.parity == Parity.ODD))
    assert (odd.number_from, odd.number_to, odd.community.code) == (1, 199, "huangpu-yigang")
    moved = db.session.scalar(select(AddressEntry).where(AddressEntry.compound == "东苑小区"))
    assert moved.community.code == "huangpu-gangwan"
    assert locate("联和路15号", None, None).community.code == "huangpu-yigang"
    assert locate("联和路16号", None, None).community.code == "huangpu-gangwan"
    assert locate("东苑小区3栋", None, None).community.code == "huangpu-gangwan"
    assert audit_rows("address_entry")[0].summary.startswith("addresses.csv: 3 created")
    again = run("addresses", ADDRESSES)
    assert "0 created, 0 updated, 4 unchanged, 5 bad row(s)" in again.output
    count = db.session.scalar(select(func.count(AddressEntry.id)))
    assert count == 57 + 3


def test_an_address_file_needs_a_road_range_or_a_compound(run):
    result = run("addresses", "road,community\n联和路,huangpu-yigang\n")
    assert result.exit_code == 1
    assert "lacks the column(s) road+from+to or compound" in result.output


def test_line_numbers_are_the_file_lines_even_across_quoted_line_breaks(run):
    result = run("units", 'code,name_zh,name_en,kind,parent\n'
                          '\n'
                          'lianhe-street,联和街道,"Lianhe\nSubdistrict",street,huangpu\n'
                          'lianhe-a,甲社区,,community\n'
                          'lianhe-b,,,community,lianhe-street\n')
    assert bad_lines(result.output) == [
        "line 5: a community needs a parent (street)",  # a short row reads as blank cells
        "line 6: name_zh is empty",
    ]
    assert unit("lianhe-street").name_en == "Lianhe\nSubdistrict"


def test_a_unit_out_of_its_place_and_a_kind_change_under_sub_units_are_refused(run):
    result = run("units", "code,name_zh,kind,parent\n"
                          "roads,市政道路科,department,city-management\n"
                          "huangpu-street,黄埔街道,department,huangpu\n")
    assert bad_lines(result.output) == [
        'line 2: parent "city-management" is a department; a department belongs under '
        "a district",
        'line 3: unit "huangpu-street" has sub-units; its kind cannot change from street '
        "to department",
    ]
    assert unit("huangpu-street").kind.value == "street"


def test_the_sample_files_import_cleanly_and_chinese_headers_are_understood(run, client):
    for kind in ("units", "users", "addresses"):
        result = run(kind, (DOCS / f"{kind}.csv").read_bytes())
        assert result.exit_code == 0, result.output
        assert "0 bad row(s)" in result.output
    assert unit("lianhe-kexuecheng").parent.code == "lianhe-street"
    assert locate("科学大道88号", None, None).community.code == "lianhe-kexuecheng"
    chinese = "社区编码,小区\r\nlianhe-dongzhong,联和花园\r\n"
    result = run("addresses", chinese, encoding="gb18030")
    assert result.exit_code == 0, result.output
    assert locate("联和花园5栋", None, None).community.code == "lianhe-dongzhong"
