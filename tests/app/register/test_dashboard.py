"""The register's dashboard: properties by grade and residents by street and
community, charts with their tables, and the list behind every figure."""

from __future__ import annotations

import json
from datetime import date

from cases.actors import SYSTEM
from core.db import db
from register import properties
from register.models import Grade
from tests.html import parse
from tests.register.support import id_number, make_property, register


def test_the_dashboard_counts_and_links_every_figure_to_its_list(signed_in, clock):
    near = make_property("港湾路15号302房")
    far = make_property("石化路8号201房")
    properties.change_grade(SYSTEM, far, Grade.RED, "危房")
    db.session.commit()
    register(near, name="甲", number=id_number(seq=1), arrived_on=date(2026, 11, 20))
    register(near, name="乙", number=id_number(seq=2), arrived_on=date(2026, 11, 25))
    register(far, name="丙", number=id_number(seq=3), arrived_on=date(2026, 11, 25))
    doc = parse(signed_in("supervisor").get("/register/dashboard"))
    charts = [json.loads(n.attrs["data-chart"]) for n in doc.find_all(cls="echart")]
    grades = next(c for c in charts if c["title"] == "按安全等级统计出租屋")
    assert grades["values"] == [1, 0, 0, 1]  # green, yellow, orange, red
    assert doc.find(id="grade-red").text().strip() == "1"
    assert doc.find(id="community-huangpu-dongyuan").text().strip() == "2"
    assert doc.find(id="figure-late").find("strong").text().strip() == "1"
    behind = signed_in("supervisor").get(doc.find(id="community-huangpu-dongyuan").attrs["href"])
    text = behind.get_data(as_text=True)
    assert "甲" in text and "乙" in text and "丙" not in text
    street = signed_in("huangpu-staff").get("/register/dashboard").get_data(as_text=True)
    assert "石化社区" not in street and "东苑社区" in street
    assert signed_in("gongan").get("/register/dashboard").status_code == 403
