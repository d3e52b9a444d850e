"""The incoming documents' pages (办文) under /documents: the office's list
and registration form, and each document's page with its steps (拟办, 批办,
分办, 催办, 办结, 传阅). The units sign for and report on the shared case
page (/cases/<number>), as for any matter.

Who reads a document: the office (district-wide roles), a leader
(cases.documents.is_leader), a unit it was distributed to (app.auth.scope)
and its named readers. Role checks come before any form is read.
"""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user
from sqlalchemy import Select, exists, or_, select

from app.auth import scope
from app.extensions import login_manager
from cases import documents
from cases.models import Assignment, Case
from cases.models.document import DocumentReader
from core.db import db

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.before_request
def _signed_in():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def sees_all() -> bool:
    return scope.reads_every_matter(current_user) or documents.is_leader(current_user)


def may_read(case: Case) -> bool:
    return (sees_all() or scope.may_read(current_user, case)
            or documents.reader_row(case, current_user) is not None)


def document_or_404(number: str) -> Case:
    """The document, or 404; 403 when the signed-in user may not read it."""
    case = db.session.scalar(select(Case).where(Case.tracking_number == number,
                                                Case.kind == documents.KIND))
    if case is None:
        abort(404)
    if not may_read(case):
        abort(403)
    return case


def visible(query: Select) -> Select:
    """The documents the signed-in user reads."""
    query = query.where(Case.kind == documents.KIND)
    if sees_all():
        return query
    ids = scope.unit_ids(current_user) or set()
    return query.where(or_(
        exists().where(Assignment.case_id == Case.id, Assignment.unit_id.in_(ids)),
        exists().where(DocumentReader.case_id == Case.id,
                       DocumentReader.user_id == current_user.id),
    ))


def require(allowed: bool) -> None:
    if not allowed:
        abort(403)


from app.documents import views  # noqa: E402, F401  (the routes)
