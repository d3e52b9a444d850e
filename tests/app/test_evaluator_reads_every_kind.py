"""The evaluation office follows a figure to the matters behind it: the
evaluator reads every matter of every kind, read-only (app/auth/scope.py's
one rule), on the shared case page and on each kind's own page."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from cases import documents
from cases import supervision_items as items
from cases.models import OrgUnit, User
from core.db import db
from escalation.supervision_items import dispatch_item
from tests.support import login


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def unit(code: str) -> OrgUnit:
    return db.session.scalar(select(OrgUnit).where(OrgUnit.code == code))


def test_the_evaluator_reads_each_kinds_page_and_acts_on_none(client, clock, assigned_proposal):
    item = items.register_item(
        {"title": "某项目落地督办", "description": "跟踪", "source": "investment_project",
         "deadline": "2027-06-30"}, [("签约", date(2026, 12, 4))], user("supervisor"))
    dispatch_item(item.case, user("supervisor"), unit("land-housing"), "督办")
    proposal = assigned_proposal()
    doc = documents.register_document(
        {"title": "关于冬季安全的通知", "document_number": "市府办〔2026〕18号",
         "issuing_body": "市政府办公厅", "received_on": "2026-11-26"}, user("dispatcher"))
    db.session.commit()
    login(client, "evaluator")
    for path, title in ((f"/cases/{item.case.tracking_number}", item.case.tracking_number),
                        (f"/supervision/items/{item.case_id}", "某项目落地督办"),
                        (f"/proposals/{proposal.id}", "关于增设公交线路的建议"),
                        (f"/documents/{doc.tracking_number}", "关于冬季安全的通知")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert title in response.get_data(as_text=True)
    refused = client.post(f"/supervision/items/{item.case_id}/progress", data={"text": "x"})
    assert refused.status_code == 403
    assert client.post(f"/cases/{item.case.tracking_number}/resolve",
                       data={"reply": "x"}).status_code == 403
