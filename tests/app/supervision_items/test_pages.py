"""The supervision items' pages: the office registers and sees the desk by
light; the lead reports; another unit may not read the item; bad input is
refused with the reason."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from cases.models.supervision_item import SupervisionItem
from cases.states import CaseStatus
from core.db import db
from tests.support import login

FORM = {"title": "某新能源项目落地", "description": "跟踪签约至投产",
        "source": "investment_project", "deadline": "2027-06-30", "unit": "land-housing",
        "milestones": "签约 2026-12-04\n开工 2027-03-01\n投产 2027-06-30",
        "report_every_months": "1", "report_by_working_day": "5"}


def register(client, **changes):
    login(client, "supervisor")
    return client.post("/supervision/items/new", data=FORM | changes)


@pytest.fixture
def item(client, clock):
    answer = register(client)
    assert answer.status_code == 302, answer.text
    client.get("/logout")
    return db.session.scalar(select(SupervisionItem))


def test_the_office_registers_and_the_item_is_on_the_desk(client, item):
    assert item.case.tracking_number == "督〔2026〕1号"
    login(client, "supervisor")
    desk = client.get("/supervision/items")
    assert "督〔2026〕1号" in desk.text and 'class="tag light light-green"' in desk.text
    assert "督〔2026〕1号" not in client.get("/supervision/items?light=red").text


def test_a_milestone_after_the_deadline_is_refused_with_the_reason(client, clock):
    answer = register(client, milestones="投产 2027-07-01")
    assert answer.status_code == 422
    assert "after the item&#39;s deadline 2027-06-30" in answer.text
    assert db.session.scalar(select(SupervisionItem)) is None


def test_a_milestone_line_without_a_date_is_refused(client, clock):
    answer = register(client, milestones="签约 下个月")
    assert answer.status_code == 422
    assert db.session.scalar(select(SupervisionItem)) is None


def test_the_lead_reports_and_marks_a_milestone_done_with_evidence(client, item):
    login(client, "fangguan")
    page = client.get(f"/supervision/items/{item.case_id}")
    assert page.status_code == 200 and "progress-button" in page.text
    answer = client.post(f"/supervision/items/{item.case_id}/progress",
                         data={"text": "合同文本报审"})
    assert answer.status_code == 302
    signing = item.milestones[0]
    answer = client.post(
        f"/supervision/items/{item.case_id}/milestones/{signing.id}/done",
        data={"note": "已签约", "evidence": (io.BytesIO(b"%PDF contract"), "合同.pdf")},
        content_type="multipart/form-data")
    assert answer.status_code == 302
    page = client.get(f"/supervision/items/{item.case_id}")
    assert "合同.pdf" in page.text and "合同文本报审" in page.text
    db.session.expire_all()
    assert item.case.status is CaseStatus.ACKNOWLEDGED


def test_a_unit_outside_the_assignment_cannot_read_the_item(client, item):
    login(client, "chengguan")
    assert client.get(f"/supervision/items/{item.case_id}").status_code == 403
    assert client.post(f"/supervision/items/{item.case_id}/progress",
                       data={"text": "x"}).status_code == 403
    assert client.get("/supervision/items").status_code == 403


def test_verification_needs_a_completion_report(client, item):
    login(client, "supervisor")
    answer = client.post(f"/supervision/items/{item.case_id}/verify", data={"note": ""})
    assert answer.status_code == 422
    assert "no completion report" in answer.text
