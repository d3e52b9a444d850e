"""The workbench list (/workbench): a unit's assignments, the most urgent first.

A street officer with thirty open cases must see which is due first. The
open tab is ordered in the database by the deadline each assignment owes next
(escalation.countdown.next_due: overdue first, then the soonest), so the
pages split where the order says; a case waiting for the citizen (its clock
paused) comes after the running ones. Matters of every kind (cases/kinds/)
are listed together, each with its kind. The filters (kind, category,
community, lead or assisting, escalation level) live in the query string, so a view can be
bookmarked, and the tabs, the pager and the form all carry them.

Queries per page: the rows with their case, category, community and unit in
one, their count, the tab counts in one aggregate, and the calendar and time
limits for the countdowns (escalation.countdown.Clockface).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, SelectField
from wtforms.validators import Optional

from app.auth import scope
from cases import kinds
from cases.models import (
    Assignment,
    AssignmentRole,
    AssignmentStatus,
    Case,
    Category,
    OrgUnit,
    UnitKind,
    User,
)
from cases.models.assignment import ASSIGNMENT_ROLE_LABELS
from core.db import db
from core.i18n import localname
from escalation.countdown import next_due
from escalation.models import LEVEL_LABELS

TABS = ("open", "resolved")
LEVELS = (0, 1, 2, 3)


class FilterForm(FlaskForm):
    """The workbench's filters, read from the query string (GET: no CSRF token)."""

    class Meta:
        csrf = False

    tab = HiddenField()
    kind = SelectField(_l("Kind"), validators=[Optional()])
    category = SelectField(_l("Category"), validators=[Optional()])
    community = SelectField(_l("Community"), validators=[Optional()])
    role = SelectField(_l("Lead or assisting"), validators=[Optional()])
    level = SelectField(_l("Escalation level"), validators=[Optional()])


@dataclass(frozen=True)
class Filters:
    kind: str | None = None
    category: Category | None = None
    community: OrgUnit | None = None
    role: AssignmentRole | None = None
    level: int | None = None

    def apply(self, query: Select) -> Select:
        """Narrow a query that already joins Assignment and Case."""
        if self.kind is not None:
            query = query.where(Case.kind == self.kind)
        if self.category is not None:
            query = query.where(Case.category_id == self.category.id)
        if self.community is not None:
            query = query.where(Case.community_id == self.community.id)
        if self.role is not None:
            query = query.where(Assignment.role == self.role)
        if self.level is not None:
            query = query.where(Assignment.escalation_level == self.level)
        return query

    def args(self) -> dict[str, str]:
        """The query-string arguments that reproduce these filters (tabs, pager)."""
        values = {
            "kind": self.kind,
            "category": self.category.code if self.category else None,
            "community": self.community.code if self.community else None,
            "role": self.role.value if self.role else None,
            "level": str(self.level) if self.level is not None else None,
        }
        return {k: v for k, v in values.items() if v is not None}

    @property
    def active(self) -> bool:
        return bool(self.args())


def communities_for(user: User) -> list[OrgUnit]:
    """The communities a user narrows by: a street's own; every community for
    a department or a district-wide role; none for a community, whose cases
    are all in it."""
    unit = user.unit if not user.district_wide else None
    if unit is not None and unit.kind is UnitKind.COMMUNITY:
        return []
    query = select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMUNITY, OrgUnit.active.is_(True))
    if unit is not None and unit.kind is UnitKind.STREET:
        query = query.where(OrgUnit.parent_id == unit.id)
    return list(db.session.scalars(query.order_by(OrgUnit.parent_id, OrgUnit.code)))


def read_filters(args: MultiDict, user: User) -> tuple[str, FilterForm, Filters]:
    """The tab, the form and the filters from the query string; an unknown
    value is a field error and that filter is left out."""
    tab = args.get("tab") if args.get("tab") in TABS else "open"
    form = FilterForm(formdata=args)
    form.tab.data = tab
    categories = list(db.session.scalars(
        select(Category).order_by(Category.sort_order, Category.code)))
    communities = communities_for(user)
    form.kind.choices = [("", _("All kinds"))] + [
        (k.name, str(k.label)) for k in kinds.KINDS.values()]
    form.category.choices = [("", _("All categories"))] + [
        (c.code, localname(c)) for c in categories]
    form.community.choices = [("", _("All communities"))] + [
        (c.code, localname(c)) for c in communities]
    form.role.choices = [("", _("Lead and assisting"))] + [
        (role.value, label) for role, label in ASSIGNMENT_ROLE_LABELS.items()]
    form.level.choices = [("", _("Any level"))] + [
        (str(n), _("Not escalated") if n == 0 else LEVEL_LABELS[n]) for n in LEVELS]
    form.validate()

    def chosen(field, rows, key):
        if field.errors or not field.data:
            return None
        return next((r for r in rows if key(r) == field.data), None)

    filters = Filters(
        kind=chosen(form.kind, list(kinds.KINDS), str),
        category=chosen(form.category, categories, lambda c: c.code),
        community=chosen(form.community, communities, lambda c: c.code),
        role=chosen(form.role, list(AssignmentRole), lambda r: r.value),
        level=chosen(form.level, LEVELS, str),
    )
    return tab, form, filters


def _base(user: User, filters: Filters, query: Select) -> Select:
    query = query.join(Assignment.case).where(Assignment.active.is_(True))
    return filters.apply(scope.assignments_in_scope(query, user))


def tab_counts(user: User, filters: Filters) -> dict[str, int]:
    """How many assignments each tab holds under these filters, in one query."""
    resolved = Assignment.status == AssignmentStatus.RESOLVED
    counts = select(
        func.count(Assignment.id).filter(~resolved),
        func.count(Assignment.id).filter(resolved),
    ).select_from(Assignment)
    open_count, resolved_count = db.session.execute(_base(user, filters, counts)).one()
    return {"open": open_count, "resolved": resolved_count}


def rows_query(user: User, filters: Filters, tab: str) -> Select:
    """The tab's assignments with what the list shows of them, in its order."""
    query = _base(user, filters, select(Assignment)).options(
        contains_eager(Assignment.case).joinedload(Case.category),
        contains_eager(Assignment.case).joinedload(Case.community),
        joinedload(Assignment.unit),
    )
    if tab == "resolved":
        return query.where(Assignment.status == AssignmentStatus.RESOLVED).order_by(
            Assignment.resolved_at.desc(), Assignment.id.desc())
    due = next_due()
    return query.where(Assignment.status != AssignmentStatus.RESOLVED).order_by(
        Case.paused_at.is_not(None),  # a paused clock waits for the citizen, not the unit
        due.is_(None),
        due,
        Assignment.id,
    )
