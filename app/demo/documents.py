"""A few incoming documents in the demo district (`flask demo load`), one at
each of the first steps: registered, proposed, decided and distributed. Made
through the real operations by the demo's office (`dispatcher`) and leader
(`district-leader`); loaded once (none is added when documents exist)."""

from __future__ import annotations

from sqlalchemy import func, select

from cases import documents
from cases.models import Case, OrgUnit, User
from core.clock import local, now
from core.db import db

DOCUMENTS = (
    ("关于做好冬季安全生产工作的紧急通知", "市府办〔2026〕18号", "市政府办公厅", "express"),
    ("关于开展燃气安全专项检查的通知", "市应急〔2026〕42号", "市应急管理局", "urgent"),
    ("关于报送年度重点工作进展情况的函", "区委办函〔2026〕7号", "区委办公室", "ordinary"),
    ("关于加强城市道路占道施工管理的意见", "市住建〔2026〕15号", "市住房和城乡建设局", "ordinary"),
)


def _user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def load_documents() -> dict[str, int]:
    if db.session.scalar(select(func.count()).select_from(Case)
                         .where(Case.kind == documents.KIND)):
        return {"documents": 0}
    office, leader = _user("dispatcher"), _user("district-leader")
    lead = db.session.scalar(select(OrgUnit).where(OrgUnit.code == "city-management"))
    if office is None or leader is None or lead is None:
        return {"documents": 0}
    today = local(now()).date().isoformat()
    for step, (title, number, body, urgency) in enumerate(DOCUMENTS):
        doc = documents.register_document({
            "title": title, "document_number": number, "issuing_body": body,
            "received_on": today, "urgency": urgency, "copies": 1}, office)
        if step >= 1:
            documents.propose(doc, office, "拟请区城管局牵头办理")
        if step >= 2:
            documents.decide(doc, leader, "同意，请按期办结")
        if step >= 3:
            documents.distribute(doc, office, lead)
    db.session.commit()
    return {"documents": len(DOCUMENTS)}
