"""The demo district each test starts from (tests/conftest.py writes back the
rows of one load instead of loading it again): it is the whole district, so
loading the demo on top of it adds nothing, and a new row takes the id a
fresh load would give it."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.loader import load_demo
from cases.models import OrgUnit
from core.db import db


def test_the_restored_district_is_a_whole_load():
    assert set(load_demo().values()) == {0}


def test_a_new_row_follows_the_demos_ids():
    top = db.session.scalar(select(func.max(OrgUnit.id)))
    unit = OrgUnit(code="test-unit", name_zh="测试单位", name_en="Test unit",
                   kind=db.session.scalar(select(OrgUnit.kind).limit(1)))
    db.session.add(unit)
    db.session.flush()
    assert unit.id == top + 1
