"""The register seen from a case: the case page of a finding's case shows the
property and the visit it came from, with a link for those who may open the
property (its area's staff), so the department knows where and why."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from app.auth.scope import register_scope
from cases.models import Case, User
from core.db import db
from register.models import Finding


def case_context(case: Case, user: User) -> dict:
    finding = db.session.scalar(select(Finding).where(Finding.case_id == case.id))
    if finding is None:
        return {"register_finding": None, "register_link": None}
    prop = finding.prop
    scope = register_scope(user)
    link = None
    if scope is not None and scope.covers(prop.street_id, prop.community_id, prop.grid_id):
        link = url_for("register.property_page", property_id=prop.id)
    return {"register_finding": finding, "register_link": link}
