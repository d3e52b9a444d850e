"""GET /search: the search box in the header of every page, for every role
that reads cases (app.auth.scope.may_use_cases).

A tracking number the reader may see opens its case (the case it was merged
into, when it was). Anything else lists the cases it finds within the
reader's scope, newest first, 25 a page. What a query means and the SQL are
the domain's (cases/search.py); the scope is applied in SQL here, as on the
workbench, so a case outside it is never read, let alone shown: a number
outside the scope answers as a number that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from app.auth import scope
from cases import search
from cases.models import Assignment, Case
from core.config import setting
from core.db import db

bp = Blueprint("search", __name__)

PAGE_SIZE = 25
# What a result row shows, loaded with the page (not one query per row).
SHOWN = (joinedload(Case.category), joinedload(Case.merged_into),
         selectinload(Case.assignments).joinedload(Assignment.unit))


@dataclass(frozen=True)
class Results:
    """One page of results, and whether another follows. Nothing counts all
    the matches (a common word matches a hundred thousand cases): the total
    is known on the last page, "more than" before it."""

    items: list[Case]
    page: int
    has_next: bool

    @property
    def total(self) -> int | None:
        return None if self.has_next else (self.page - 1) * PAGE_SIZE + len(self.items)

    @property
    def at_least(self) -> int:
        return self.page * PAGE_SIZE


@bp.app_context_processor
def search_box() -> dict:
    """The header's box: shown to whoever reads cases, keeping the query."""
    shown = current_user.is_authenticated and scope.may_use_cases(current_user)
    kept = request.args.get("q", "") if request.endpoint == "search.index" else ""
    return {"search_box": shown, "search_text": kept[:search.MAX_LENGTH],
            "search_max": search.MAX_LENGTH}


@bp.get("/search")
@login_required
def index():
    if not scope.may_use_cases(current_user):
        abort(403)
    query = search.parse(request.args.get("q"), setting("PHONE_REGION"))
    if query.empty:
        return render_template("search/index.html", query=query, results=None)
    if query.number:
        found = db.session.scalar(scope.in_scope(search.number_query(query.number),
                                                 current_user).limit(1))
        if found is not None:
            return redirect(url_for("workbench.case_detail",
                                    tracking_number=found.tracking_number))
    page = max(1, request.args.get("page", 1, type=int))
    rows = search.newest(query, (page - 1) * PAGE_SIZE, PAGE_SIZE + 1, restrict=lambda found:
                         scope.in_scope(found, current_user).options(*SHOWN))
    return render_template("search/index.html", query=query, results=Results(
        items=rows[:PAGE_SIZE], page=page, has_next=len(rows) > PAGE_SIZE))
