"""The grid staff's round and visit on the pages: the checklist, a photo,
the grade, the re-inspection; the case page of a finding's case shows the
property to the department."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image
from sqlalchemy import select

from cases import operations
from cases.models import Case
from cases.states import CaseStatus
from core.db import db
from register.checklist import ITEMS
from register.models import Finding, Grade, VisitPhoto
from tests.register.support import make_property, register, user

GRID = "huangpu-dongyuan-g1"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def visit_form(**changes) -> dict:
    form = {f"item_{item.code}": "ok" for item in ITEMS}
    return form | {"grade": "green", "reason": "", "people_count": "3", "note": ""} | changes


def test_the_round_shows_the_days_visits_on_a_phone_sized_page(signed_in, clock):
    prop = make_property("港湾路15号302房")
    register(prop, arrived_on=date(2026, 11, 20))
    page = signed_in(GRID).get("/register/round").get_data(as_text=True)
    assert 'name="viewport"' in page and 'id="due-today"' in page
    assert f'id="due-{prop.id}"' in page and 'id="late-registrations"' in page
    assert signed_in("huangpu-staff").get("/register/round").status_code == 403


def test_a_visit_with_a_fire_finding_and_a_photo_downgrades_to_orange(signed_in, clock, work):
    prop = make_property("港湾路15号302房")
    grid = signed_in(GRID)
    form = grid.get(f"/register/properties/{prop.id}/visit").get_data(as_text=True)
    assert 'id="fail-ebike_indoor"' in form
    refused = grid.post(f"/register/properties/{prop.id}/visit", data=visit_form(
        item_ebike_indoor="fail", grade="orange"))
    assert refused.status_code == 200 and "理由" in refused.get_data(as_text=True)
    answer = grid.post(f"/register/properties/{prop.id}/visit", data=visit_form(
        item_ebike_indoor="fail", note_ebike_indoor="楼道内两辆电动车充电", grade="orange",
        reason="电动车室内充电", photos=[(io.BytesIO(png()), "ebike.png")]),
        content_type="multipart/form-data")
    assert answer.status_code == 302
    db.session.expire_all()
    assert prop.grade is Grade.ORANGE
    finding = db.session.scalar(select(Finding))
    assert finding.case.attachments[0].filename == "ebike.png"
    photo = db.session.scalar(select(VisitPhoto))
    shown = grid.get(f"/register/photos/{photo.id}")
    assert shown.status_code == 200 and shown.mimetype == "image/png"
    assert signed_in("huangpu-dongyuan-g2").get(f"/register/photos/{photo.id}").status_code == 403
    page = grid.get(f"/register/properties/{prop.id}").get_data(as_text=True)
    assert finding.case.tracking_number in page and "橙色" in page
    work()
    fire = signed_in("xiaofang").get(f"/cases/{finding.case.tracking_number}")
    text = fire.get_data(as_text=True)
    assert fire.status_code == 200 and 'id="register-finding"' in text
    assert "港湾路15号302房" in text and 'id="register-property"' not in text  # no register scope
    street = signed_in("huangpu-head").get(f"/register/properties/{prop.id}")
    assert street.status_code == 200


def test_a_bad_photo_or_another_grid_is_refused(signed_in, clock):
    prop = make_property("港湾路15号302房")
    bad = signed_in(GRID).post(f"/register/properties/{prop.id}/visit", data=visit_form(
        photos=[(io.BytesIO(b"not an image"), "x.png")]), content_type="multipart/form-data")
    assert bad.status_code == 200 and "x.png" in bad.get_data(as_text=True)
    assert signed_in("huangpu-dongyuan-g2").get(
        f"/register/properties/{prop.id}/visit").status_code == 403
    assert signed_in("huangpu-staff").get(
        f"/register/properties/{prop.id}/visit").status_code == 403


def test_the_next_visit_confirms_the_departments_fix(signed_in, clock, work):
    prop = make_property("港湾路15号302房")
    grid = signed_in(GRID)
    grid.post(f"/register/properties/{prop.id}/visit", data=visit_form(item_gas="fail"))
    work()
    finding = db.session.scalar(select(Finding))
    fire = user("xiaofang")
    operations.acknowledge(finding.case, fire)
    operations.resolve(finding.case, fire, "已更换燃气管")
    db.session.commit()
    page = grid.get("/register/round").get_data(as_text=True)
    assert f'id="recheck-{finding.id}"' in page and "已更换燃气管" in page
    visit_page = grid.get(f"/register/properties/{prop.id}/visit").get_data(as_text=True)
    assert f'id="confirm-{finding.id}"' in visit_page
    assert grid.post(f"/register/findings/{finding.id}/check",
                     data={"outcome": "fixed"}).status_code == 302
    assert db.session.get(Case, finding.case_id).status is CaseStatus.CLOSED
