"""Each kind's own page, for the shared pages and the API to point to when
a shared action is the kind's own step (cases.kind_registry.OwnStep)."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

from cases.models import Case
from cases.proposals.registration import proposal_for

PAGES: dict[str, Callable[[Case], str]] = {
    "supervision": lambda case: url_for("supervision_items.detail", case_id=case.id),
    "proposal": lambda case: url_for("proposals.show", proposal_id=proposal_for(case).id),
    "document": lambda case: url_for("documents.detail", number=case.tracking_number),
}


def own_page(case: Case) -> str | None:
    """The page of the matter's own steps; None for a petition (the case page is its own)."""
    page = PAGES.get(case.kind or "")
    return page(case) if page is not None else None
