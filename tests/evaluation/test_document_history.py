"""The documents' month of history: worked through the real operations,
some late after reminders; a second run adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from cases.models import Case
from cases.states import CaseStatus
from core.db import db
from evaluation import document_history


def test_a_month_of_documents_is_worked_and_a_second_run_adds_nothing(clock):
    made = document_history.generate(days=20, seed=3)
    assert made["documents"] > 5 and made["reminders"] >= 1
    closed = db.session.scalar(select(func.count()).select_from(Case).where(
        Case.kind == "document", Case.status == CaseStatus.CLOSED))
    assert closed == made["closed"] > 0
    assert document_history.generate(days=20, seed=3) is None
